"""Overlapping calls, as Twilio sends them: real concurrent requests against PostgreSQL.

Each request runs in its own thread with its own test client, so the app's sessions,
transactions and row locks meet as they do under gunicorn's threads and workers.
"""

from __future__ import annotations

import itertools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from callcenter.models import Call, CallLeg, Counselor, OutboxMessage


@pytest.fixture(autouse=True)
def postgres_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent writers are PostgreSQL's; SQLite runs one writer at a time")


class Twilio:
    """Signs and posts webhooks as Twilio does, from as many threads as needed."""

    def __init__(self, app):
        self.app = app
        self.validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])

    def post(self, path: str, **form: str) -> tuple[int, str]:
        """Post one signed form from a fresh client; return (status, body)."""
        path = path.split("#", 1)[0]  # Twilio's connection overrides are not sent
        form = {"AccountSid": "AC" + "0" * 32, **form}
        signature = self.validator.compute_signature(f"http://localhost{path}", form)
        response = self.app.test_client().post(
            path, data=form, headers={"X-Twilio-Signature": signature}
        )
        return response.status_code, response.get_data(as_text=True)

    def together(self, requests: list[tuple[str, dict[str, str]]]) -> list[tuple[int, str]]:
        """Post every request at the same moment, each from its own thread."""
        start = threading.Barrier(len(requests))

        def send(request: tuple[str, dict[str, str]]) -> tuple[int, str]:
            start.wait(timeout=10)
            return self.post(request[0], **request[1])

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(send, requests, timeout=60))


@pytest.fixture
def twilio(app, db):
    return Twilio(app)


def menu_choice(call_sid: str, digit: str = "1") -> tuple[str, dict[str, str]]:
    return "/ivr/menu?lang=ko", {"CallSid": call_sid, "From": "+821055550000", "Digits": digit}


def dialed(body: str) -> list[str]:
    return [n.text or "" for n in ElementTree.fromstring(body).iter("Number")]


def number_url(body: str, attribute: str) -> str:
    return next(ElementTree.fromstring(body).iter("Number")).get(attribute) or ""


def dial_action(body: str) -> str:
    return next(ElementTree.fromstring(body).iter("Dial")).get("action") or ""


def queued(body: str) -> bool:
    return any(True for _ in ElementTree.fromstring(body).iter("Enqueue"))


def test_two_callers_choosing_a_field_with_one_free_counselor_one_rings_the_other_waits(
    twilio, db, on_shift, clock
):
    counselor = on_shift("legal")
    answers = twilio.together([menu_choice("CAfirst"), menu_choice("CAsecond")])
    assert [status for status, _ in answers] == [200, 200]
    rung = [dialed(body) for _, body in answers]
    assert sorted(rung, key=len) == [[], [counselor.phone]]
    assert sum(queued(body) for _, body in answers) == 1
    reserved = db.scalar(select(Counselor.reserved_call_sid).where(Counselor.id == counselor.id))
    ringing = next(
        sid for sid, (_, body) in zip(("CAfirst", "CAsecond"), answers, strict=True) if dialed(body)
    )
    assert reserved == ringing


def test_burst_of_thirty_callers_with_five_counselors_rings_each_counselor_once(
    twilio, db, on_shift, clock
):
    counselors = [on_shift("legal") for _ in range(5)]
    answers = twilio.together([menu_choice(f"CAburst{n:02d}") for n in range(30)])
    assert all(status == 200 for status, _ in answers)
    rung = [number for _, body in answers for number in dialed(body)]
    assert sorted(rung) == sorted(c.phone for c in counselors)
    assert sum(queued(body) for _, body in answers) == 25


def test_counselors_who_answer_at_once_each_take_their_own_caller(twilio, db, on_shift, clock):
    counselors = [on_shift("legal") for _ in range(4)]
    answers = twilio.together([menu_choice(f"CAcaller{n}") for n in range(8)])
    rings = [body for _, body in answers if dialed(body)]
    assert len(rings) == 4
    whispers = twilio.together(
        [
            (number_url(body, "url"), {"CallSid": f"CAleg{n}", "ParentCallSid": "x"})
            for n, body in enumerate(rings)
        ]
    )
    gathers = [
        next(ElementTree.fromstring(body).iter("Gather")).get("action") for _, body in whispers
    ]
    accepted = twilio.together(
        [(action, {"CallSid": f"CAleg{n}", "Digits": "1"}) for n, action in enumerate(gathers)]
    )
    assert all(status == 200 and "Hangup" not in body for status, body in accepted)
    db.expire_all()
    busy = db.scalars(select(Counselor.busy_call_sid).where(Counselor.busy_since.is_not(None)))
    assert sorted(busy) == sorted(f"CAleg{n}" for n in range(4))
    assert {c.id for c in counselors} == set(
        db.scalars(select(Call.connected_counselor_id).where(Call.outcome == "connected"))
    )


def ring_then_leave(twilio, db, on_shift, call_sid: str):
    """Ring a counselor for a caller who then hangs up; return the three final callbacks."""
    counselor = db.scalar(select(Counselor)) or on_shift("legal")
    status, body = twilio.post(*menu_choice(call_sid)[:1], **menu_choice(call_sid)[1])
    assert status == 200 and dialed(body) == [counselor.phone]
    leg_sid = call_sid + "leg"
    leg_final = (
        number_url(body, "statusCallback"),
        {"CallSid": leg_sid, "ParentCallSid": call_sid, "CallStatus": "canceled"},
    )
    action = (
        dial_action(body),
        {"CallSid": call_sid, "CallStatus": "completed", "DialCallStatus": "canceled"},
    )
    parent_final = ("/ivr/status", {"CallSid": call_sid, "CallStatus": "completed"})
    return counselor, [leg_final, action, parent_final]


def settled(db, counselor, call_sid: str) -> None:
    db.expire_all()
    call = db.scalar(select(Call).where(Call.call_sid == call_sid))
    assert call.ended_at is not None and call.outcome == "abandoned_ringing"
    leg = db.scalar(select(CallLeg).where(CallLeg.call_id == call.id))
    assert leg.ended_at is not None and leg.result == "caller_left"
    assert db.get(Counselor, counselor.id).reserved_call_sid is None


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_leg_final_dial_action_and_parent_final_settle_in_any_order(
    twilio, db, on_shift, clock, order
):
    call_sid = "CAorder" + "".join(map(str, order))
    counselor, callbacks = ring_then_leave(twilio, db, on_shift, call_sid)
    for index in order:
        path, form = callbacks[index]
        assert twilio.post(path, **form)[0] == 200
    settled(db, counselor, call_sid)


def test_leg_final_dial_action_and_parent_final_arriving_together_never_deadlock(
    twilio, db, on_shift, clock
):
    for attempt in range(8):
        call_sid = f"CAtogether{attempt}"
        counselor, callbacks = ring_then_leave(twilio, db, on_shift, call_sid)
        # Twilio retries too: every callback twice, all at once.
        answers = twilio.together(callbacks + callbacks)
        assert [status for status, _ in answers] == [200] * 6
        settled(db, counselor, call_sid)


def test_freed_counselor_and_the_heads_hold_round_at_once_send_one_caller(
    twilio, db, on_shift, fields, clock
):
    counselor = on_shift("legal", busy_since=clock.now - timedelta(minutes=4))
    counselor.busy_call_sid = "CAtalking"
    field = fields["legal"]
    for n, sid in enumerate(("CAhead", "CAnext")):
        waited = clock.now - timedelta(minutes=3 - n)
        db.add(Call(call_sid=sid, field_id=field.id, started_at=waited, queue_entered_at=waited))
    db.commit()
    wait = f"/ivr/queue/wait?lang=ko&field={field.id}"
    answers = twilio.together(
        [
            (
                "/ivr/status",
                {"CallSid": "CAtalking", "ParentCallSid": "CAx", "CallStatus": "completed"},
            ),
            (wait, {"CallSid": "CAhead", "QueuePosition": "2", "QueueTime": "180"}),
            (wait, {"CallSid": "CAnext", "QueuePosition": "1", "QueueTime": "120"}),
        ]
    )
    assert all(status == 200 for status, _ in answers)
    db.expire_all()
    assert db.get(Counselor, counselor.id).reserved_call_sid == "CAhead"
    redirects = db.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "call_update"))
    left = [
        sid
        for sid, (_, body) in zip(("x", "CAhead", "CAnext"), answers, strict=True)
        if "<Leave" in body
    ]
    sent = [body.split(" -> ")[0] for body in redirects]
    # The head leaves once: by its own hold round or by one redirect, never both, and the
    # caller behind it stays.
    assert left + sent == ["CAhead"]
    assert db.scalar(select(Call).where(Call.call_sid == "CAnext")).queue_left_at is None


def test_a_callback_that_fails_on_the_database_is_answered_with_an_error_and_kept_on_retry(
    twilio, db, on_shift, clock, monkeypatch
):
    from ivr import webhooks

    counselor, callbacks = ring_then_leave(twilio, db, on_shift, "CAretry")
    parent_final = callbacks[2]
    real = webhooks.apply_call_status
    failures = iter([True])

    def connection_lost(*args, **kwargs):
        if next(failures, False):
            from sqlalchemy.exc import OperationalError

            raise OperationalError("UPDATE calls", {}, Exception("server closed the connection"))
        return real(*args, **kwargs)

    monkeypatch.setattr(webhooks, "apply_call_status", connection_lost)
    assert twilio.post(parent_final[0], **parent_final[1])[0] == 503
    db.expire_all()
    assert db.scalar(select(Call).where(Call.call_sid == "CAretry")) is None or (
        db.scalar(select(Call.ended_at).where(Call.call_sid == "CAretry")) is None
    )
    assert twilio.post(parent_final[0], **parent_final[1])[0] == 200  # Twilio's retry
    db.expire_all()
    call = db.scalar(select(Call).where(Call.call_sid == "CAretry"))
    assert call.ended_at is not None
    assert db.get(Counselor, counselor.id).reserved_call_sid is None


def test_hold_rounds_of_two_waiters_at_once_never_deadlock(
    twilio, db, on_shift, fields, clock, caplog
):
    counselor = on_shift("legal")
    field = fields["legal"]
    wait = f"/ivr/queue/wait?lang=ko&field={field.id}"
    for attempt in range(5):
        head, next_sid = f"CAhead{attempt}", f"CAnext{attempt}"
        for n, sid in enumerate((head, next_sid)):
            waited = clock.now - timedelta(minutes=3 - n)
            db.add(
                Call(call_sid=sid, field_id=field.id, started_at=waited, queue_entered_at=waited)
            )
        db.flush()
        # The head has rung the free counselor already, so each round walks past it.
        rang = db.scalar(select(Call.id).where(Call.call_sid == head))
        db.add(
            CallLeg(
                call_id=rang,
                counselor_id=counselor.id,
                position=0,
                result="declined",
                started_at=clock.now - timedelta(minutes=2),
                ended_at=clock.now - timedelta(minutes=2),
            )
        )
        db.commit()
        answers = twilio.together(
            [
                (wait, {"CallSid": head, "QueuePosition": "1", "QueueTime": "180"}),
                (wait, {"CallSid": next_sid, "QueuePosition": "2", "QueueTime": "120"}),
            ]
        )
        assert [status for status, _ in answers] == [200, 200]
        db.expire_all()
        assert db.get(Counselor, counselor.id).reserved_call_sid == next_sid
        for call in db.scalars(select(Call).where(Call.call_sid.in_((head, next_sid)))):
            call.ended_at = clock.now
        db.get(Counselor, counselor.id).reserved_call_sid = None
        db.get(Counselor, counselor.id).reserved_until = None
        db.commit()
    # Every deadlock is logged as a warning (the request retried, or its dispatch stopped).
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_dispatch_finding_the_free_counselor_held_by_another_takes_nobody_from_the_queue(
    app, db, on_shift, fields, clock
):
    from sqlalchemy import event, text

    from callcenter.extensions import db as extension
    from callcenter.timezone import line_timezone
    from ivr.queueing import serve_waiters

    counselor = on_shift("legal")
    field = fields["legal"]
    for n in range(10):
        waited = clock.now - timedelta(minutes=10 - n)
        db.add(
            Call(
                call_sid=f"CAwait{n}", field_id=field.id, started_at=waited, queue_entered_at=waited
            )
        )
    db.commit()
    takes: list[str] = []

    def count_takes(conn, cursor, statement, parameters, context, many):
        if statement.startswith("UPDATE calls SET queue_left_at"):
            takes.append(statement)

    # Another dispatch is reserving the free counselor: its row is locked until that commits.
    with extension.engine.connect() as other:
        other.execute(
            text("SELECT id FROM counselors WHERE id = :id FOR UPDATE"), {"id": counselor.id}
        )
        event.listen(extension.engine, "before_cursor_execute", count_takes)
        try:
            assert serve_waiters(db, [field.id], clock.now, line_timezone()) is None
        finally:
            event.remove(extension.engine, "before_cursor_execute", count_takes)
        other.rollback()
    assert len(takes) == 1  # the head was tried; the nine behind it were not
    db.expire_all()
    assert all(c.queue_left_at is None for c in db.scalars(select(Call)))
    # Once the other dispatch is done, the head is served (and moved by a REST redirect).
    with app.test_request_context():
        serve_waiters(db, [field.id], clock.now, line_timezone())
    db.expire_all()
    assert db.get(Counselor, counselor.id).reserved_call_sid == "CAwait0"


@pytest.mark.parametrize("attempt", range(3))
def test_a_freed_counselor_goes_to_the_kept_turn_at_the_head_not_to_the_waiter_behind(
    twilio, db, on_shift, fields, clock, attempt
):
    from callcenter.models import CallbackRequest

    counselor = on_shift("legal", busy_since=clock.now - timedelta(minutes=4))
    counselor.busy_call_sid = "CAtalking"
    field = fields["legal"]
    arrived = clock.now - timedelta(minutes=3)
    kept = Call(
        call_sid="CAkept",
        field_id=field.id,
        from_number="+821055551234",
        started_at=arrived,
        queue_entered_at=arrived,
        kept_turn_at=arrived + timedelta(seconds=40),
        ended_at=arrived + timedelta(seconds=45),
        outcome="callback_requested",
    )
    behind = clock.now - timedelta(minutes=2)
    db.add_all(
        [
            kept,
            Call(call_sid="CAlive", field_id=field.id, started_at=behind, queue_entered_at=behind),
        ]
    )
    db.flush()
    db.add(
        CallbackRequest.for_phone(
            "+821055551234", field_id=field.id, call_id=kept.id, status="in_queue"
        )
    )
    db.commit()
    wait = f"/ivr/queue/wait?lang=ko&field={field.id}"
    answers = twilio.together(
        [
            (
                "/ivr/status",
                {"CallSid": "CAtalking", "ParentCallSid": "CAx", "CallStatus": "completed"},
            ),
            (wait, {"CallSid": "CAlive", "QueuePosition": "1", "QueueTime": "120"}),
            menu_choice("CAnew"),
        ]
    )
    assert all(status == 200 for status, _ in answers)
    db.expire_all()
    assert db.get(Counselor, counselor.id).reserved_call_sid == "CAkept"
    placed = db.scalars(select(OutboxMessage.to).where(OutboxMessage.kind == "call")).all()
    assert placed == [counselor.phone]
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "call_update")) is None
    assert "<Leave" not in answers[1][1]
    assert db.scalar(select(Call).where(Call.call_sid == "CAlive")).queue_left_at is None
    assert dialed(answers[2][1]) == [] and queued(answers[2][1])
    request = db.scalar(select(CallbackRequest))
    assert (request.status, request.claimed_by_id) == ("claimed", counselor.id)
