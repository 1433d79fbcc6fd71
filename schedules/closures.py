"""Closure days managed by coordinators: close a working day, open a holiday, undo either."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.models import DayOverride, DayOverrideKind, User
from schedules.calendar import holiday_name


def set_day(
    session: Session, day: date, closed: bool, reason: str | None, user: User | None
) -> DayOverride | None:
    """Close or open a date; an override that only restates the calendar is removed."""
    override = session.scalar(select(DayOverride).where(DayOverride.date == day))
    holiday = holiday_name(day) is not None
    if closed == holiday and not reason:
        if override is not None:
            session.delete(override)
            session.flush()
        return None
    if override is None:
        override = DayOverride(date=day)
        session.add(override)
    override.kind = DayOverrideKind.CLOSED if closed else DayOverrideKind.OPEN
    override.reason = reason or None
    override.created_by_id = user.id if user is not None else None
    session.flush()
    return override


def clear_day(session: Session, day: date) -> bool:
    """Remove a coordinator's decision about a date; return whether there was one."""
    override = session.scalar(select(DayOverride).where(DayOverride.date == day))
    if override is None:
        return False
    session.delete(override)
    session.flush()
    return True
