"""Caller stories and rules of the ring's reservation: who may be rung, and for how long."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from callcenter.models import Call, Counselor
from ivr import reservations
from ivr.reader import reserve_in_dial_order
from tests.ivr_support import play


def numbers_rung(transcript):
    return [n.text for d in transcript.documents() for n in d.iter("Number")]


def menu(app, client, call_sid, digit="1"):
    from twilio.request_validator import RequestValidator

    form = {"CallSid": call_sid, "From": "+821055550000", "Digits": digit}
    path = "/ivr/menu?lang=ko"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        f"http://localhost{path}", form
    )
    response = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_counselor_being_rung_is_not_rung_for_a_second_caller(app, client, db, on_shift, clock):
    counselor = on_shift("legal")
    first = menu(app, client, "CAfirst")
    second = menu(app, client, "CAsecond")
    assert counselor.phone in first
    assert counselor.phone not in second and "<Enqueue" in second


def test_menu_choice_reserves_never_connected_first_then_the_longest_since_a_call(
    app, db, on_shift, clock
):
    never, earlier, later, busy, stale, ringing = (on_shift("legal") for _ in range(6))
    later.last_connected_at = clock.now - timedelta(minutes=5)
    earlier.last_connected_at = clock.now - timedelta(days=2)
    busy.busy_since = clock.now - timedelta(minutes=1)
    stale.busy_since = clock.now - timedelta(hours=5)
    stale.last_connected_at = clock.now - timedelta(days=1)
    ringing.reserved_call_sid, ringing.reserved_position = "CAother", 0
    ringing.reserved_until = clock.now + timedelta(seconds=30)
    db.commit()
    ids = [c.id for c in (later, busy, ringing, stale, earlier, never)]
    field_id = never.fields[0].id
    with app.test_request_context():
        order = [reserve_in_dial_order(ids, field_id, f"CA{n}", 0, clock.now) for n in range(6)]
    assert order == [(c.id, c.phone) for c in (never, earlier, stale, later)] + [None, None]


def test_reservation_in_the_session_and_on_its_own_connection_agree_at_the_timeout(
    app, db, on_shift, clock
):
    on_time, later = on_shift("legal"), on_shift("legal")
    now = clock.now.replace(microsecond=0)
    on_time.busy_since = now - timedelta(hours=2)  # exactly as old as the timeout: free
    later.busy_since = now - timedelta(hours=2) + timedelta(microseconds=1)
    db.commit()
    ids = [on_time.id, later.id]
    with app.test_request_context():
        assert reservations.free_counselors(db, ids, now) == [(on_time.id, on_time.phone)]
        assert reservations.reserve(db, ids, on_time.fields[0].id, "CAa", 0, now) == (
            on_time.id,
            on_time.phone,
        )
        db.rollback()
        assert reserve_in_dial_order(ids, on_time.fields[0].id, "CAb", 0, now) == (
            on_time.id,
            on_time.phone,
        )


def test_the_busy_boards_rule_is_the_databases_rule(app, db, on_shift, clock):
    counselor = on_shift("legal")
    now = clock.now.replace(microsecond=0)
    stale_before = now - timedelta(hours=2)
    instants = [None, stale_before, stale_before + timedelta(seconds=1), now, now + timedelta(1)]
    with app.test_request_context():
        for busy_since, reserved_until, paused_until in itertools.product(instants, repeat=3):
            if busy_since is not None and busy_since > now:
                continue
            counselor.busy_since, counselor.reserved_until = busy_since, reserved_until
            counselor.paused_until = paused_until
            db.commit()
            in_sql = bool(reservations.free_counselors(db, [counselor.id], now))
            in_python = reservations.is_free(
                busy_since, reserved_until, paused_until, now, stale_before
            )
            assert in_sql == in_python, (busy_since, reserved_until, paused_until)


def test_a_reservation_runs_out_after_the_ring_and_whisper_time(
    app, client, db, on_shift, clock, settings
):
    settings(IVR_DIAL_TIMEOUT=20, IVR_WHISPER_TIMEOUT=8, IVR_RESERVATION_MARGIN=25)
    counselor = on_shift("legal")
    rang_at = clock.now
    assert counselor.phone in menu(app, client, "CAlost")  # its callbacks never come
    with app.test_request_context():
        assert (
            reservations.free_counselors(db, [counselor.id], rang_at + timedelta(seconds=52)) == []
        )
    clock.now = rang_at + timedelta(seconds=54)
    assert counselor.phone in menu(app, client, "CAlater")


def test_counselor_reserved_for_another_caller_cannot_be_claimed(app, db, on_shift, clock):
    counselor = on_shift("legal")
    with app.test_request_context():
        assert reservations.reserve(db, [counselor.id], 1, "CAmine", 0, clock.now)
        assert not reservations.claim(db, counselor.id, "CAleg", clock.now, "CAother", 0)
        assert not reservations.claim(db, counselor.id, "CAbridge", clock.now)
        assert reservations.claim(db, counselor.id, "CAleg", clock.now, "CAmine", 0)
    db.commit()
    db.expire_all()
    taken = db.get(Counselor, counselor.id)
    assert taken.busy_call_sid == "CAleg" and taken.reserved_call_sid is None


def test_a_declined_ring_frees_its_counselor_for_the_next_caller(db, walker, on_shift, clock):
    declining, other = on_shift("legal"), on_shift("legal")
    transcript = play(walker, "1", counselors=["declines", "answers"])
    assert numbers_rung(transcript) == [declining.phone, other.phone]
    db.expire_all()
    assert db.get(Counselor, declining.id).reserved_call_sid is None
    assert db.get(Counselor, other.id).busy_call_sid is None  # the call ended


def test_caller_who_loses_every_race_waits_in_the_queue_instead_of_hearing_nobody_can(
    db, walker, on_shift, clock
):
    first, second = on_shift("legal"), on_shift("legal")
    second.reserved_call_sid, second.reserved_position = "CAelsewhere", 0
    second.reserved_until = clock.now + timedelta(seconds=40)
    db.commit()
    transcript = play(walker, "1", counselors=["no-answer"], queue_polls=1)
    assert numbers_rung(transcript) == [first.phone]
    assert "상담위원이 없습니다" not in transcript.heard
    assert "대기열 field-legal에 들어감" in transcript.events
    call = db.scalar(select(Call))
    assert call.outcome == "abandoned_queue"


def test_caller_who_rang_every_counselor_on_duty_is_offered_a_callback(db, walker, on_shift, clock):
    on_shift("legal"), on_shift("legal")
    transcript = play(walker, "1", counselors=["no-answer", "no-answer"])
    assert "지금 전화를 받을 수 있는 상담위원이 없습니다" in transcript.heard
    assert "콜백을 원하시면 1번" in transcript.heard


def test_caller_put_back_in_the_queue_keeps_their_place_and_hears_so(
    db, walker, on_shift, fields, clock
):
    freed = on_shift("legal")
    on_shift("legal", busy_since=clock.now - timedelta(minutes=2), busy_call_sid="CAtalking")
    freed.busy_since, freed.busy_call_sid = clock.now - timedelta(minutes=3), "CAending"
    db.commit()
    later = clock.now + timedelta(seconds=30)

    def events(walker, poll):
        if poll == 0:
            walker.leg_ended("CAending", "CAparent")
        if poll == 1:  # a later caller joins the queue meanwhile
            db.add(
                Call(
                    call_sid="CAlater",
                    field_id=fields["legal"].id,
                    started_at=later,
                    queue_entered_at=later,
                )
            )
            db.commit()

    transcript = play(walker, "1", counselors=["no-answer"], queue_polls=3, on_queue_poll=events)
    assert "기다리시던 순서 그대로" in transcript.heard
    assert transcript.heard.count("대기 순서는 첫 번째") >= 2
    call = db.scalar(select(Call).where(Call.call_sid == transcript.call_sid))
    assert call.queue_entered_at == clock.now


def test_hold_round_leaves_for_the_reserved_counselor_when_the_redirect_never_came(
    app, client, db, on_shift, fields, clock
):
    from tests.test_ivr_queue import post_signed, waiting_call

    counselor = on_shift("legal")
    waiting_call(db, fields, clock, queue_left_at=clock.now - timedelta(seconds=20))
    counselor.reserved_call_sid, counselor.reserved_position = "CAwaiting", 0
    counselor.reserved_until = clock.now + timedelta(seconds=20)
    db.commit()
    path = f"/ivr/queue/wait?lang=ko&field={fields['legal'].id}"
    assert "<Leave" in post_signed(app, client, path, QueueTime="80", QueuePosition="1")
    answer = post_signed(app, client, "/ivr/queue/done?lang=ko", QueueResult="leave")
    assert counselor.phone in answer


def test_status_callbacks_ask_twilio_to_retry_and_actions_to_reconnect(db, walker, on_shift, clock):
    on_shift("legal")
    transcript = play(walker, "1", counselors=["answers"])
    dial = next(transcript.documents("/ivr/menu")[0].iter("Dial"))
    number = next(dial.iter("Number"))
    assert number.get("statusCallback").endswith("#rc=3&rp=all")
    assert number.get("url").endswith("#rc=2&rp=ct")
    assert dial.get("action").endswith("#rc=2&rp=ct")


def test_a_webhook_that_deadlocks_is_run_once_more(app, client, db, on_shift, clock, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from ivr import webhooks

    class Deadlock(Exception):
        sqlstate = "40P01"

    real, calls = webhooks.apply_call_status, []

    def deadlock_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("UPDATE calls", {}, Deadlock("deadlock detected"))
        return real(*args, **kwargs)

    monkeypatch.setattr(webhooks, "apply_call_status", deadlock_once)
    from tests.test_ivr_queue import post_signed

    post_signed(app, client, "/ivr/status", CallStatus="completed")
    assert len(calls) == 2
    assert db.scalar(select(Call)).ended_at is not None
