"""Status callbacks: idempotent, safe out of order; repairs for lost callbacks."""

from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from callcenter.models import Call, CallLeg, Counselor
from ivr.housekeeping import close_unfinished_calls, release_stale_busy_flags
from ivr.routing import Ring
from tests.ivr_support import play


def post_status(app, client, query="", **form):
    url = f"http://localhost/ivr/status{query}"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, form)
    return client.post(f"/ivr/status{query}", data=form, headers={"X-Twilio-Signature": signature})


def test_repeated_final_status_changes_nothing(app, client, db, walker, clock):
    transcript = play(walker, "", "", "")
    call = db.scalar(select(Call))
    first = (call.ended_at, call.outcome, call.duration_seconds)
    clock.now += timedelta(minutes=5)
    post_status(
        app, client, CallSid=transcript.call_sid, CallStatus="completed", CallDuration="999"
    )
    db.expire_all()
    call = db.scalar(select(Call))
    assert (call.ended_at, call.outcome, call.duration_seconds) == first


def test_progress_arriving_after_the_final_status_is_ignored(app, client, db, walker, clock):
    transcript = play(walker)
    post_status(app, client, CallSid=transcript.call_sid, CallStatus="in-progress")
    assert db.scalar(select(Call)).status == "completed"


def test_a_counselors_leg_reports_only_its_end_and_the_call_is_still_recorded_whole(
    app, client, db, walker, on_shift, clock
):
    on_shift("legal")
    transcript = play(walker, "1")
    leg_statuses = [
        form["CallStatus"]
        for path, form, _, _ in transcript.exchanges
        if path.startswith("/ivr/status") and "ParentCallSid" in form
    ]
    # No progress events: the whisper records the answer, the first request records the leg.
    assert leg_statuses == ["completed"]
    leg = db.scalar(select(CallLeg))
    assert leg.answered_at is not None and leg.ended_at is not None
    assert leg.result == "completed"
    assert db.scalar(select(Call)).outcome == "connected"


def test_status_of_an_unknown_call_creates_its_record(app, client, db, clock):
    response = post_status(
        app, client, CallSid="CAunknown", From="+821012345678", CallStatus="no-answer"
    )
    assert response.status_code == 200
    call = db.scalar(select(Call))
    assert (call.call_sid, call.status, call.outcome) == (
        "CAunknown",
        "no-answer",
        "abandoned_menu",
    )


def test_late_callback_of_an_old_leg_does_not_free_a_counselor_on_another_call(
    app, client, db, walker, on_shift, clock
):
    counselor = on_shift("legal")
    play(walker, "1", counselors=["answers"])
    leg = db.scalar(select(CallLeg))
    counselor.busy_since, counselor.busy_call_sid = clock.now, "CAnewerleg"
    db.commit()
    ring = Ring(leg.call.call_sid, counselor.id, leg.call.field_id, 0, clock.now)
    post_status(
        app,
        client,
        "?" + urlencode(ring.params()),
        CallSid=leg.leg_sid,
        ParentCallSid="CAparent",
        CallStatus="completed",
    )
    db.expire_all()
    assert db.get(Counselor, counselor.id).busy_call_sid == "CAnewerleg"


def test_caller_hanging_up_frees_the_counselor_even_if_the_leg_callback_is_lost(
    app, client, db, on_shift, clock
):
    counselor = on_shift("legal")
    call = Call(call_sid="CAlost", steps=[])
    db.add(call)
    db.flush()
    db.add(
        CallLeg(call_id=call.id, counselor_id=counselor.id, leg_sid="CAlostleg", result="connected")
    )
    counselor.busy_since, counselor.busy_call_sid = clock.now, "CAlostleg"
    db.commit()
    post_status(app, client, CallSid="CAlost", CallStatus="completed", CallDuration="300")
    db.expire_all()
    assert db.get(Counselor, counselor.id).busy_since is None


def test_stale_busy_flags_are_released(db, on_shift, clock):
    stale = on_shift("legal", busy_since=clock.now - timedelta(hours=3), busy_call_sid="CAold")
    live = on_shift("legal", busy_since=clock.now - timedelta(minutes=3), busy_call_sid="CAlive")
    assert release_stale_busy_flags(db, clock.now) == 1
    db.commit()
    db.expire_all()
    assert db.get(Counselor, stale.id).busy_since is None
    assert db.get(Counselor, live.id).busy_since is not None


def test_calls_left_without_a_final_status_are_closed(db, clock):
    db.add(Call(call_sid="CAold", steps=[], started_at=clock.now - timedelta(hours=6)))
    db.add(Call(call_sid="CAnow", steps=[], started_at=clock.now - timedelta(minutes=2)))
    db.commit()
    assert close_unfinished_calls(db, clock.now) == 1
    db.commit()
    old = db.scalar(select(Call).where(Call.call_sid == "CAold"))
    assert old.ended_at is not None and old.outcome == "abandoned_menu"
