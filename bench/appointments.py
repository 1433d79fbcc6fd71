"""Appointment figures: publishing, the booking page, booking and the day-before reminder.

Usage: python bench/appointments.py [DATABASE_URL]   (default: a fresh SQLite file in /tmp)

Builds 400 counselors (100 a field) on two three-hour weekly sessions each with 200
absences, publishes two months of 30-minute slots (about 40,000), books a third of them,
then prints the median time of each operation over five runs. The database is emptied
first: never point it at real data.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
from sqlalchemy import insert, select

from callcenter import create_app
from callcenter.appointments import booking, slots, staff
from callcenter.extensions import db
from callcenter.models import (
    Appointment,
    AppointmentSlot,
    Counselor,
    Field,
    Unavailability,
    WeeklyShift,
    counselor_fields,
)
from schedules.appointment_jobs import send_appointment_reminders
from tests.conftest import drop_everything

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=SEOUL)
COUNSELORS = 400


def populate() -> dict[str, float]:
    """Fill the roster in bulk, publish two months of slots and book a third of them."""
    rng = random.Random(7)
    fields = db.session.scalars(select(Field)).all()
    db.session.execute(
        insert(Counselor),
        [
            {"name": f"상담위원{i:03d}", "phone": f"+8210{20000000 + i}", "active": True}
            for i in range(COUNSELORS)
        ],
    )
    ids = db.session.scalars(select(Counselor.id)).all()
    home = {cid: fields[i % len(fields)] for i, cid in enumerate(ids)}
    db.session.execute(
        insert(counselor_fields), [{"counselor_id": c, "field_id": f.id} for c, f in home.items()]
    )
    db.session.execute(
        insert(WeeklyShift),
        [
            {
                "counselor_id": cid,
                "field_id": home[cid].id,
                "weekday": (k + n) % 5,
                "start_time": time(14 if n else 10, 0),
                "end_time": time(17 if n else 13, 0),
            }
            for k, cid in enumerate(ids)
            for n in range(2)
        ],
    )
    db.session.execute(
        insert(Unavailability),
        [
            {
                "counselor_id": rng.choice(ids),
                "starts_at": (start := NOW + timedelta(days=rng.randrange(60))),
                "ends_at": start + timedelta(hours=rng.choice((3, 24, 72))),
            }
            for _ in range(200)
        ],
    )
    db.session.commit()
    figures = {}
    started = clock.perf_counter()
    for field in fields:
        slots.publish(db.session, field, date(2027, 6, 1), date(2027, 7, 31), SEOUL, NOW)
    db.session.commit()
    figures["publish two months, all fields (once)"] = clock.perf_counter() - started
    slot_rows = db.session.execute(select(AppointmentSlot.id, AppointmentSlot.field_id)).all()
    db.session.execute(
        insert(Appointment),
        [
            {
                "number": f"R{i:07d}",
                "field_id": field_id,
                "slot_id": slot_id,
                "holding_slot_id": slot_id,
                "month": date(2027, 6, 1),
                "cap_seat": 1,
                "status": "booked",
                "phone_digest": f"{i:064d}",
                "language": "ko",
                "booked_at": NOW,
                "moves": 0,
            }
            for i, (slot_id, field_id) in enumerate(slot_rows)
            if i % 3 == 0
        ],
    )
    db.session.commit()
    print(f"{len(slot_rows)} slots, {len(slot_rows) // 3 + 1} bookings")
    return figures


def median_ms(action, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    """Return the median time of an action in milliseconds."""
    times = []
    for _ in range(runs):
        started = clock.perf_counter()
        action()
        times.append(clock.perf_counter() - started)
        db.session.rollback()
    return statistics.median(times) * 1000


def main() -> None:
    """Build the data and print the figures."""
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context(), app.test_request_context():
        drop_everything(db.engine)
        flask_migrate.upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
        once = populate()
        legal = db.session.scalar(select(Field).where(Field.code == "legal"))
        free = slots.free_slots(db.session, legal.id, NOW, SEOUL)
        coordinator = type("Coordinator", (), {"is_coordinator": True, "counselor_id": None})()
        operations = {
            "booking page, one field (first 120 free slots)": lambda: slots.free_slots(
                db.session, legal.id, NOW, SEOUL, limit=120
            ),
            "all free slots of one field (about 6,800)": lambda: slots.free_slots(
                db.session, legal.id, NOW, SEOUL
            ),
            "next free slot, one field (closed line, status)": lambda: slots.next_free_slot(
                db.session, legal.id, NOW, SEOUL
            ),
            "book one slot (rules, SMS)": lambda: booking.book(
                db.session,
                slot_id=free[-1].id,
                field_id=legal.id,
                name="홍길동",
                phone_text="010-2345-6789",
                description="전세 보증금",
                consent=True,
                address=None,
                now=NOW,
                tz=SEOUL,
            ),
            "bookings needing action (42 days)": lambda: staff.needing_action(
                db.session, NOW, SEOUL
            ),
            "a day's bookings, coordinator": lambda: db.session.scalars(
                staff.day_statement(coordinator, date(2027, 6, 2), SEOUL)  # type: ignore[arg-type]
            ).all(),
            "day-before reminders job": lambda: send_appointment_reminders(
                db.session, NOW.replace(hour=10)
            ),
        }
        print(f"{'operation':52} median ms")
        for name, seconds in once.items():
            print(f"{name:52} {seconds * 1000:9.1f}")
        for name, action in operations.items():
            print(f"{name:52} {median_ms(action):9.1f}")


if __name__ == "__main__":
    main()
