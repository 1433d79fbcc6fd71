"""Roster figures: calendars, feeds and the shift jobs over a large roster.

Usage: python bench/rosters.py [DATABASE_URL]   (default: a fresh SQLite file in /tmp)

Builds 400 counselors (100 a field) with three years of weekly series (ended and current),
6,000 one-off shifts and 3,000 absences, then prints the median time of each operation over
five runs.
The database is emptied first: never point it at real data.
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
from callcenter.extensions import db
from callcenter.models import (
    CalendarFeed,
    Counselor,
    Field,
    OneOffShift,
    Unavailability,
    User,
    WeeklyShift,
    counselor_fields,
)
from schedules.feeds import build_calendar
from schedules.jobs import alert_coverage_gaps, send_shift_reminders
from schedules.roster_calendar import month_range, roster_calendar, week_start
from tests.conftest import drop_everything

SEOUL = ZoneInfo("Asia/Seoul")
TODAY = date(2027, 6, 14)
NOW = datetime.combine(TODAY, time(8, 0), SEOUL)
COUNSELORS = 400


def populate() -> None:
    """Fill the roster tables in bulk."""
    rng = random.Random(7)
    fields = db.session.scalars(select(Field)).all()
    db.session.execute(
        insert(Counselor),
        [
            {
                "name": f"상담위원{i:03d}",
                "phone": f"+8210{20000000 + i}",
                "active": True,
                "auto_answer": False,
            }
            for i in range(COUNSELORS)
        ],
    )
    ids = db.session.scalars(select(Counselor.id)).all()
    home = {cid: fields[i % len(fields)] for i, cid in enumerate(ids)}
    db.session.execute(
        insert(counselor_fields), [{"counselor_id": c, "field_id": f.id} for c, f in home.items()]
    )
    weekly = []
    for cid in ids:
        first_day = rng.randrange(5)
        for k, year_start in enumerate((date(2025, 1, 1), date(2026, 1, 1), date(2027, 1, 1))):
            weekday = (first_day + k) % 5
            start = rng.choice((9, 10, 13, 14))
            weekly.append(
                {
                    "counselor_id": cid,
                    "field_id": home[cid].id,
                    "weekday": weekday,
                    "start_time": time(start),
                    "end_time": time(start + 3),
                    "valid_from": year_start,
                    "valid_until": None
                    if year_start.year == 2027
                    else date(year_start.year, 12, 31),
                }
            )
    db.session.execute(insert(WeeklyShift), weekly)
    one_offs = []
    for _ in range(6000):
        cid = rng.choice(ids)
        one_offs.append(
            {
                "counselor_id": cid,
                "field_id": home[cid].id,
                "date": date(2025, 1, 1) + timedelta(days=rng.randrange(3 * 365)),
                "start_time": time(18),
                "end_time": time(20),
            }
        )
    db.session.execute(insert(OneOffShift), _unique(one_offs))
    away = []
    for _ in range(3000):
        start = datetime.combine(date(2025, 1, 1), time(0), SEOUL) + timedelta(
            days=rng.randrange(3 * 365)
        )
        away.append(
            {
                "counselor_id": rng.choice(ids),
                "starts_at": start,
                "ends_at": start + timedelta(days=rng.randrange(1, 5)),
            }
        )
    db.session.execute(insert(Unavailability), away)
    db.session.commit()


def _unique(rows: list[dict]) -> list[dict]:
    seen, kept = set(), []
    for row in rows:
        key = (row["counselor_id"], row["date"])
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def measure(label: str, action) -> None:  # type: ignore[no-untyped-def]
    """Print the median wall time of five runs."""
    times = []
    for _ in range(5):
        began = clock.perf_counter()
        action()
        times.append(clock.perf_counter() - began)
        db.session.rollback()
    print(f"{label:<48} {statistics.median(times) * 1000:8.1f} ms")


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, LOG_LEVEL="WARNING")
    with app.app_context():
        drop_everything(db.engine)
        flask_migrate.upgrade(directory="migrations", revision="heads")
        populate()
        fields = list(db.session.scalars(Field.menu()))
        print(
            f"{db.engine.dialect.name}: {COUNSELORS} counselors, "
            f"{db.session.query(WeeklyShift).count()} weekly series, "
            f"{db.session.query(OneOffShift).count()} one-off shifts, "
            f"{db.session.query(Unavailability).count()} absences"
        )
        start = week_start(TODAY)
        measure(
            "week calendar, all fields",
            lambda: roster_calendar(db.session, start, start + timedelta(days=6), SEOUL, fields),
        )
        first, last = month_range(TODAY)
        measure(
            "month calendar, all fields",
            lambda: roster_calendar(db.session, first, last, SEOUL, fields),
        )
        measure(
            "month calendar, one field",
            lambda: roster_calendar(db.session, first, last, SEOUL, fields[:1]),
        )
        measure("shift reminders job", lambda: send_shift_reminders(db.session, NOW))
        measure("coverage gap alert job (14 days)", lambda: alert_coverage_gaps(db.session, NOW))
        owner = User(email="bench@example.org", role="coordinator", password_hash="x")
        db.session.add(owner)
        db.session.flush()
        counselor_id = db.session.scalar(select(Counselor.id).limit(1))
        personal = CalendarFeed(token_digest="a" * 64, owner_id=owner.id, counselor_id=counselor_id)
        per_field = CalendarFeed(token_digest="b" * 64, owner_id=owner.id, field_id=fields[0].id)
        db.session.add_all([personal, per_field])
        db.session.commit()
        measure(
            "personal iCal feed (220 days)",
            lambda: build_calendar(db.session, personal, NOW, SEOUL),
        )
        measure(
            "field iCal feed (106 days)", lambda: build_calendar(db.session, per_field, NOW, SEOUL)
        )


if __name__ == "__main__":
    main()
