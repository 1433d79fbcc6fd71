"""Online callback tickets: booking, cancelling, and every limit that stops abuse."""

from __future__ import annotations

import re
from datetime import time

import pytest
from sqlalchemy import func, select

from callcenter.models import CallbackRequest, OutboxMessage, PublicAttempt
from callcenter.public.tickets import upcoming_windows
from tests.ivr_support import SEOUL

MOBILE = "010-2345-6789"


@pytest.fixture
def open_legal(clock, on_shift):
    """A legal counselor on Tuesdays 14:00-17:00 and Thursdays 10:00-12:00."""
    on_shift("legal")
    return on_shift("legal", weekday=3, start=time(10, 0), end=time(12, 0))


def book(client, phone=MOBILE, field="legal", consent="y", window="", address="192.0.2.1"):
    data = {"field": field, "phone": phone, "window": window}
    if consent:
        data["consent"] = consent
    return client.post("/callback", data=data, environ_base={"REMOTE_ADDR": address})


def ticket_of(response) -> str:
    return re.search(r'id="ticket-number">(W\d{7})<', response.get_data(as_text=True)).group(1)


def test_booking_shows_a_ticket_number_and_joins_the_callback_queue(client, db, open_legal):
    response = book(client)
    assert response.status_code == 201
    ticket = ticket_of(response)
    request = db.scalar(select(CallbackRequest).where(CallbackRequest.ticket == ticket))
    assert (request.source, request.status, request.phone) == ("web", "pending", "+821023456789")
    assert request.phone_last4 == "6789" and request.field.code == "legal"
    assert "010-****-6789" in response.get_data(as_text=True)


def test_ticket_number_is_sent_by_text_message(client, db, open_legal):
    ticket = ticket_of(book(client))
    sms = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "sms"))
    assert sms.to == "+821023456789" and ticket in sms.body


def test_landline_gets_its_ticket_on_screen_only(client, db, open_legal):
    assert book(client, phone="02-2120-3456").status_code == 201
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_preferred_window_is_one_of_the_fields_upcoming_sessions(client, db, open_legal, clock):
    windows = upcoming_windows(db, open_legal.fields[0].id, clock.now, SEOUL)
    assert [(w.day.isoformat(), w.start, w.end) for w in windows[:2]] == [
        ("2027-03-02", time(14), time(17)),
        ("2027-03-04", time(10), time(12)),
    ]
    response = book(client, window=f"legal:{windows[1].key}")
    request = db.scalar(select(CallbackRequest))
    assert response.status_code == 201
    assert (
        request.preferred_date.isoformat(),
        request.preferred_from,
        request.preferred_until,
    ) == (
        "2027-03-04",
        time(10),
        time(12),
    )


def test_window_of_another_field_is_refused(client, db, open_legal, clock):
    key = upcoming_windows(db, open_legal.fields[0].id, clock.now, SEOUL)[0].key
    response = book(client, field="tax", window=f"legal:{key}")
    assert response.status_code == 422
    assert "고른 분야의 상담 시간 중에서" in response.get_data(as_text=True)


def test_window_outside_the_sessions_is_refused(client, db, open_legal):
    response = book(client, window="legal:2027-03-05T0300-0400")
    assert response.status_code == 422
    assert "더 이상 선택할 수 없습니다" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(CallbackRequest)) == 0


def test_booking_without_consent_is_refused(client, db, open_legal):
    response = book(client, consent=None)
    assert response.status_code == 422
    assert "동의해야 접수할 수 있습니다" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(CallbackRequest)) == 0


def test_invalid_phone_number_gets_a_clear_message(client, db, open_legal):
    response = book(client, phone="12345")
    assert response.status_code == 422
    assert "전화번호를 확인해 주십시오" in response.get_data(as_text=True)


def test_number_abroad_is_refused(client, db, open_legal):
    response = book(client, phone="+1 212 555 1234")
    assert response.status_code == 422
    assert "전화번호를 확인해 주십시오" in response.get_data(as_text=True)


def test_unknown_field_is_refused(client, db, open_legal):
    response = book(client, field="astrology")
    assert response.status_code == 422 and "상담 분야를 골라" in response.get_data(as_text=True)


def test_open_tickets_per_number_are_limited(client, db, open_legal, settings):
    settings(TICKET_MAX_OPEN_PER_NUMBER=2)
    assert book(client).status_code == 201
    assert book(client, field="tax").status_code == 201
    response = book(client, field="labor")
    assert response.status_code == 429
    assert "지금은 콜백 요청을 더 받을 수 없습니다" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(CallbackRequest)) == 2


def test_cancelled_tickets_no_longer_count_as_open(client, db, open_legal, settings):
    settings(TICKET_MAX_OPEN_PER_NUMBER=1)
    ticket = ticket_of(book(client))
    client.post("/callback/cancel", data={"ticket": ticket, "phone": MOBILE})
    assert book(client).status_code == 201


def test_bookings_per_number_per_day_are_limited(client, db, open_legal, settings):
    settings(TICKET_MAX_PER_NUMBER_PER_DAY=2, TICKET_MAX_OPEN_PER_NUMBER=10)
    for _ in range(2):
        ticket = ticket_of(book(client))
        client.post("/callback/cancel", data={"ticket": ticket, "phone": MOBILE})
    assert book(client, address="198.51.100.7").status_code == 429


def test_bookings_per_address_per_hour_are_limited(client, db, open_legal, settings):
    settings(TICKET_MAX_PER_ADDRESS_PER_HOUR=3)
    for n in range(3):
        assert book(client, phone=f"010-2345-{6700 + n}").status_code == 201
    response = book(client, phone="010-2345-6799")
    assert response.status_code == 429
    assert "한 시간 뒤에 다시" in response.get_data(as_text=True)
    assert book(client, phone="010-2345-6799", address="192.0.2.99").status_code == 201


def test_address_limit_counts_attempts_in_the_database_for_every_worker(
    client, db, open_legal, settings, clock
):
    settings(TICKET_MAX_PER_ADDRESS_PER_HOUR=1)
    db.add(PublicAttempt(action="book", ip_address="192.0.2.1", at=clock.now))
    db.commit()
    assert book(client).status_code == 429


def test_limits_expire_after_their_window(client, db, open_legal, settings, clock):
    settings(TICKET_MAX_PER_ADDRESS_PER_HOUR=1)
    assert book(client).status_code == 201
    clock.now = clock.now.replace(hour=15, minute=45)
    assert book(client, phone="010-2345-0000").status_code == 201


def test_cancel_with_ticket_and_phone(client, db, open_legal):
    ticket = ticket_of(book(client))
    response = client.post("/callback/cancel", data={"ticket": ticket.lower(), "phone": MOBILE})
    assert response.status_code == 200
    assert f"접수번호 {ticket} 요청을 취소했습니다" in response.get_data(as_text=True)
    assert db.scalar(select(CallbackRequest.status)) == "cancelled"


def test_wrong_phone_and_unknown_ticket_get_the_same_answer(client, db, open_legal):
    ticket = ticket_of(book(client))
    wrong_phone = client.post("/callback/cancel", data={"ticket": ticket, "phone": "010-9999-0000"})
    unknown = client.post("/callback/cancel", data={"ticket": "W0000000", "phone": MOBILE})
    assert wrong_phone.status_code == unknown.status_code == 404
    message = "접수번호와 전화번호가 맞는 대기 중인 요청이 없습니다"
    assert message in wrong_phone.get_data(as_text=True) and message in unknown.get_data(
        as_text=True
    )
    assert db.scalar(select(CallbackRequest.status)) == "pending"


def test_ivr_tickets_cannot_be_cancelled_online(client, db, open_legal, clock, fields):
    from callcenter.crypto import keyring

    db.add(
        CallbackRequest(
            ticket="1234-5678",
            source="ivr",
            field_id=fields["legal"].id,
            phone="+821023456789",
            phone_digest=keyring.digest("+821023456789"),
            requested_at=clock.now,
        )
    )
    db.commit()
    response = client.post("/callback/cancel", data={"ticket": "1234-5678", "phone": MOBILE})
    assert response.status_code == 404


def test_failed_cancels_per_address_are_limited(client, db, open_legal, settings):
    settings(TICKET_MAX_FAILED_CANCELS_PER_ADDRESS_PER_HOUR=3)
    ticket = ticket_of(book(client))
    for n in range(3):
        client.post("/callback/cancel", data={"ticket": f"W000000{n}", "phone": MOBILE})
    response = client.post("/callback/cancel", data={"ticket": ticket, "phone": MOBILE})
    assert response.status_code == 429
    assert db.scalar(select(CallbackRequest.status)) == "pending"


def test_booking_form_lists_sessions_and_the_privacy_notice(client, open_legal):
    page = client.get("/callback").get_data(as_text=True)
    assert "개인정보 수집·이용 안내" in page and "보관 기간" in page
    assert "03/04 (목) 10:00–12:00" in page


def test_forms_refuse_posts_without_a_csrf_token(client, db, open_legal, settings):
    settings(WTF_CSRF_ENABLED=True)
    assert book(client).status_code == 400
    assert (
        client.post("/callback/cancel", data={"ticket": "W1", "phone": MOBILE}).status_code == 400
    )
    assert db.scalar(select(func.count()).select_from(CallbackRequest)) == 0


def test_forms_accept_posts_with_their_csrf_token(client, db, open_legal, settings):
    settings(WTF_CSRF_ENABLED=True)
    page = client.get("/callback").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/callback",
        data={"csrf_token": token, "field": "legal", "phone": MOBILE, "consent": "y"},
    )
    assert response.status_code == 201


def test_booking_page_and_its_refusals_speak_english(client, db, open_legal):
    page = client.get("/callback?lang=en").get_data(as_text=True)
    assert "Request a call back" in page and "How we use your personal data" in page
    response = book(client, consent=None)
    assert "Please agree to the personal data notice" in response.get_data(as_text=True)
