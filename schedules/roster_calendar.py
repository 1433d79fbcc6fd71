"""The roster calendar: for each day and field, who is on, what is closed and where gaps are."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from callcenter.models import Field
from schedules.calendar import DayStatus, closure_days
from schedules.occurrences import Occurrence, occurrences
from schedules.oncall import Gap, coverage_gaps


@dataclass
class FieldDay:
    """One field on one day."""

    field: Field
    # dataclasses.field: `field` in this class body is the attribute above.
    shifts: list[Occurrence] = dataclasses.field(default_factory=list)
    gaps: list[Gap] = dataclasses.field(default_factory=list)


@dataclass
class CalendarDay:
    """One day of the calendar, field by field."""

    day: date
    status: DayStatus
    fields: list[FieldDay]

    @property
    def gap_count(self) -> int:
        return sum(len(f.gaps) for f in self.fields)


def week_start(day: date) -> date:
    """Return the Monday of the week of a date."""
    return day - timedelta(days=day.weekday())


def month_range(day: date) -> tuple[date, date]:
    """Return the first and last date of the month of a date."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def roster_calendar(
    session: Session,
    start: date,
    end: date,
    tz: ZoneInfo,
    fields: list[Field],
    language: str = "ko",
) -> list[CalendarDay]:
    """Build the calendar of the given fields from start to end inclusive."""
    statuses = closure_days(session, start, end, language)
    found: dict[tuple[date, int], list[Occurrence]] = defaultdict(list)
    for occurrence in occurrences(session, start, end, tz, field_ids=[f.id for f in fields]):
        found[(occurrence.day, occurrence.field.id)].append(occurrence)
    gaps: dict[tuple[date, int], list[Gap]] = defaultdict(list)
    for field_ in fields:
        for gap in coverage_gaps(session, field_.id, start, end, tz):
            gaps[(gap.day, field_.id)].append(gap)
    days = []
    day = start
    while day <= end:
        days.append(
            CalendarDay(
                day,
                statuses[day],
                [FieldDay(f, found[(day, f.id)], gaps[(day, f.id)]) for f in fields],
            )
        )
        day += timedelta(days=1)
    return days
