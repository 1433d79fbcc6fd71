"""Counselors' numbers checked: the test call a counselor confirms, and numbers that fail."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from callcenter.models import CallLeg, CheckResult, LegResult, NumberCheck, OutboxMessage, utcnow
from callcenter.number_checks import failing_numbers
from ivr.walker import CallWalker, FlaskTransport, Script
from tests import backoffice_data as data


def send_test_call(client, counselor) -> NumberCheck:  # type: ignore[no-untyped-def]
    response = client.post(f"/rosters/counselors/{counselor.id}/test-call")
    assert response.status_code == 302
    from callcenter.extensions import db

    return db.session.scalars(select(NumberCheck).order_by(NumberCheck.id.desc())).first()


def answer(app, client, check: NumberCheck, *keys: str, status: bool = True):  # type: ignore[no-untyped-def]
    """Play the counselor's side of the test call: answer, press keys, hang up."""
    walker = CallWalker(
        FlaskTransport(client),
        app.config["TWILIO_AUTH_TOKEN"],
        voice_path=f"/ivr/number-check/{check.id}/answer",
        status_path=f"/ivr/number-check/{check.id}/status" if status else None,
    )
    return walker.call(Script(caller=app.config["TWILIO_PHONE_NUMBER"], keys=list(keys)))


def test_coordinator_sends_a_test_call_to_the_counselors_number(client, login, db, fields):
    counselor = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("coordinator")
    check = send_test_call(client, counselor)
    assert check.result == CheckResult.CALLING
    assert check.phone == "+821011112222"
    placed = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "call")).one()
    assert placed.to == "+821011112222"
    assert urlparse(placed.body).path == f"/ivr/number-check/{check.id}/answer"


def test_counselor_who_presses_1_confirms_the_number(app, client, login, db, fields):
    counselor = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("coordinator")
    check = send_test_call(client, counselor)
    transcript = answer(app, client, check, "1")
    db.refresh(check)
    assert check.result == CheckResult.CONFIRMED
    assert "번호 확인 전화" in transcript.heard
    assert "확인되었습니다" in transcript.heard


def test_a_test_call_answered_without_1_is_not_confirmed(app, client, login, db, fields):
    counselor = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("coordinator")
    check = send_test_call(client, counselor)
    answer(app, client, check, "")
    db.refresh(check)
    assert check.result == CheckResult.NOT_CONFIRMED


def test_a_test_call_nobody_answers_is_recorded_as_such(app, client, login, db, fields):
    counselor = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("coordinator")
    check = send_test_call(client, counselor)
    path = f"/ivr/number-check/{check.id}/status"
    form = {"CallSid": "CA" + "1" * 32, "CallStatus": "no-answer"}
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        "http://localhost" + path, form
    )
    assert (
        client.post(path, data=form, headers={"X-Twilio-Signature": signature}).status_code == 200
    )
    db.refresh(check)
    assert check.result == CheckResult.NO_ANSWER


def test_counselors_page_shows_the_last_test_call(app, client, login, db, fields):
    counselor = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("coordinator")
    answer(app, client, send_test_call(client, counselor), "1")
    page = client.get("/rosters/counselors").get_data(as_text=True)
    assert "확인됨" in page


def test_counselor_cannot_send_test_calls(client, login, db, fields):
    counselor = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("counselor", counselor=counselor)
    assert client.post(f"/rosters/counselors/{counselor.id}/test-call").status_code == 403
    assert db.scalars(select(NumberCheck)).all() == []


def test_test_call_webhooks_refuse_unsigned_requests(client, db):
    assert client.post("/ivr/number-check/1/answer").status_code == 403
    assert client.post("/ivr/number-check/1/confirm", data={"Digits": "1"}).status_code == 403


def rings(db, counselor, field, *results: str) -> None:  # type: ignore[no-untyped-def]
    """Add one call per result, oldest first, each ringing the counselor once."""
    start = utcnow() - timedelta(days=1)
    for n, result in enumerate(results):
        call = data.call(db, field, call_sid=f"CA{n:032d}", started_at=start + timedelta(minutes=n))
        db.add(
            CallLeg(
                call_id=call.id,
                counselor_id=counselor.id,
                position=0,
                result=result,
                started_at=start + timedelta(minutes=n),
            )
        )
    db.commit()


def test_a_number_failing_three_times_in_a_row_is_flagged(client, login, db, fields):
    counselor = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    rings(db, counselor, fields["legal"], LegResult.COMPLETED, *[LegResult.FAILED] * 3)
    assert failing_numbers(db, utcnow()) == {counselor.id: 3}
    login("coordinator")
    page = client.get("/rosters/counselors").get_data(as_text=True)
    assert "실제 통화 3회 연속 연결 실패" in page


def test_a_ring_that_reached_the_phone_ends_the_run_of_failures(db, fields):
    counselor = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    rings(db, counselor, fields["legal"], *[LegResult.FAILED] * 3, LegResult.NO_ANSWER)
    assert failing_numbers(db, utcnow()) == {}


def test_failures_older_than_a_month_do_not_flag_a_number(db, fields):
    counselor = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    rings(db, counselor, fields["legal"], *[LegResult.FAILED] * 3)
    assert failing_numbers(db, utcnow() + timedelta(days=40)) == {}
