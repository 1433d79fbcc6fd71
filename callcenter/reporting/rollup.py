"""Keep the daily report rollups current: new days, and days whose rows changed.

Run `flask reports rollup` every hour or night. It rolls up every local day before today
that is not rolled up yet, and rolls up again the days of consultations edited since its last
run and of recent calls (a caller's satisfaction score or a late status callback can still
change them). Deleted rows (a purge) keep their counts in the rollup: the figures the city
published do not shrink when personal data is removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.orm import Session

from callcenter.models import Consultation, ReportRollupState
from callcenter.models.calls import Call
from callcenter.reporting.sources import LIVE, Span, shape_columns
from callcenter.timezone import line_timezone

# Calls this recent may still change (status callbacks, the satisfaction question).
CALLS_SETTLE = timedelta(days=1)


def _state(session: Session, tz: ZoneInfo) -> ReportRollupState:
    state = session.scalar(select(ReportRollupState).order_by(ReportRollupState.id).limit(1))
    if state is None:
        state = ReportRollupState(time_zone=tz.key)
        session.add(state)
    if state.time_zone != tz.key:  # days are local days: another zone means other days
        state.time_zone, state.rolled_until, state.refreshed_at = tz.key, None, None
    return state


def roll_days(session: Session, first: date, last: date, tz: ZoneInfo) -> None:
    """Compute local days first..last (exclusive) into every rollup table. No commit."""
    dialect = session.get_bind().dialect.name
    span = Span.of_days(first, last, tz, dialect)
    for model, live in LIVE.items():
        table = model.__table__
        session.execute(delete(table).where(and_(table.c.day >= first, table.c.day < last)))
        session.execute(insert(table).from_select(shape_columns(model), live(span)))


def _ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Group dates into runs of consecutive days, as (first, last exclusive) pairs."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + timedelta(days=1))
        else:
            runs.append((day, day + timedelta(days=1)))
    return runs


def _local_day(value: object, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date()  # type: ignore[attr-defined]


def _first_day(session: Session, tz: ZoneInfo) -> date | None:
    """Return the local day of the oldest call or consultation."""
    oldest = [
        session.scalar(select(func.min(Call.started_at))),
        session.scalar(select(func.min(Consultation.started_at))),
    ]
    known = [_local_day(o, tz) for o in oldest if o is not None]
    return min(known) if known else None


def refresh(session: Session, now: datetime, tz: ZoneInfo) -> list[tuple[date, date]]:
    """Bring the rollups up to yesterday and redo changed days; return the ranges. No commit."""
    state = _state(session, tz)
    today = now.astimezone(tz).date()
    ranges: list[tuple[date, date]] = []
    if state.rolled_until is None:
        first = _first_day(session, tz)
        if first is not None and first < today:
            ranges.append((first, today))
    else:
        changed: set[date] = set()
        if state.refreshed_at is not None:
            changed |= {
                _local_day(at, tz)
                for at in session.scalars(
                    select(Consultation.started_at).where(
                        Consultation.updated_at > state.refreshed_at
                    )
                )
            }
            changed |= {
                _local_day(at, tz)
                for at in session.scalars(
                    select(Call.started_at).where(
                        Call.started_at >= state.refreshed_at - CALLS_SETTLE
                    )
                )
            }
        ranges += _ranges(d for d in changed if d < state.rolled_until)
        if state.rolled_until < today:
            ranges.append((state.rolled_until, today))
    for first, last in ranges:
        roll_days(session, first, last, tz)
    state.rolled_until = max(today, state.rolled_until or today)
    state.refreshed_at = now
    return ranges


def rollup_job(session: Session, now: datetime) -> dict[str, list[list[str]]]:
    """Run the rollup as a scheduled job; return what it rolled up. No commit."""
    ranges = refresh(session, now, line_timezone())
    return {"rolled_up": [[first.isoformat(), last.isoformat()] for first, last in ranges]}
