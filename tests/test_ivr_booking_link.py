"""Caller stories: a closed field offers the booking page by text message to mobile callers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from callcenter.appointments.texts import booking_page_link
from callcenter.models import OutboxMessage
from tests.ivr_support import SEOUL, play

SATURDAY = datetime(2027, 3, 6, 11, 0, tzinfo=SEOUL)


def test_a_closed_field_with_free_slots_offers_the_booking_link(db, walker, clock, legal_slots):
    clock.now = SATURDAY
    transcript = play(walker, "1")
    assert "예약하실 수 있는 주소를 문자로 받으시려면 3번" in transcript.heard


def test_pressing_3_texts_the_booking_page_to_the_mobile_caller(db, walker, clock, legal_slots):
    clock.now = SATURDAY
    transcript = play(walker, "1", "3")
    sms = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "sms"))
    assert sms.to == "+821055551234" and sms.body.endswith("/appointments")
    assert "상담 예약 주소를 문자로 보내 드렸습니다" in transcript.heard


def test_the_booking_page_address_uses_the_public_base_url(app, settings):
    settings(PUBLIC_BASE_URL="https://counsel.example.go.kr")
    with app.test_request_context("/ivr/offer"):
        assert booking_page_link() == "https://counsel.example.go.kr/appointments"


def test_a_landline_caller_is_not_offered_the_link(db, walker, clock, legal_slots):
    clock.now = SATURDAY
    transcript = play(walker, "1", "3", caller="+82221203456")
    assert "주소를 문자로" not in transcript.heard
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_field_without_free_slots_is_not_offered_the_link(db, walker, clock, on_shift):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1")
    assert "주소를 문자로" not in transcript.heard


def test_a_field_whose_counselor_does_not_answer_does_not_offer_the_link(
    db, walker, clock, legal_slots
):
    clock.now = datetime(2027, 3, 9, 14, 0, tzinfo=SEOUL)
    transcript = play(walker, "1", counselors=["no-answer"])
    assert "콜백을 원하시면 1번" in transcript.heard
    assert "주소를 문자로" not in transcript.heard
