"""Closing a field or the whole line now, until an instant, and why a field is closed.

A coordinator's closure takes everyone of the field off call (`schedules.oncall` reads the
table in its one on-call rule), so routing, the status page and the wallboard all see it.
`why_closed` is the one place that decides what a caller or a citizen is told about a field
nobody answers: a coordinator's closure first, then a closure day (a public holiday or a
date a coordinator closed), else nothing (simply outside the field's sessions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from callcenter.models import DayOverride, DayOverrideKind, LineClosure, User
from schedules.calendar import holiday_name, spoken_holiday

# The codes a coordinator chooses from; their names are `labels.LINE_CLOSURE_REASON`.
REASONS = ("emergency", "event", "maintenance", "weather")
NOTE_LENGTH = 200


def covering(field_id: Any, at: Any) -> ColumnElement[bool]:
    """Return the condition of a closure that holds for a field at an instant.

    Either may be a value or a bound parameter (the on-call statement binds both).
    """
    return and_(
        LineClosure.starts_at <= at,
        LineClosure.ends_at > at,
        or_(LineClosure.field_id.is_(None), LineClosure.field_id == field_id),
    )


def close(
    session: Session,
    field_id: int | None,
    until: datetime,
    reason: str,
    note: str | None,
    user: User | None,
    now: datetime,
) -> LineClosure:
    """Close a field (None: the whole line) from now until an instant. Does not commit."""
    if reason not in REASONS:
        raise ValueError(f"unknown closure reason {reason!r}")
    if until <= now:
        raise ValueError("a closure must end after it starts")
    closure = LineClosure(
        field_id=field_id,
        starts_at=now,
        ends_at=until,
        until=until,
        reason=reason,
        note=(note or "").strip() or None,
        created_by_id=user.id if user is not None else None,
        created_at=now,
    )
    session.add(closure)
    session.flush()
    return closure


def reopen(session: Session, closure: LineClosure, user: User | None, now: datetime) -> bool:
    """End a closure now; return False when it had already ended. Does not commit."""
    if not closure.active(now):
        return False
    if now <= closure.starts_at:  # reopened the instant it began: as if never closed
        session.delete(closure)
    else:
        closure.ends_at = now
        closure.reopened_at = now
        closure.reopened_by_id = user.id if user is not None else None
    session.flush()
    return True


def active_closure(session: Session, field_id: int, at: datetime) -> LineClosure | None:
    """Return the closure holding for a field at an instant (the one lasting longest)."""
    return session.scalar(
        select(LineClosure).where(covering(field_id, at)).order_by(LineClosure.ends_at.desc())
    )


def closures(session: Session, since: datetime, limit: int = 50) -> list[LineClosure]:
    """Return the closures still holding or ended after `since`, latest first."""
    return list(
        session.scalars(
            select(LineClosure)
            .where(LineClosure.ends_at > since)
            .order_by(LineClosure.starts_at.desc(), LineClosure.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class ClosedReason:
    """Why nobody answers a field: a coordinator's closure, a holiday, or a closure day."""

    kind: str  # closed_now, holiday, closure_day
    day: date
    reason: str | None = None  # closed_now: a code of REASONS
    note: str | None = None  # closed_now: the coordinator's words; closure_day: their reason
    until: datetime | None = None  # closed_now: when the closure ends
    whole_line: bool = False  # closed_now: every field, not only this one

    def holiday(self, language: str) -> str | None:
        """Return the holiday's name as callers say it, for a holiday."""
        return spoken_holiday(self.day, language) if self.kind == "holiday" else None


def why_closed(session: Session, field_id: int, at: datetime, tz: ZoneInfo) -> ClosedReason | None:
    """Return why a field is closed at an instant, or None when it is just outside its hours."""
    day = at.astimezone(tz).date()
    closure = active_closure(session, field_id, at)
    if closure is not None:
        return ClosedReason(
            "closed_now",
            day,
            reason=closure.reason,
            note=closure.note,
            until=closure.ends_at,
            whole_line=closure.field_id is None,
        )
    override = session.scalar(select(DayOverride).where(DayOverride.date == day))
    if override is not None and override.kind == DayOverrideKind.OPEN:
        return None
    if override is not None and override.reason:
        return ClosedReason("closure_day", day, note=override.reason)
    if holiday_name(day) is not None:
        return ClosedReason("holiday", day)
    if override is not None:
        return ClosedReason("closure_day", day)
    return None
