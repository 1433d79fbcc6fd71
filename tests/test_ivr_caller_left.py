"""Caller stories: hanging up while a counselor's phone rings or the counselor hears the whisper."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from callcenter.models import Call, CallLeg, Consultation, Counselor
from ivr.housekeeping import close_unfinished_calls
from ivr.routing import Ring
from tests.ivr_support import play

HANG_UPS = ["caller-hangs-up", "caller-hangs-up-in-whisper"]


def leg_results(db):
    return [leg.result for leg in db.scalars(select(CallLeg).order_by(CallLeg.position))]


def numbers_rung(transcript):
    return [n.text for d in transcript.documents() for n in d.iter("Number")]


def the_call(db):
    db.expire_all()
    return db.scalar(select(Call))


def signed_post(app, client, path, **form):
    url = "http://localhost" + path
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, form)
    response = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_caller_who_hangs_up_while_the_phone_rings_abandoned_while_ringing(
    db, walker, on_shift, clock
):
    first, second = on_shift("legal"), on_shift("legal")
    transcript = play(walker, "1", counselors=["caller-hangs-up"])
    assert numbers_rung(transcript) == [first.phone]
    assert second.phone not in numbers_rung(transcript)
    assert leg_results(db) == ["caller_left"]
    call = the_call(db)
    assert call.outcome == "abandoned_ringing"
    assert call.reached("caller_left")
    assert transcript.ended == "caller hung up while the phone rang"


def test_caller_who_hangs_up_during_the_whisper_abandoned_while_ringing(
    db, walker, on_shift, clock
):
    counselor = on_shift("legal")
    transcript = play(walker, "1", counselors=["caller-hangs-up-in-whisper"])
    assert "받으시려면 1번을 눌러 주세요" in transcript.counselor_heard
    assert leg_results(db) == ["caller_left"]
    assert the_call(db).outcome == "abandoned_ringing"
    assert db.scalar(select(func.count()).select_from(Consultation)) == 0
    assert db.get(Counselor, counselor.id).busy_since is None


@pytest.mark.parametrize("hang_up", HANG_UPS)
@pytest.mark.parametrize("callbacks_first", [True, False], ids=["legs-first", "action-first"])
def test_caller_left_is_recorded_whichever_request_comes_first(
    db, walker, on_shift, clock, hang_up, callbacks_first
):
    on_shift("legal")
    play(walker, "1", counselors=[hang_up], callbacks_first=callbacks_first, repeat_callbacks=True)
    assert leg_results(db) == ["caller_left"]
    assert the_call(db).outcome == "abandoned_ringing"


def test_caller_who_hangs_up_on_the_second_counselor_after_the_first_did_not_answer(
    db, walker, on_shift, clock
):
    on_shift("legal")
    on_shift("legal")
    transcript = play(walker, "1", counselors=["no-answer", "caller-hangs-up"])
    assert "다른 상담위원에게 연결하고 있습니다." in transcript.heard
    assert leg_results(db) == ["no_answer", "caller_left"]
    assert the_call(db).outcome == "abandoned_ringing"


def test_caller_taken_from_the_queue_who_hangs_up_while_the_phone_rings(
    db, walker, on_shift, clock
):
    on_shift("legal", busy_since=clock.now - timedelta(minutes=5), busy_call_sid="CAearlier")

    def earlier_call_ends(walker, poll):
        if poll == 0:
            walker.leg_ended("CAearlier", "CAparent")

    transcript = play(
        walker, "1", queue_polls=2, on_queue_poll=earlier_call_ends, counselors=["caller-hangs-up"]
    )
    assert "대기열에서 상담위원에게로 옮겨짐" in transcript.events
    call = the_call(db)
    assert (call.outcome, leg_results(db)) == ("abandoned_ringing", ["caller_left"])
    assert call.queue_left_at is not None


def test_counselor_who_hangs_up_in_the_whisper_still_passes_the_call_on(
    app, client, db, on_shift, clock
):
    first, second = on_shift("legal"), on_shift("legal")
    ring = Ring("CAstays", first.id, first.fields[0].id, 0, clock.now)
    query = "?" + urlencode(ring.params())
    leg = {"CallSid": "CAleg", "ParentCallSid": "CAstays"}
    signed_post(app, client, "/ivr/status" + query, **leg, CallStatus="in-progress")
    signed_post(app, client, "/ivr/status" + query, **leg, CallStatus="completed")
    assert leg_results(db) == ["ringing"]  # the caller may still be there: the Dial action says
    twiml = signed_post(
        app,
        client,
        "/ivr/dial/done" + query,
        CallSid="CAstays",
        CallStatus="in-progress",
        DialCallStatus="completed",
    )
    assert second.phone in twiml
    assert leg_results(db) == ["declined"]
    assert the_call(db).outcome is None


@pytest.mark.parametrize(
    "order",
    [
        ["caller", "action", "leg"],
        ["caller", "leg", "action"],
        ["leg", "caller", "action"],
        ["ringing", "caller", "action", "leg"],
    ],
    ids="-".join,
)
@pytest.mark.parametrize("leg_status", ["canceled", "completed"])
def test_caller_left_whatever_order_twilio_reports_it_in(
    app, client, db, on_shift, clock, order, leg_status
):
    counselor = on_shift("legal")
    ring = Ring("CAgone", counselor.id, counselor.fields[0].id, 0, clock.now)
    query = "?" + urlencode(ring.params())
    leg = {"CallSid": "CAgoneleg", "ParentCallSid": "CAgone"}
    requests = {
        "ringing": ("/ivr/status" + query, {**leg, "CallStatus": "ringing"}),
        "leg": ("/ivr/status" + query, {**leg, "CallStatus": leg_status, "CallDuration": "4"}),
        "caller": ("/ivr/status", {"CallSid": "CAgone", "CallStatus": "completed"}),
        "action": (
            "/ivr/dial/done" + query,
            {"CallSid": "CAgone", "CallStatus": "completed", "DialCallStatus": "no-answer"},
        ),
    }
    for name in order:
        path, form = requests[name]
        signed_post(app, client, path, **form)
    assert leg_results(db) == ["caller_left"]
    assert the_call(db).outcome == "abandoned_ringing"


def test_call_left_unfinished_while_a_phone_rang_is_closed_as_abandoned_while_ringing(
    db, on_shift, clock
):
    counselor = on_shift("legal")
    call = Call(call_sid="CAlost", steps=[], started_at=clock.now - timedelta(hours=6))
    db.add(call)
    db.flush()
    db.add(CallLeg(call_id=call.id, counselor_id=counselor.id, result="ringing"))
    db.commit()
    assert close_unfinished_calls(db, clock.now) == 1
    db.commit()
    assert (the_call(db).outcome, leg_results(db)) == ("abandoned_ringing", ["caller_left"])


def test_call_log_names_the_call_and_the_leg_the_caller_left(
    client, login, db, walker, on_shift, clock
):
    on_shift("legal")
    play(walker, "1", counselors=["caller-hangs-up"])
    login("coordinator")
    page = client.get(f"/calls/{the_call(db).id}").get_data(as_text=True)
    assert "연결 중 끊음" in page and "발신자가 끊음" in page
    listed = client.get("/calls?outcome=abandoned_ringing").get_data(as_text=True)
    assert "연결 중 끊음" in listed
