"""Citizens racing for the last slot, as web workers serve them: real threads on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from callcenter.appointments import booking
from callcenter.extensions import db as _db
from callcenter.models import Appointment
from tests.appointment_support import at, slot_at
from tests.ivr_support import SEOUL

pytestmark = pytest.mark.usefixtures("postgres_only")


@pytest.fixture
def postgres_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent writers are PostgreSQL's; SQLite runs one writer at a time")


def race(app, clock, tries) -> list[str]:  # type: ignore[no-untyped-def]
    """Run each booking in its own thread and session at the same moment; return outcomes."""
    start = threading.Barrier(len(tries))

    def attempt(values: dict[str, object]) -> str:
        with app.app_context():
            session = _db.session
            start.wait(timeout=10)
            try:
                booking.book(
                    session,
                    now=clock.now,
                    tz=SEOUL,
                    consent=True,
                    description="임대차 분쟁",
                    **values,
                )
                session.commit()
                return "booked"
            except booking.BookingRefused as refused:
                session.commit()
                return refused.message
            finally:
                session.remove()

    with ThreadPoolExecutor(max_workers=len(tries)) as pool:
        return list(pool.map(attempt, tries, timeout=60))


def test_two_citizens_racing_for_the_last_slot_get_one_booking(app, db, clock, legal_slots):
    slot = slot_at(db, at(date(2027, 3, 9), 14))
    tries = [
        {
            "slot_id": slot.id,
            "field_id": slot.field_id,
            "name": name,
            "phone_text": phone,
            "address": address,
        }
        for name, phone, address in (
            ("홍길동", "010-2345-6789", "192.0.2.1"),
            ("김영희", "010-3456-7890", "192.0.2.2"),
        )
    ]
    for _round in range(3):  # a race lost by timing once would pass by luck
        outcomes = race(app, clock, tries)
        assert sorted(outcomes) == sorted(["booked", booking.TAKEN])
        db.expire_all()
        held = db.scalars(select(Appointment).where(Appointment.holding_slot_id == slot.id)).all()
        assert len(held) == 1
        booking.cancel(db, held[0], clock.now, SEOUL)
        db.commit()


def test_one_citizen_booking_two_slots_at_once_stays_within_the_cap(app, db, clock, legal_slots):
    first = slot_at(db, at(date(2027, 3, 9), 14))
    second = slot_at(db, at(date(2027, 3, 16), 14))
    tries = [
        {
            "slot_id": s.id,
            "field_id": s.field_id,
            "name": "홍길동",
            "phone_text": "010-2345-6789",
            "address": address,
        }
        for s, address in ((first, "192.0.2.1"), (second, "192.0.2.2"))
    ]
    outcomes = race(app, clock, tries)
    assert sorted(outcomes) == sorted(["booked", booking.REFUSAL])
    db.expire_all()
    assert db.scalar(select(func.count()).where(Appointment.cap_seat.is_not(None))) == 1
