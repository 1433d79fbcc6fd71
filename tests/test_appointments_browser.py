"""Booking an appointment in headless Chromium on a phone: book, the text, cancel, the limits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from callcenter.appointments import slots
from callcenter.models import Appointment, Field
from tests.appointment_support import MOBILE, OTHER_MOBILE, at, slot_at
from tests.browser_support import needs_chromium, screenshot, sign_in
from tests.ivr_support import SEOUL

PHONE = {"width": 390, "height": 844}
TUESDAY = date(2027, 3, 9)

pytestmark = needs_chromium


def phone_page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    return context.new_page()


def fill_booking(page, base: str, slot_id: int, phone: str = MOBILE, name: str = "홍길동") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/appointments")
    page.click("nav.field-choice a:text('법률')")
    page.click(f"label[for='slot-{slot_id}']")
    page.fill("#name", name)
    page.fill("#phone", phone)
    page.fill("#description", "전세 보증금을 돌려받지 못했습니다.")
    page.click("label[for=consent]")


def test_citizen_books_sees_the_text_and_cancels(live_server, browser, make_user, db, legal_slots):
    slot = slot_at(db, at(TUESDAY, 14))
    page = phone_page(browser)
    fill_booking(page, live_server, slot.id)
    screenshot(page, "appointment-form-phone")
    page.click("form.form button[type=submit]")
    number = page.inner_text("#booking-number")
    assert number.startswith("R") and "시청 2층 상담실" in page.content()
    screenshot(page, "appointment-booked-phone")

    staff = browser.new_page()
    sign_in(staff, live_server, make_user("coordinator").email)
    staff.goto(f"{live_server}/outbox?kind=sms")
    assert number in staff.inner_text("table.list") and "3월 9일(화) 14:00" in staff.content()
    screenshot(staff, "appointment-sms-outbox")

    page.click("a:text('예약을 옮기거나 취소하기')")
    page.fill("#phone", MOBILE)
    page.click("form.form button[type=submit]")
    page.click("#cancel-booking")
    assert number in page.inner_text("#done")
    screenshot(page, "appointment-cancelled-phone")
    db.expire_all()
    assert db.scalar(select(Appointment.status)) == "cancelled"


def test_the_monthly_cap_refuses_a_second_booking(live_server, browser, db, legal_slots):
    first, second = slot_at(db, at(TUESDAY, 14)), slot_at(db, at(date(2027, 3, 16), 14))
    page = phone_page(browser)
    fill_booking(page, live_server, first.id)
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#booking-number")
    fill_booking(page, live_server, second.id)
    page.click("form.form button[type=submit]")
    assert "이 분야를 더 예약할 수 없습니다" in page.inner_text(".error-summary")
    screenshot(page, "appointment-cap-phone")


def test_next_month_appears_at_its_opening_time(live_server, browser, db, clock, legal_slots):
    field = db.scalar(select(Field).where(Field.code == "legal"))
    slots.publish(db, field, date(2027, 4, 1), date(2027, 4, 30), SEOUL, clock.now)
    db.commit()
    april = slot_at(db, at(date(2027, 4, 6), 14))
    page = phone_page(browser)
    clock.now = at(date(2027, 3, 25), 9, 59)
    page.goto(f"{live_server}/appointments?field=legal")
    assert page.locator(f"input[name=slot][value='{april.id}']").count() == 0
    clock.now = at(date(2027, 3, 25), 10, 0)
    page.reload()
    assert page.locator(f"input[name=slot][value='{april.id}']").count() == 1
    assert "4월 6일 (화)" in page.content()


def test_two_citizens_race_for_the_last_slot(live_server, browser, db, legal_slots):
    slot = slot_at(db, at(TUESDAY, 14))
    first, second = phone_page(browser), phone_page(browser)
    fill_booking(first, live_server, slot.id)
    fill_booking(second, live_server, slot.id, phone=OTHER_MOBILE, name="김영희")
    # Both forms go at once; neither waits for the other's answer.
    for page in (first, second):
        page.evaluate("document.querySelector('form.form').requestSubmit()")
    for page in (first, second):
        page.wait_for_selector("#booking-number, .error-summary")
    won = [p for p in (first, second) if p.locator("#booking-number").count()]
    lost = [p for p in (first, second) if p.locator(".error-summary").count()]
    assert len(won) == 1 and len(lost) == 1
    assert "방금 다른 분이 이 시간을 예약했습니다" in lost[0].inner_text(".error-summary")
    screenshot(lost[0], "appointment-race-lost-phone")
    db.expire_all()
    assert len(db.scalars(select(Appointment)).all()) == 1
