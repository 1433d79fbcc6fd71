"""Fixtures of the appointment tests: a legal counselor's published slots and a booking helper."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from callcenter.appointments import booking, slots
from callcenter.models import AppointmentPlan, AppointmentSlot, Field
from tests.ivr_support import SEOUL

MOBILE = "010-2345-6789"
OTHER_MOBILE = "010-3456-7890"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """Return a local instant in Seoul."""
    return datetime.combine(day, time(hour, minute), SEOUL)


@pytest.fixture
def legal_slots(db, clock, on_shift):
    """A legal counselor on Tuesdays 14:00-17:00, March 2027 published in 30-minute visits."""
    counselor = on_shift("legal", name="김변호")
    field = db.scalar(select(Field).where(Field.code == "legal"))
    plan = AppointmentPlan(
        field_id=field.id, slot_minutes=30, kind="visit", place="시청 2층 상담실"
    )
    db.add(plan)
    slots.publish(db, field, date(2027, 3, 1), date(2027, 3, 31), SEOUL, clock.now)
    db.commit()
    return counselor


def slot_at(db, when: datetime) -> AppointmentSlot:
    """Return the published slot starting at an instant."""
    return db.scalar(select(AppointmentSlot).where(AppointmentSlot.starts_at == when))


def book(db, clock, slot: AppointmentSlot, phone: str = MOBILE, address: str = "192.0.2.1", **kw):  # type: ignore[no-untyped-def]
    """Book a slot through the rules, as the public page does."""
    values = {"name": "홍길동", "description": "전세 보증금 반환 문제", "consent": True}
    values.update(kw)
    return booking.book(
        db,
        slot_id=slot.id,
        field_id=slot.field_id,
        phone_text=phone,
        address=address,
        now=clock.now,
        tz=SEOUL,
        **values,
    )
