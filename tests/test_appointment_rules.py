"""Appointment slots and booking rules: publishing, opening time, cap, covering sessions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from callcenter.appointments import booking, slots
from callcenter.models import (
    Appointment,
    AppointmentSlot,
    DayOverride,
    Field,
    OutboxMessage,
    Unavailability,
    WeeklyShift,
    WeeklyShiftSkip,
)
from tests.appointment_support import MOBILE, OTHER_MOBILE, at, book, slot_at
from tests.ivr_support import SEOUL

TUESDAY = date(2027, 3, 9)


def legal(db) -> Field:  # type: ignore[no-untyped-def]
    return db.scalar(select(Field).where(Field.code == "legal"))


def test_a_session_is_cut_into_slots_of_the_fields_length(db, legal_slots):
    starts = db.scalars(
        select(AppointmentSlot.starts_at)
        .where(
            AppointmentSlot.starts_at >= at(TUESDAY, 0), AppointmentSlot.starts_at < at(TUESDAY, 23)
        )
        .order_by(AppointmentSlot.starts_at)
    ).all()
    assert [s.astimezone(SEOUL).strftime("%H:%M") for s in starts] == [
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
        "16:30",
    ]


def test_slots_carry_the_fields_kind_and_place(db, legal_slots):
    slot = slot_at(db, at(TUESDAY, 14))
    assert (slot.kind, slot.place, slot.counselor_id) == (
        "visit",
        "시청 2층 상담실",
        legal_slots.id,
    )


def test_publishing_again_adds_nothing_twice(db, legal_slots, clock):
    before = db.scalar(select(func.count()).select_from(AppointmentSlot))
    assert slots.publish(db, legal(db), date(2027, 3, 1), date(2027, 3, 31), SEOUL, clock.now) == 0
    assert db.scalar(select(func.count()).select_from(AppointmentSlot)) == before


def test_no_slots_are_published_on_a_closed_day(db, clock, on_shift):
    on_shift("legal")
    db.add(DayOverride(date=TUESDAY, kind="closed", reason="시청 행사"))
    db.commit()
    slots.publish(db, legal(db), TUESDAY, TUESDAY, SEOUL, clock.now)
    assert db.scalar(select(func.count()).select_from(AppointmentSlot)) == 0


def test_slots_in_the_past_are_not_published(db, legal_slots, clock):
    today = db.scalars(
        select(AppointmentSlot.starts_at).where(AppointmentSlot.starts_at < at(date(2027, 3, 3), 0))
    ).all()
    assert min(today) > clock.now


def test_free_slots_leave_out_the_next_hour(db, legal_slots, clock):
    first = slots.free_slots(db, legal(db).id, clock.now, SEOUL)[0]
    assert first.starts_at == at(date(2027, 3, 2), 16)


def test_next_month_is_not_bookable_before_its_opening_day(db, clock, legal_slots):
    slots.publish(db, legal(db), date(2027, 4, 1), date(2027, 4, 30), SEOUL, clock.now)
    april = slot_at(db, at(date(2027, 4, 6), 14))
    assert slots.booking_opens(date(2027, 4, 1), SEOUL) == at(date(2027, 3, 25), 10)
    with pytest.raises(booking.BookingRefused) as refused:
        book(db, clock, april)
    assert refused.value.message == booking.GONE


def test_next_month_opens_at_the_configured_day_and_time(db, clock, legal_slots, settings):
    settings(APPOINTMENT_OPENS_DAY=20, APPOINTMENT_OPENS_AT="09:30")
    slots.publish(db, legal(db), date(2027, 4, 1), date(2027, 4, 30), SEOUL, clock.now)
    april = slot_at(db, at(date(2027, 4, 6), 14))
    clock.now = at(date(2027, 3, 20), 9, 29)
    assert april not in slots.free_slots(db, legal(db).id, clock.now, SEOUL)
    clock.now = at(date(2027, 3, 20), 9, 30)
    assert book(db, clock, april).slot_id == april.id


def test_a_booking_holds_its_slot_and_texts_its_number(db, clock, legal_slots):
    slot = slot_at(db, at(TUESDAY, 14))
    booked = book(db, clock, slot)
    db.commit()
    assert booked.number.startswith("R") and booked.holding_slot_id == slot.id
    assert slot not in slots.free_slots(db, legal(db).id, clock.now, SEOUL)
    sms = db.scalar(select(OutboxMessage))
    assert sms.to == "+821023456789" and booked.number in sms.body
    assert "3월 9일(화) 14:00" in sms.body


def test_personal_data_of_a_booking_is_encrypted_at_rest(db, clock, legal_slots):
    book(db, clock, slot_at(db, at(TUESDAY, 14)))
    db.commit()
    assert db.scalar(select(Appointment.name)) == "홍길동"
    sql = "SELECT name, phone, description FROM appointments"
    stored = db.connection().exec_driver_sql(sql).one()
    assert all("홍길동" not in v and "2345" not in v and "전세" not in v for v in stored)


def test_a_citizen_may_book_one_slot_per_field_per_month(db, clock, legal_slots):
    book(db, clock, slot_at(db, at(TUESDAY, 14)))
    with pytest.raises(booking.BookingRefused) as refused:
        book(db, clock, slot_at(db, at(TUESDAY, 15)), phone="+82 10-2345-6789")
    assert refused.value.message == booking.REFUSAL


def test_the_monthly_cap_is_configurable(db, clock, legal_slots, settings):
    settings(APPOINTMENT_MAX_PER_FIELD_PER_MONTH=2)
    book(db, clock, slot_at(db, at(TUESDAY, 14)))
    book(db, clock, slot_at(db, at(TUESDAY, 15)))
    with pytest.raises(booking.BookingRefused):
        book(db, clock, slot_at(db, at(TUESDAY, 16)))


def test_the_cap_counts_each_month_apart(db, clock, legal_slots):
    clock.now = at(date(2027, 3, 26), 9)
    slots.publish(db, legal(db), date(2027, 4, 1), date(2027, 4, 30), SEOUL, clock.now)
    book(db, clock, slot_at(db, at(date(2027, 3, 30), 14)))
    assert book(db, clock, slot_at(db, at(date(2027, 4, 6), 14))).month == date(2027, 4, 1)


def test_a_cancelled_booking_gives_back_its_slot_and_its_place_in_the_cap(db, clock, legal_slots):
    slot = slot_at(db, at(TUESDAY, 14))
    booked = book(db, clock, slot)
    booking.cancel(db, booked, clock.now, SEOUL)
    assert slot in slots.free_slots(db, legal(db).id, clock.now, SEOUL)
    assert book(db, clock, slot_at(db, at(TUESDAY, 15))).status == "booked"


def test_a_taken_slot_refuses_the_second_citizen_clearly(db, clock, legal_slots):
    slot = slot_at(db, at(TUESDAY, 14))
    book(db, clock, slot)
    with pytest.raises(booking.BookingRefused) as refused:
        book(db, clock, slot, phone=OTHER_MOBILE)
    assert refused.value.message == booking.TAKEN


def test_the_database_refuses_two_bookings_holding_one_slot(db, clock, legal_slots):
    slot = slot_at(db, at(TUESDAY, 14))
    first = book(db, clock, slot)
    second = Appointment(
        number="R0000001", status="booked", moves=0, language="ko", booked_at=clock.now
    )
    second.set_phone("+821034567890")
    with pytest.raises(booking.BookingRefused) as refused:
        booking.take(db, second, slot, SEOUL, cap=True)
    assert refused.value.message == booking.TAKEN
    assert db.scalar(select(func.count()).select_from(Appointment)) == 1 and first.id


def test_a_slot_the_counselor_is_away_for_is_not_offered(db, clock, legal_slots):
    db.add(
        Unavailability(
            counselor_id=legal_slots.id, starts_at=at(TUESDAY, 14), ends_at=at(TUESDAY, 15)
        )
    )
    db.commit()
    free = {s.starts_at for s in slots.free_slots(db, legal(db).id, clock.now, SEOUL)}
    assert at(TUESDAY, 14) not in free and at(TUESDAY, 15) in free


def test_a_skipped_session_withdraws_its_free_slots(db, clock, legal_slots):
    weekly = db.scalar(select(WeeklyShift).where(WeeklyShift.counselor_id == legal_slots.id))
    db.add(WeeklyShiftSkip(weekly_shift_id=weekly.id, date=TUESDAY))
    db.commit()
    free = slots.free_slots(db, legal(db).id, clock.now, SEOUL)
    assert TUESDAY not in {s.starts_at.astimezone(SEOUL).date() for s in free}
    assert date(2027, 3, 16) in {s.starts_at.astimezone(SEOUL).date() for s in free}


def test_a_booking_needs_consent_a_name_and_a_description(db, clock, legal_slots):
    slot = slot_at(db, at(TUESDAY, 14))
    missing_values = (
        ({"consent": False}, "consent"),
        ({"name": " "}, "name"),
        ({"description": ""}, "description"),
    )
    for missing, field in missing_values:
        with pytest.raises(booking.BookingRefused) as refused:
            book(db, clock, slot, **missing)
        assert refused.value.field == field


def test_too_many_bookings_from_one_address_are_refused(db, clock, legal_slots, settings):
    settings(TICKET_MAX_PER_ADDRESS_PER_HOUR=2, APPOINTMENT_MAX_PER_FIELD_PER_MONTH=5)
    for hour in (14, 15):
        book(db, clock, slot_at(db, at(TUESDAY, hour)))
    with pytest.raises(booking.BookingRefused) as refused:
        book(db, clock, slot_at(db, at(TUESDAY, 16)), phone=OTHER_MOBILE)
    assert refused.value.status == 429


def test_the_line_stops_texting_after_its_hourly_ceiling(db, clock, legal_slots, settings):
    settings(APPOINTMENT_MAX_PER_HOUR=1)
    book(db, clock, slot_at(db, at(TUESDAY, 14)), address="192.0.2.1")
    with pytest.raises(booking.BookingRefused) as refused:
        book(db, clock, slot_at(db, at(TUESDAY, 15)), phone=OTHER_MOBILE, address="192.0.2.2")
    assert refused.value.status == 429


def test_a_wrong_phone_finds_nothing_and_says_the_same_as_a_wrong_number(db, clock, legal_slots):
    booked = book(db, clock, slot_at(db, at(TUESDAY, 14)))
    messages = []
    for number, phone in ((booked.number, OTHER_MOBILE), ("R9999999", MOBILE)):
        with pytest.raises(booking.BookingRefused) as refused:
            booking.find(db, number=number, phone_text=phone, address="192.0.2.9", now=clock.now)
        messages.append(refused.value.message)
    assert messages == [booking.NOT_FOUND, booking.NOT_FOUND]


def test_a_citizen_moves_a_booking_to_another_open_slot(db, clock, legal_slots):
    booked = book(db, clock, slot_at(db, at(TUESDAY, 14)))
    found = booking.find(
        db, number=booked.number.lower(), phone_text=MOBILE, address=None, now=clock.now
    )
    target = slot_at(db, at(date(2027, 3, 16), 15))
    booking.move(db, found, target.id, clock.now, SEOUL)
    db.commit()
    assert (found.slot_id, found.holding_slot_id, found.moves) == (target.id, target.id, 1)
    assert slot_at(db, at(TUESDAY, 14)) in slots.free_slots(db, legal(db).id, clock.now, SEOUL)
    last = db.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    assert "3월 16일(화) 15:00" in last


def test_next_free_slot_is_the_fields_first_bookable_one(db, clock, legal_slots):
    book(db, clock, slot_at(db, at(date(2027, 3, 2), 16)))
    next_slot = slots.next_free_slot(db, legal(db).id, clock.now, SEOUL)
    assert next_slot.starts_at == at(date(2027, 3, 2), 16, 30)


def test_a_landline_booking_is_shown_on_screen_only(db, clock, legal_slots):
    book(db, clock, slot_at(db, at(TUESDAY, 14)), phone="02-2120-3456")
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_retention_erases_a_bookings_personal_data(db, clock, legal_slots):
    from schedules.retention import purge_personal_data

    booked = book(db, clock, slot_at(db, at(TUESDAY, 14)))
    db.commit()
    purge_personal_data(db, clock.now + timedelta(days=4 * 365))
    db.commit()
    db.expire_all()
    kept = db.get(Appointment, booked.id)
    assert (kept.name, kept.phone, kept.description, kept.phone_digest) == (None,) * 4
    assert kept.status == "booked" and kept.field_id == booked.field_id
