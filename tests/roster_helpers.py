"""Builders for roster tests: counselors and shifts in a line of one or two statements."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from callcenter.models import Counselor, Field, OneOffShift, WeeklyShift

SEOUL = ZoneInfo("Asia/Seoul")
# A plain working week: Monday 2027-03-08 .. Sunday 2027-03-14 (no public holiday).
MONDAY = date(2027, 3, 8)
TUESDAY = date(2027, 3, 9)


def seoul(day: date, hour: int, minute: int = 0) -> datetime:
    """Return a local instant in Seoul."""
    return datetime.combine(day, time(hour, minute), SEOUL)


def counselor(db, name: str, phone: str, *fields: Field, active: bool = True) -> Counselor:  # type: ignore[no-untyped-def]
    """Add a counselor serving the given fields."""
    c = Counselor(name=name, phone=phone, active=active, auto_answer=False, fields=list(fields))
    db.add(c)
    db.flush()
    return c


def weekly(
    db, who: Counselor, field: Field, weekday: int, start: str, end: str, **kw
) -> WeeklyShift:  # type: ignore[no-untyped-def]
    """Add a weekly shift."""
    s = WeeklyShift(
        counselor_id=who.id,
        field_id=field.id,
        weekday=weekday,
        start_time=time.fromisoformat(start),
        end_time=time.fromisoformat(end),
        **kw,
    )
    db.add(s)
    db.flush()
    return s


def one_off(db, who: Counselor, field: Field, day: date, start: str, end: str) -> OneOffShift:  # type: ignore[no-untyped-def]
    """Add a one-off shift."""
    s = OneOffShift(
        counselor_id=who.id,
        field_id=field.id,
        date=day,
        start_time=time.fromisoformat(start),
        end_time=time.fromisoformat(end),
    )
    db.add(s)
    db.flush()
    return s
