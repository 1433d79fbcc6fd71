"""Shift occurrences: weekly and one-off shifts expanded into dated periods.

The calendar pages, the iCal feeds, self-service and the reminder jobs all need the same
answer to "who works when", so it is computed here once, from the same rules as on-call
resolution: weekly shifts run by their pattern (`schedules.patterns`) within their validity
range, not on a skipped date and not on a closure day; one-off shifts always count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from callcenter.models import (
    Counselor,
    Field,
    OneOffShift,
    Unavailability,
    WeeklyShift,
    WeeklyShiftSkip,
)
from schedules import patterns
from schedules.calendar import closure_days


@dataclass(frozen=True)
class Occurrence:
    """One dated shift of one counselor in one field."""

    day: date
    start: time
    end: time
    counselor: Counselor
    field: Field
    weekly_shift_id: int | None
    one_off_shift_id: int | None
    away: bool  # the counselor marked themself unavailable for part of it

    @property
    def recurring(self) -> bool:
        """Whether it comes from a weekly shift."""
        return self.weekly_shift_id is not None

    def starts_at(self, tz: ZoneInfo) -> datetime:
        """Return the start as an instant."""
        return datetime.combine(self.day, self.start, tz)

    def ends_at(self, tz: ZoneInfo) -> datetime:
        """Return the end as an instant."""
        return datetime.combine(self.day, self.end, tz)

    @property
    def key(self) -> str:
        """Return a stable identifier, e.g. for an iCal UID."""
        source = f"w{self.weekly_shift_id}" if self.recurring else f"o{self.one_off_shift_id}"
        return f"{source}-{self.day.isoformat()}"


def occurrences(
    session: Session,
    start: date,
    end: date,
    tz: ZoneInfo,
    *,
    field_ids: Iterable[int] | None = None,
    counselor_id: int | None = None,
    include_inactive: bool = False,
) -> list[Occurrence]:
    """Return the shift occurrences from start to end inclusive, by date, hour and field."""
    weekly_q = (
        select(WeeklyShift)
        .options(joinedload(WeeklyShift.counselor), joinedload(WeeklyShift.field))
        .where(
            or_(WeeklyShift.valid_from.is_(None), WeeklyShift.valid_from <= end),
            or_(WeeklyShift.valid_until.is_(None), WeeklyShift.valid_until >= start),
        )
    )
    one_off_q = (
        select(OneOffShift)
        .options(joinedload(OneOffShift.counselor), joinedload(OneOffShift.field))
        .where(OneOffShift.date >= start, OneOffShift.date <= end)
    )
    skip_q = select(WeeklyShiftSkip.weekly_shift_id, WeeklyShiftSkip.date).where(
        WeeklyShiftSkip.date >= start, WeeklyShiftSkip.date <= end
    )
    if field_ids is not None:
        ids = list(field_ids)
        weekly_q = weekly_q.where(WeeklyShift.field_id.in_(ids))
        one_off_q = one_off_q.where(OneOffShift.field_id.in_(ids))
    if counselor_id is not None:
        weekly_q = weekly_q.where(WeeklyShift.counselor_id == counselor_id)
        one_off_q = one_off_q.where(OneOffShift.counselor_id == counselor_id)
    weekly = list(session.scalars(weekly_q).unique())
    one_offs = list(session.scalars(one_off_q).unique())
    skips = set(session.execute(skip_q).all())
    runs = {day: not status.closed for day, status in closure_days(session, start, end).items()}
    away = _unavailability(session, start, end, tz, counselor_id)

    found: list[Occurrence] = []
    day = start
    while day <= end:
        for shift in weekly:
            if runs[day] and patterns.runs_on(shift, day) and (shift.id, day) not in skips:
                found.append(_make(day, shift, shift.id, None, away, tz))
        day += timedelta(days=1)
    found += [_make(s.date, s, None, s.id, away, tz) for s in one_offs]
    if not include_inactive:
        found = [o for o in found if o.counselor.active]
    found.sort(key=lambda o: (o.day, o.start, o.field.position, o.counselor.name, o.end))
    return found


def _make(day, shift, weekly_id, one_off_id, away, tz) -> Occurrence:
    """Build one occurrence and note whether its counselor is away during it."""
    begins = datetime.combine(day, shift.start_time, tz)
    ends = datetime.combine(day, shift.end_time, tz)
    is_away = any(
        a_start < ends and a_end > begins for a_start, a_end in away.get(shift.counselor_id, ())
    )
    return Occurrence(
        day,
        shift.start_time,
        shift.end_time,
        shift.counselor,
        shift.field,
        weekly_id,
        one_off_id,
        is_away,
    )


def _unavailability(
    session: Session, start: date, end: date, tz: ZoneInfo, counselor_id: int | None
) -> dict[int, list[tuple[datetime, datetime]]]:
    """Load unavailability periods overlapping the date range, by counselor."""
    range_start = datetime.combine(start, time.min, tz)
    range_end = datetime.combine(end + timedelta(days=1), time.min, tz)
    statement = select(Unavailability).where(
        Unavailability.starts_at < range_end, Unavailability.ends_at > range_start
    )
    if counselor_id is not None:
        statement = statement.where(Unavailability.counselor_id == counselor_id)
    away: dict[int, list[tuple[datetime, datetime]]] = {}
    for row in session.scalars(statement):
        away.setdefault(row.counselor_id, []).append((row.starts_at, row.ends_at))
    return away


def find_occurrence(
    session: Session, counselor_id: int, field_id: int, day: date, start: time, tz: ZoneInfo
) -> Occurrence | None:
    """Return a counselor's occurrence in a field that starts at that local date and time."""
    for found in occurrences(
        session, day, day, tz, field_ids=[field_id], counselor_id=counselor_id
    ):
        if found.start == start:
            return found
    return None
