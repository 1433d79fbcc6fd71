"""Caller stories: hanging up in the queue and being called back in the same turn."""

from datetime import timedelta

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from callcenter import callbacks
from callcenter.models import Call, CallbackRequest, CallOutcome, Counselor, OutboxMessage
from ivr import kept_turn
from schedules import jobs
from tests.ivr_support import play

CALLER = "+821055551234"
HINT = "전화를 끊고 순서를 그대로 지키시려면 1번을 눌러 주세요."


def make_busy(db, counselor, clock, leg_sid="CAearlier"):
    counselor.busy_since = clock.now - timedelta(minutes=5)
    counselor.busy_call_sid = leg_sid
    db.commit()


def keep_the_turn(walker, **options):
    """Wait in the legal queue, press 1 at the second hold round; return the transcript."""
    return play(walker, "1", queue_polls=3, queue_keys={1: "1"}, **options)


def the_call(db, call_sid):
    db.expire_all()
    return db.scalar(select(Call).where(Call.call_sid == call_sid))


def the_request(db):
    db.expire_all()
    return db.scalar(select(CallbackRequest))


def placed_calls(db):
    return db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "call")).all()


def signed_post(app, client, path, **form):
    url = "http://localhost" + path
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, form)
    response = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def turn_comes(walker, db, clock, counselor):
    """Keep a turn, then a later caller waits behind it while the busy counselor frees."""
    kept = keep_the_turn(walker)
    clock.now += timedelta(minutes=1)

    def counselor_frees(walker, poll):
        if poll == 0:
            walker.leg_ended("CAearlier", "CAparent")

    later = play(walker, "1", queue_polls=2, on_queue_poll=counselor_frees)
    return kept, later


def test_the_hold_round_announces_1_to_keep_the_turn(db, walker, on_shift, clock):
    make_busy(db, on_shift("legal"), clock)
    transcript = play(walker, "1", queue_polls=1)
    assert HINT in transcript.heard


def test_1_in_the_queue_confirms_and_hangs_up_keeping_the_place(db, walker, on_shift, clock):
    make_busy(db, on_shift("legal"), clock)
    entered = clock.now
    transcript = keep_the_turn(walker)
    assert "순서가 되면 이 번호 0 1 0, 5 5 5 5, 1 2 3 4로 전화드리겠습니다." in transcript.heard
    call = the_call(db, transcript.call_sid)
    assert call.ended_at is not None
    assert call.kept_turn_at is not None and call.queue_left_at is None
    assert call.queue_entered_at == entered
    assert call.steps[-1] == {"step": "ended", "at": call.steps[-1]["at"], "ending": "callback"}
    request = the_request(db)
    assert (request.status, request.phone, request.call_id) == ("in_queue", CALLER, call.id)


def test_a_kept_turn_counts_as_answered_by_callback_not_abandoned(db, walker, on_shift, clock):
    make_busy(db, on_shift("legal"), clock)
    call = the_call(db, keep_the_turn(walker).call_sid)
    assert call.outcome == CallOutcome.CALLBACK_REQUESTED
    assert call.outcome not in CallOutcome.abandoned()


def test_a_later_caller_hears_the_kept_turn_ahead_of_them(db, walker, on_shift, clock):
    make_busy(db, on_shift("legal"), clock)
    keep_the_turn(walker)
    clock.now += timedelta(minutes=1)
    transcript = play(walker, "1", queue_polls=1)
    assert "대기 순서는 두 번째" in transcript.heard


def test_a_freed_counselor_goes_to_the_kept_turn_not_to_a_later_caller(db, walker, on_shift, clock):
    counselor = on_shift("legal")
    make_busy(db, counselor, clock)
    kept, later = turn_comes(walker, db, clock, counselor)
    assert "대기열에서 상담위원에게로 옮겨짐" not in later.events
    assert the_call(db, later.call_sid).outcome == "abandoned_queue"
    assert db.get(Counselor, counselor.id).reserved_call_sid == kept.call_sid
    request = the_request(db)
    assert (request.status, request.claimed_by_id) == ("claimed", counselor.id)
    assert the_call(db, kept.call_sid).queue_left_at is not None


def test_the_line_rings_the_counselor_then_the_citizen_in_the_kept_turn(
    app, db, walker, call_back, on_shift, clock
):
    counselor = on_shift("legal")
    make_busy(db, counselor, clock)
    turn_comes(walker, db, clock, counselor)
    request = the_request(db)
    [placed] = placed_calls(db)
    assert placed.to == counselor.phone
    assert placed.body.endswith(f"/ivr/callback-bridge/{request.id}/answer")
    talking = []

    def look(line):
        if line.text.endswith("번호로 연결됨"):
            db.expire_all()
            talking.append(db.get(Counselor, counselor.id).busy_since)

    transcript = call_back(request.id, "1", on_line=look)
    dial = next(d.find("Dial") for d in transcript.documents() if d.find("Dial") is not None)
    assert dial.find("Number").text == CALLER
    assert dial.get("callerId") == app.config["TWILIO_PHONE_NUMBER"]
    assert talking == [clock.now]
    db.expire_all()
    row = db.get(Counselor, counselor.id)
    assert (row.busy_since, row.reserved_call_sid) == (None, None)
    assert the_request(db).status == "claimed"  # the counselor records how it went


def test_a_citizen_who_does_not_answer_the_kept_turn_becomes_a_pending_callback(
    db, walker, call_back, on_shift, clock
):
    counselor = on_shift("legal")
    make_busy(db, counselor, clock)
    turn_comes(walker, db, clock, counselor)
    request = the_request(db)
    call_back(request.id, "1", desk="no-answer")
    request = the_request(db)
    assert (request.status, request.claimed_by_id) == ("pending", None)
    assert (request.result, request.attempts) == ("no_answer", 1)
    assert db.get(Counselor, counselor.id).busy_since is None


def test_a_counselor_who_does_not_take_the_kept_turn_leaves_it_pending(
    app, client, db, walker, on_shift, clock
):
    counselor = on_shift("legal")
    make_busy(db, counselor, clock)
    turn_comes(walker, db, clock, counselor)
    request = the_request(db)
    status = f"/ivr/callback-bridge/{request.id}/status"
    signed_post(app, client, status, CallSid="CAbridge", CallStatus="no-answer")
    assert (the_request(db).status, the_request(db).claimed_by_id) == ("pending", None)
    assert db.get(Counselor, counselor.id).reserved_call_sid is None


def test_the_end_of_an_answered_kept_turn_call_leaves_the_request_with_the_counselor(
    app, client, db, walker, call_back, on_shift, clock
):
    counselor = on_shift("legal")
    make_busy(db, counselor, clock)
    turn_comes(walker, db, clock, counselor)
    request = the_request(db)
    transcript = call_back(request.id, "1")
    status = f"/ivr/callback-bridge/{request.id}/status"
    signed_post(app, client, status, CallSid=transcript.call_sid, CallStatus="completed")
    assert (the_request(db).status, the_request(db).claimed_by_id) == ("claimed", counselor.id)


def test_a_kept_turn_whose_call_to_the_counselor_is_never_heard_of_becomes_pending(
    app, db, walker, on_shift, clock
):
    counselor = on_shift("legal")
    make_busy(db, counselor, clock)
    kept, _ = turn_comes(walker, db, clock, counselor)  # no status of the bridge ever comes
    assert (the_request(db).status, the_request(db).claimed_by_id) == ("claimed", counselor.id)
    with app.test_request_context():
        clock.now += kept_turn.BRIDGE_SILENCE - timedelta(minutes=1)
        assert jobs.release_stale(db, clock.now)["kept_turns"] == 0
        clock.now += timedelta(minutes=2)
        assert jobs.release_stale(db, clock.now)["kept_turns"] == 1
        db.commit()
    request = the_request(db)
    assert (request.status, request.claimed_by_id) == ("pending", None)
    assert the_call(db, kept.call_sid).reached("kept_turn_pending")


def test_a_kept_turn_whose_counselor_pressed_1_stays_with_them_after_the_silence(
    app, db, walker, call_back, on_shift, clock
):
    counselor = on_shift("legal")
    make_busy(db, counselor, clock)
    turn_comes(walker, db, clock, counselor)
    call_back(the_request(db).id, "1")
    clock.now += kept_turn.BRIDGE_SILENCE * 3
    with app.test_request_context():
        assert kept_turn.give_back_silent(db, clock.now) == 0
        db.commit()
    assert (the_request(db).status, the_request(db).claimed_by_id) == ("claimed", counselor.id)


def test_a_kept_turn_taken_from_the_callback_list_is_left_to_its_counselor(
    app, client, db, walker, on_shift, clock
):
    counselor, other = on_shift("legal"), on_shift("legal")
    make_busy(db, counselor, clock)
    make_busy(db, other, clock, leg_sid="CAother")
    turn_comes(walker, db, clock, counselor)
    request = the_request(db)
    status = f"/ivr/callback-bridge/{request.id}/status"
    signed_post(app, client, status, CallSid="CAbridge", CallStatus="no-answer")
    request = the_request(db)
    request.status, request.claimed_by_id, request.claimed_at = "claimed", other.id, clock.now
    db.commit()
    clock.now += kept_turn.BRIDGE_SILENCE * 3
    with app.test_request_context():
        assert kept_turn.give_back_silent(db, clock.now) == 0
    assert the_request(db).claimed_by_id == other.id


def test_a_kept_turn_released_and_taken_by_another_counselor_is_left_to_them(
    app, db, walker, on_shift, clock
):
    counselor, other = on_shift("legal"), on_shift("legal")
    make_busy(db, counselor, clock)
    make_busy(db, other, clock, leg_sid="CAother")
    turn_comes(walker, db, clock, counselor)  # the call to the counselor is never heard of
    clock.now += timedelta(minutes=1)
    callbacks.release(db, the_request(db))  # from the callback list, as the back office does
    db.commit()
    callbacks.claim(db, the_request(db), db.get(Counselor, other.id), clock.now)
    db.commit()
    clock.now += kept_turn.BRIDGE_SILENCE * 3
    with app.test_request_context():
        assert kept_turn.give_back_silent(db, clock.now) == 0
    assert (the_request(db).status, the_request(db).claimed_by_id) == ("claimed", other.id)


def test_a_silent_kept_turn_older_than_the_sweeps_window_is_left_to_the_list(
    app, db, walker, on_shift, clock
):
    counselor = on_shift("legal")
    make_busy(db, counselor, clock)
    turn_comes(walker, db, clock, counselor)
    clock.now += kept_turn.BRIDGE_SWEEP_WINDOW + timedelta(minutes=1)
    with app.test_request_context():
        assert kept_turn.give_back_silent(db, clock.now) == 0
    assert the_request(db).claimed_by_id == counselor.id


def test_a_withheld_number_is_not_offered_to_keep_the_turn_and_waits_on(
    db, walker, on_shift, clock
):
    make_busy(db, on_shift("legal"), clock)
    transcript = play(walker, "1", caller=None, queue_polls=3, queue_keys={1: "1"})
    assert HINT not in transcript.heard
    assert "순서가 되었을 때 전화드릴 수 없습니다" in transcript.heard
    call = the_call(db, transcript.call_sid)
    assert call.kept_turn_at is None and call.outcome == "abandoned_queue"
    assert the_request(db) is None


def test_a_foreign_number_is_not_offered_to_keep_the_turn(db, walker, on_shift, clock):
    make_busy(db, on_shift("legal"), clock)
    transcript = play(walker, "1", caller="+12025550143", queue_polls=3, queue_keys={1: "1"})
    assert HINT not in transcript.heard
    assert the_call(db, transcript.call_sid).kept_turn_at is None


def test_a_kept_turn_past_the_longest_wait_becomes_a_pending_callback(
    app, db, walker, on_shift, clock
):
    make_busy(db, on_shift("legal"), clock)
    call_sid = keep_the_turn(walker).call_sid
    clock.now += timedelta(seconds=app.config["IVR_QUEUE_MAX_WAIT"] - 60)
    assert kept_turn.expire(db, clock.now) == 0
    clock.now += timedelta(seconds=120)
    assert kept_turn.expire(db, clock.now) == 1
    db.commit()
    assert the_request(db).status == "pending"
    assert the_call(db, call_sid).queue_left_at is not None


def test_the_kept_calls_late_final_status_does_not_end_its_counselors_reservation(
    app, client, db, fields, on_shift, clock
):
    counselor = on_shift("legal")
    arrived = clock.now - timedelta(minutes=2)
    db.add(
        Call(
            call_sid="CAkept",
            field_id=fields["legal"].id,
            started_at=arrived,
            queue_entered_at=arrived,
            queue_left_at=clock.now,
            kept_turn_at=arrived + timedelta(seconds=30),
        )
    )
    counselor.reserved_call_sid, counselor.reserved_position = "CAkept", 0
    counselor.reserved_until = clock.now + timedelta(seconds=40)
    db.commit()
    signed_post(app, client, "/ivr/status", CallSid="CAkept", CallStatus="completed")
    db.expire_all()
    assert db.get(Counselor, counselor.id).reserved_call_sid == "CAkept"


def test_a_kept_turn_whose_request_was_cancelled_lets_the_next_caller_through(
    db, walker, on_shift, clock
):
    counselor = on_shift("legal")
    make_busy(db, counselor, clock)
    kept = keep_the_turn(walker)
    the_request(db).status = "cancelled"  # the ticket's page cancels open requests
    db.commit()
    clock.now += timedelta(minutes=1)

    def counselor_frees(walker, poll):
        if poll == 0:
            walker.leg_ended("CAearlier", "CAparent")

    later = play(walker, "1", queue_polls=3, on_queue_poll=counselor_frees, counselors=["answers"])
    assert the_call(db, later.call_sid).connected_counselor_id == counselor.id
    assert the_call(db, kept.call_sid).reached("kept_turn_closed")
    assert placed_calls(db) == []
