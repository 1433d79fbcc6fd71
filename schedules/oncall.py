"""Who is on call for a field at an instant, when the next session starts, and where gaps are.

Every function takes the instant explicitly. Weekly and one-off shifts are local wall-clock
hours in the line's time zone; unavailability periods are instants. Intervals are start
inclusive, end exclusive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ColumnElement,
    CompoundSelect,
    Date,
    Select,
    String,
    TextClause,
    Time,
    bindparam,
    exists,
    func,
    not_,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from callcenter.models import (
    Counselor,
    DayOverride,
    DayOverrideKind,
    LineClosure,
    OneOffShift,
    Unavailability,
    UTCDateTime,
    WeeklyShift,
    WeeklyShiftSkip,
)
from schedules import patterns
from schedules.calendar import closure_days, holiday_name
from schedules.line_closures import covering

# A busy flag older than this is taken to be left over from a lost status callback.
DEFAULT_BUSY_TIMEOUT = timedelta(hours=2)
NEXT_SESSION_FIRST_WINDOW = timedelta(days=6)


# The look-up runs on every menu choice of every call: its statements are built once, with
# bound parameters, so that each call only binds values to an already compiled query.
def _shifts_now() -> CompoundSelect[int]:
    """Select the counselors whose weekly or one-off shift covers :day at :clock."""
    day, clock = bindparam("day", type_=Date()), bindparam("clock", type_=Time())
    # A coordinator's override of the day wins over :usual_kind (closed on public holidays).
    day_kind = func.coalesce(
        select(DayOverride.kind).where(DayOverride.date == day).scalar_subquery(),
        bindparam("usual_kind", type_=String()),
    )
    weekly = select(WeeklyShift.counselor_id).where(
        WeeklyShift.field_id == bindparam("field_id"),
        WeeklyShift.start_time <= clock,
        WeeklyShift.end_time > clock,
        *patterns.sql_conditions(WeeklyShift),  # weekday, validity, monthly, every other week
        not_(
            exists().where(
                WeeklyShiftSkip.weekly_shift_id == WeeklyShift.id, WeeklyShiftSkip.date == day
            )
        ),
        day_kind == DayOverrideKind.OPEN.value,
    )
    one_off = select(OneOffShift.counselor_id).where(
        OneOffShift.field_id == bindparam("field_id"),
        OneOffShift.date == day,
        OneOffShift.start_time <= clock,
        OneOffShift.end_time > clock,
    )
    return union_all(weekly, one_off)


class _Among(FunctionElement[bool]):
    """`column` is one of the values a subquery returns.

    `IN (subquery)` on SQLite; on PostgreSQL `= ANY(ARRAY(subquery))`, which runs the
    subquery once and reads the few counselors it names by primary key, where `IN` plans a
    semi-join that hashes the whole counselors table on every look-up.
    """

    type = Boolean()
    inherit_cache = True
    name = "among"
    _is_implicitly_boolean = True  # a condition already: no `= 1` where booleans are integers


@compiles(_Among)
def _among(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    column, subquery = element.clauses
    return f"{compiler.process(column, **kw)} IN {compiler.process(subquery, **kw)}"


@compiles(_Among, "postgresql")
def _among_postgresql(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    column, subquery = element.clauses
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(subquery, **kw)})"


@lru_cache(maxsize=4)
def _dial_order(free_only: bool, ids_only: bool = False) -> Select[Any]:
    """Build the parameterised select of on-call counselors (or their ids) in fair dial order."""
    at = bindparam("at", type_=UTCDateTime())
    conditions: list[ColumnElement[bool] | TextClause] = [
        _Among(Counselor.id, _shifts_now().scalar_subquery()),
        Counselor.active.is_(true()),
        not_(
            exists().where(
                Unavailability.counselor_id == Counselor.id,
                Unavailability.starts_at <= at,
                Unavailability.ends_at > at,
            )
        ),
        # A coordinator closed the field or the whole line now: nobody of it is on call.
        not_(exists().where(covering(bindparam("field_id"), at))),
    ]
    from ivr.reservations import FAIR_ORDER_SQL, FREE_SQL  # the line's one busy and fair rule

    if free_only:
        conditions.append(
            text(FREE_SQL).bindparams(
                bindparam("stale_before", type_=UTCDateTime()),
                bindparam("now", type_=UTCDateTime()),
            )
        )
    chosen = select(Counselor.id) if ids_only else select(Counselor)
    return chosen.where(*conditions).order_by(text(FAIR_ORDER_SQL))


def _values(field_id: int, at: datetime, tz: ZoneInfo) -> dict[str, object]:
    """Return the parameters of the dial-order select for a field at an instant."""
    _require_aware(at)
    local = at.astimezone(tz)
    day = local.date()
    closed = holiday_name(day) is not None
    return {
        **patterns.sql_values(day),
        "field_id": field_id,
        "clock": local.time().replace(tzinfo=None),
        "at": at,
        "usual_kind": (DayOverrideKind.CLOSED if closed else DayOverrideKind.OPEN).value,
    }


def on_call_statement(field_id: int, at: datetime, tz: ZoneInfo) -> Select[Counselor]:
    """Build the select of counselors on call for a field at an instant, in dial order."""
    return _dial_order(False).params(**_values(field_id, at, tz))


def on_call(session: Session, field_id: int, at: datetime, tz: ZoneInfo) -> list[Counselor]:
    """Return the counselors on call for a field at an instant, in fair dial order."""
    return list(session.scalars(_dial_order(False), _values(field_id, at, tz)))


def on_call_ids(session: Session, field_id: int, at: datetime, tz: ZoneInfo) -> list[int]:
    """Return the ids of `on_call`'s counselors, in the same order, without loading them."""
    return list(session.scalars(_dial_order(False, True), _values(field_id, at, tz)))


def free_on_call(
    session: Session,
    field_id: int,
    at: datetime,
    tz: ZoneInfo,
    busy_timeout: timedelta = DEFAULT_BUSY_TIMEOUT,
) -> list[Counselor]:
    """Return the on-call counselors neither talking nor being rung, in fair dial order."""
    values = _values(field_id, at, tz)
    values["stale_before"], values["now"] = at - busy_timeout, at
    return list(session.scalars(_dial_order(True), values))


@dataclass
class _Plan:
    """A field's roster over a date range, loaded in a handful of queries."""

    tz: ZoneInfo
    days: dict[date, bool]  # date -> weekly shifts run
    weekly: dict[int, list[Row[*tuple[Any, ...]]]]  # weekday -> weekly shifts, as plain rows
    skips: set[Row[int, date]]  # (weekly shift id, date)
    one_offs: dict[date, list[Row[*tuple[Any, ...]]]]
    away: dict[int, list[tuple[datetime, datetime]]]
    active: set[int]
    closed: list[tuple[datetime, datetime]]  # coordinators' closures of the field or line

    def normal_hours(self, day: date) -> list[tuple[time, time]]:
        """Return the hours the weekly roster covers on a date, before anyone is missing."""
        if not self.days[day]:
            return []
        return _merge((s.start_time, s.end_time) for s in self._weekly_on(day))

    def covered(self, day: date) -> list[tuple[time, time]]:
        """Return the hours somebody is actually on call on a date."""
        pieces: list[tuple[time, time]] = []
        shifts = [
            (s.counselor_id, s.start_time, s.end_time)
            for s in (self._weekly_on(day) if self.days[day] else ())
            if (s.id, day) not in self.skips
        ]
        shifts += [(s.counselor_id, s.start_time, s.end_time) for s in self.one_offs[day]]
        for counselor_id, start, end in shifts:
            if counselor_id in self.active:
                pieces += self._minus_away(counselor_id, day, start, end)
        return _merge(pieces)

    def _weekly_on(self, day: date) -> list[Row[*tuple[Any, ...]]]:
        """Return the weekly shifts that run on a date by their pattern and validity."""
        return [s for s in self.weekly.get(day.weekday(), ()) if patterns.runs_on(s, day)]

    def _minus_away(
        self, counselor_id: int, day: date, start: time, end: time
    ) -> list[tuple[time, time]]:
        """Cut a counselor's unavailability, and closures of the field, out of one shift."""
        pieces = [(datetime.combine(day, start, self.tz), datetime.combine(day, end, self.tz))]
        for away_start, away_end in [*self.away.get(counselor_id, ()), *self.closed]:
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


def _merge(pieces) -> list[tuple[time, time]]:
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
    # Plain rows, not entities: a long range over years of rosters means hundreds of shifts.
    weekly: dict[int, list[Row[*tuple[Any, ...]]]] = defaultdict(list)
    shift: Row[*tuple[Any, ...]]
    for shift in session.execute(
        select(
            WeeklyShift.id,
            WeeklyShift.counselor_id,
            WeeklyShift.weekday,
            WeeklyShift.start_time,
            WeeklyShift.end_time,
            WeeklyShift.valid_from,
            WeeklyShift.valid_until,
            WeeklyShift.month_week,
            WeeklyShift.interval_weeks,
            WeeklyShift.week_parity,
        ).where(
            WeeklyShift.field_id == field_id,
            or_(WeeklyShift.valid_from.is_(None), WeeklyShift.valid_from <= end),
            or_(WeeklyShift.valid_until.is_(None), WeeklyShift.valid_until >= start),
        )
    ):
        weekly[shift.weekday].append(shift)
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
    one_offs: dict[date, list[Row[*tuple[Any, ...]]]] = defaultdict(list)
    for shift in session.execute(
        select(
            OneOffShift.counselor_id,
            OneOffShift.date,
            OneOffShift.start_time,
            OneOffShift.end_time,
        ).where(
            OneOffShift.field_id == field_id, OneOffShift.date >= start, OneOffShift.date <= end
        )
    ):
        one_offs[shift.date].append(shift)
    counselor_ids = {s.counselor_id for shifts in weekly.values() for s in shifts} | {
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
    closed = [
        (row.starts_at, row.ends_at)
        for row in session.execute(
            select(LineClosure.starts_at, LineClosure.ends_at).where(
                LineClosure.ends_at > range_start,
                LineClosure.starts_at < range_end,
                or_(LineClosure.field_id.is_(None), LineClosure.field_id == field_id),
            )
        )
    ]
    return _Plan(tz, days, weekly, skips, one_offs, away, active, closed)


def next_session_start(
    session: Session, field_id: int, after: datetime, tz: ZoneInfo, horizon_days: int = 62
) -> datetime | None:
    """Return the first instant at or after `after` when somebody is on call for the field."""
    _require_aware(after)
    local = after.astimezone(tz)
    day = local.date()
    last = day + timedelta(days=horizon_days)
    # Look a week ahead first: the answer is nearly always there, and loading less is faster.
    window = NEXT_SESSION_FIRST_WINDOW
    while day <= last:
        window_end = min(day + window, last)
        plan = _load_plan(session, field_id, day, window_end, tz)
        while day <= window_end:
            for start, end in plan.covered(day):
                begins = datetime.combine(day, start, tz)
                ends = datetime.combine(day, end, tz)
                if ends > local:
                    return max(begins, local).astimezone(after.tzinfo)
            day += timedelta(days=1)
        window = timedelta(days=horizon_days)
    return None


def next_on_call(
    session: Session, field_id: int, after: datetime, tz: ZoneInfo, within: timedelta
) -> Counselor | None:
    """Return who takes the field's calls now or at its next session within `within`.

    The first in fair dial order of those on call at that instant; None when nobody is
    rostered for the field that soon.
    """
    start = next_session_start(session, field_id, after, tz, horizon_days=within.days + 1)
    if start is None or start - after > within:
        return None
    found = on_call(session, field_id, start, tz)
    return found[0] if found else None


def shift_end(session: Session, counselor_id: int, at: datetime, tz: ZoneInfo) -> datetime | None:
    """Return when the shift a counselor is on at an instant ends (the latest, if several)."""
    from schedules.occurrences import occurrences

    day = at.astimezone(tz).date()
    ends = [
        o.ends_at(tz)
        for o in occurrences(session, day, day, tz, counselor_id=counselor_id)
        if o.starts_at(tz) <= at < o.ends_at(tz)
    ]
    return max(ends) if ends else None


@dataclass(frozen=True)
class Gap:
    """A period within a field's normal hours when nobody is on call."""

    day: date
    start: time
    end: time
    whole_day: bool

    @property
    def minutes(self) -> int:
        """Return how long the gap lasts."""
        return _minutes(self.end) - _minutes(self.start)


def coverage_gaps(
    session: Session, field_id: int, start: date, end: date, tz: ZoneInfo
) -> list[Gap]:
    """Return the gaps in a field's coverage from start to end inclusive, in date order."""
    return coverage(session, field_id, start, end, tz)[1]


def coverage(
    session: Session, field_id: int, start: date, end: date, tz: ZoneInfo
) -> tuple[int, list[Gap]]:
    """Return a field's opening minutes (its normal hours) and its gaps, start to end."""
    plan = _load_plan(session, field_id, start, end, tz)
    gaps: list[Gap] = []
    minutes = 0
    day = start
    while day <= end:
        normal = plan.normal_hours(day)
        minutes += sum(_minutes(e) - _minutes(s) for s, e in normal)
        covered = plan.covered(day)
        missing = _subtract(normal, covered)
        # Whole day: nobody during the normal hours, whatever one-offs happen outside them.
        whole_day = bool(missing) and missing == normal
        gaps += [Gap(day, s, e, whole_day=whole_day) for s, e in missing]
        day += timedelta(days=1)
    return minutes, gaps


def _minutes(clock: time) -> int:
    """Return the minutes since midnight of a wall-clock time."""
    return clock.hour * 60 + clock.minute


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
    "coverage",
    "coverage_gaps",
    "free_on_call",
    "next_on_call",
    "next_session_start",
    "on_call",
    "on_call_ids",
    "on_call_statement",
    "shift_end",
]
