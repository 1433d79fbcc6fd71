"""Who is on call for a field at an instant, when the next session starts, and where gaps are.

Every function takes the instant explicitly. Weekly and one-off shifts are local wall-clock
hours in the line's time zone; unavailability periods are instants. Intervals are start
inclusive, end exclusive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, not_, or_, select, true, union
from sqlalchemy.orm import Session

from callcenter.models import (
    Counselor,
    DayOverride,
    DayOverrideKind,
    OneOffShift,
    Unavailability,
    WeeklyShift,
    WeeklyShiftSkip,
)
from schedules.calendar import closure_days, holiday_name

# A busy flag older than this is taken to be left over from a lost status callback.
DEFAULT_BUSY_TIMEOUT = timedelta(hours=2)


def _weekly_runs_today(day: date):  # type: ignore[no-untyped-def]
    """Build the SQL condition under which weekly shifts run on a date."""
    if holiday_name(day) is not None:
        return exists().where(DayOverride.date == day, DayOverride.kind == DayOverrideKind.OPEN)
    return not_(exists().where(DayOverride.date == day, DayOverride.kind == DayOverrideKind.CLOSED))


def on_call_statement(field_id: int, at: datetime, tz: ZoneInfo):  # type: ignore[no-untyped-def]
    """Build the select of counselors on call for a field at an instant, in dial order."""
    local = at.astimezone(tz)
    day, clock, weekday = local.date(), local.time().replace(tzinfo=None), local.weekday()
    weekly = select(WeeklyShift.counselor_id.label("counselor_id")).where(
        WeeklyShift.field_id == field_id,
        WeeklyShift.weekday == weekday,
        WeeklyShift.start_time <= clock,
        WeeklyShift.end_time > clock,
        or_(WeeklyShift.valid_from.is_(None), WeeklyShift.valid_from <= day),
        or_(WeeklyShift.valid_until.is_(None), WeeklyShift.valid_until >= day),
        not_(
            exists().where(
                WeeklyShiftSkip.weekly_shift_id == WeeklyShift.id, WeeklyShiftSkip.date == day
            )
        ),
        _weekly_runs_today(day),
    )
    one_off = select(OneOffShift.counselor_id.label("counselor_id")).where(
        OneOffShift.field_id == field_id,
        OneOffShift.date == day,
        OneOffShift.start_time <= clock,
        OneOffShift.end_time > clock,
    )
    scheduled = union(weekly, one_off).subquery()
    return (
        select(Counselor)
        .where(
            Counselor.id.in_(select(scheduled.c.counselor_id)),
            Counselor.active.is_(true()),
            not_(
                exists().where(
                    Unavailability.counselor_id == Counselor.id,
                    Unavailability.starts_at <= at,
                    Unavailability.ends_at > at,
                )
            ),
        )
        .order_by(Counselor.last_connected_at.asc().nulls_first(), Counselor.id)
    )


def on_call(session: Session, field_id: int, at: datetime, tz: ZoneInfo) -> list[Counselor]:
    """Return the counselors on call for a field at an instant, in fair dial order."""
    _require_aware(at)
    return list(session.scalars(on_call_statement(field_id, at, tz)))


def free_on_call(
    session: Session,
    field_id: int,
    at: datetime,
    tz: ZoneInfo,
    busy_timeout: timedelta = DEFAULT_BUSY_TIMEOUT,
) -> list[Counselor]:
    """Return the on-call counselors not on a live call, in fair dial order."""
    _require_aware(at)
    statement = on_call_statement(field_id, at, tz).where(
        or_(Counselor.busy_since.is_(None), Counselor.busy_since <= at - busy_timeout)
    )
    return list(session.scalars(statement))


@dataclass(frozen=True)
class Interval:
    """A local wall-clock period on one date, start inclusive, end exclusive."""

    day: date
    start: time
    end: time

    def starts_at(self, tz: ZoneInfo) -> datetime:
        """Return the start as an instant."""
        return datetime.combine(self.day, self.start, tz)


@dataclass
class _Plan:
    """A field's roster over a date range, loaded in a handful of queries."""

    tz: ZoneInfo
    days: dict[date, bool]  # date -> weekly shifts run
    weekly: list[WeeklyShift]
    skips: set[tuple[int, date]]
    one_offs: dict[date, list[OneOffShift]]
    away: dict[int, list[tuple[datetime, datetime]]]
    active: set[int]

    def normal_hours(self, day: date) -> list[tuple[time, time]]:
        """Return the hours the weekly roster covers on a date, before anyone is missing."""
        if not self.days[day]:
            return []
        return _merge((s.start_time, s.end_time) for s in self.weekly if self._weekly_valid(s, day))

    def covered(self, day: date) -> list[tuple[time, time]]:
        """Return the hours somebody is actually on call on a date."""
        pieces: list[tuple[time, time]] = []
        shifts = [
            (s.counselor_id, s.start_time, s.end_time)
            for s in self.weekly
            if self.days[day] and self._weekly_valid(s, day) and (s.id, day) not in self.skips
        ]
        shifts += [(s.counselor_id, s.start_time, s.end_time) for s in self.one_offs[day]]
        for counselor_id, start, end in shifts:
            if counselor_id in self.active:
                pieces += self._minus_away(counselor_id, day, start, end)
        return _merge(pieces)

    def _weekly_valid(self, shift: WeeklyShift, day: date) -> bool:
        return (
            shift.weekday == day.weekday()
            and (shift.valid_from is None or shift.valid_from <= day)
            and (shift.valid_until is None or shift.valid_until >= day)
        )

    def _minus_away(
        self, counselor_id: int, day: date, start: time, end: time
    ) -> list[tuple[time, time]]:
        """Cut a counselor's unavailability out of one shift."""
        pieces = [(datetime.combine(day, start, self.tz), datetime.combine(day, end, self.tz))]
        for away_start, away_end in self.away.get(counselor_id, ()):
            next_pieces = []
            for piece_start, piece_end in pieces:
                if away_end <= piece_start or away_start >= piece_end:
                    next_pieces.append((piece_start, piece_end))
                    continue
                if away_start > piece_start:
                    next_pieces.append((piece_start, away_start))
                if away_end < piece_end:
                    next_pieces.append((away_end, piece_end))
            pieces = next_pieces
        return [(_clock(s, self.tz), _clock(e, self.tz)) for s, e in pieces]


def _clock(instant: datetime, tz: ZoneInfo) -> time:
    """Return the local wall-clock time of an instant."""
    return instant.astimezone(tz).time().replace(tzinfo=None)


def _merge(pieces) -> list[tuple[time, time]]:  # type: ignore[no-untyped-def]
    """Merge overlapping or touching periods."""
    merged: list[tuple[time, time]] = []
    for start, end in sorted(pieces):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _load_plan(session: Session, field_id: int, start: date, end: date, tz: ZoneInfo) -> _Plan:
    """Load everything that decides a field's coverage from start to end inclusive."""
    days = {day: not status.closed for day, status in closure_days(session, start, end).items()}
    weekly = list(
        session.scalars(
            select(WeeklyShift).where(
                WeeklyShift.field_id == field_id,
                or_(WeeklyShift.valid_from.is_(None), WeeklyShift.valid_from <= end),
                or_(WeeklyShift.valid_until.is_(None), WeeklyShift.valid_until >= start),
            )
        )
    )
    skips = set(
        session.execute(
            select(WeeklyShiftSkip.weekly_shift_id, WeeklyShiftSkip.date)
            .join(WeeklyShift)
            .where(
                WeeklyShift.field_id == field_id,
                WeeklyShiftSkip.date >= start,
                WeeklyShiftSkip.date <= end,
            )
        ).all()
    )
    one_offs: dict[date, list[OneOffShift]] = defaultdict(list)
    for shift in session.scalars(
        select(OneOffShift).where(
            OneOffShift.field_id == field_id, OneOffShift.date >= start, OneOffShift.date <= end
        )
    ):
        one_offs[shift.date].append(shift)
    counselor_ids = {s.counselor_id for s in weekly} | {
        s.counselor_id for shifts in one_offs.values() for s in shifts
    }
    range_start = datetime.combine(start, time.min, tz)
    range_end = datetime.combine(end + timedelta(days=1), time.min, tz)
    away: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    active: set[int] = set()
    if counselor_ids:
        for row in session.execute(
            select(Unavailability.counselor_id, Unavailability.starts_at, Unavailability.ends_at)
            .where(
                Unavailability.counselor_id.in_(counselor_ids),
                Unavailability.starts_at < range_end,
                Unavailability.ends_at > range_start,
            )
            .order_by(Unavailability.starts_at)
        ):
            away[row.counselor_id].append((row.starts_at, row.ends_at))
        active = set(
            session.scalars(
                select(Counselor.id).where(
                    Counselor.id.in_(counselor_ids), Counselor.active.is_(true())
                )
            )
        )
    return _Plan(tz, days, weekly, skips, one_offs, away, active)


def next_session_start(
    session: Session, field_id: int, after: datetime, tz: ZoneInfo, horizon_days: int = 62
) -> datetime | None:
    """Return the first instant at or after `after` when somebody is on call for the field."""
    _require_aware(after)
    local = after.astimezone(tz)
    first = local.date()
    last = first + timedelta(days=horizon_days)
    plan = _load_plan(session, field_id, first, last, tz)
    day = first
    while day <= last:
        for start, end in plan.covered(day):
            begins = datetime.combine(day, start, tz)
            ends = datetime.combine(day, end, tz)
            if ends > local:
                return max(begins, local).astimezone(after.tzinfo)
        day += timedelta(days=1)
    return None


@dataclass(frozen=True)
class Gap:
    """A period within a field's normal hours when nobody is on call."""

    day: date
    start: time
    end: time
    whole_day: bool


def coverage_gaps(
    session: Session, field_id: int, start: date, end: date, tz: ZoneInfo
) -> list[Gap]:
    """Return the gaps in a field's coverage from start to end inclusive, in date order."""
    plan = _load_plan(session, field_id, start, end, tz)
    gaps: list[Gap] = []
    day = start
    while day <= end:
        normal = plan.normal_hours(day)
        covered = plan.covered(day)
        missing = _subtract(normal, covered)
        # Whole day: nobody during the normal hours, whatever one-offs happen outside them.
        whole_day = bool(missing) and missing == normal
        gaps += [Gap(day, s, e, whole_day=whole_day) for s, e in missing]
        day += timedelta(days=1)
    return gaps


def _subtract(
    base: list[tuple[time, time]], minus: list[tuple[time, time]]
) -> list[tuple[time, time]]:
    """Return the parts of merged periods `base` not covered by merged periods `minus`."""
    result: list[tuple[time, time]] = []
    for start, end in base:
        cursor = start
        for m_start, m_end in minus:
            if m_end <= cursor or m_start >= end:
                continue
            if m_start > cursor:
                result.append((cursor, m_start))
            cursor = max(cursor, m_end)
        if cursor < end:
            result.append((cursor, end))
    return result


def _require_aware(at: datetime) -> None:
    """Refuse naive datetimes: an instant without a zone is a bug waiting to happen."""
    if at.tzinfo is None:
        raise ValueError("on-call resolution needs a timezone-aware instant")


__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "Gap",
    "coverage_gaps",
    "free_on_call",
    "next_session_start",
    "on_call",
    "on_call_statement",
]
