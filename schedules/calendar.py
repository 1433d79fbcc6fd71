"""Closure days: Korean public holidays plus the days coordinators close or open by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.models import DayOverride, DayOverrideKind


@lru_cache(maxsize=64)
def _korean_holidays(year: int, language: str) -> dict[date, str]:
    """Return South Korea's public holidays of a year, substitute and election days included."""
    calendar = holidays.country_holidays("KR", years=year, language=language)
    return dict(calendar.items())


def holiday_name(day: date, language: str = "ko") -> str | None:
    """Return the public holiday's name on that day, or None."""
    return _korean_holidays(day.year, "ko" if language == "ko" else "en_US").get(day)


@dataclass(frozen=True)
class DayStatus:
    """Whether the line runs its weekly roster on a date, and why not."""

    day: date
    closed: bool
    reason: str | None  # holiday name, a coordinator's reason, or None
    overridden: bool


def closure_days(
    session: Session, start: date, end: date, language: str = "ko"
) -> dict[date, DayStatus]:
    """Return the status of every date from start to end inclusive."""
    overrides = {
        o.date: o
        for o in session.scalars(
            select(DayOverride).where(DayOverride.date >= start, DayOverride.date <= end)
        )
    }
    result: dict[date, DayStatus] = {}
    day = start
    while day <= end:
        result[day] = _status(day, overrides.get(day), language)
        day += timedelta(days=1)
    return result


def day_status(session: Session, day: date, language: str = "ko") -> DayStatus:
    """Return whether the weekly roster runs on one date."""
    override = session.scalar(select(DayOverride).where(DayOverride.date == day))
    return _status(day, override, language)


def is_closed(session: Session, day: date) -> bool:
    """Whether weekly shifts are suspended on that date."""
    return day_status(session, day).closed


def _status(day: date, override: DayOverride | None, language: str) -> DayStatus:
    """Combine the holiday calendar with a coordinator's override."""
    holiday = holiday_name(day, language)
    if override is not None:
        closed = override.kind == DayOverrideKind.CLOSED
        return DayStatus(day, closed, override.reason or holiday, overridden=True)
    return DayStatus(day, holiday is not None, holiday, overridden=False)


def is_working_day(status: DayStatus) -> bool:
    """Whether a date is a working day: a weekday the line is not closed on."""
    return status.day.weekday() < 5 and not status.closed


def one_working_day_after(session: Session, at: datetime, tz: ZoneInfo) -> datetime:
    """Return the same wall-clock time on the next working day after an instant.

    Weekends and closure days (public holidays, days a coordinator closed) are skipped: a
    message left on Friday evening before Chuseok is due on the Friday evening after it.
    """
    local = at.astimezone(tz)
    first = local.date() + timedelta(days=1)
    days = closure_days(session, first, first + timedelta(days=31))
    due = next((d for d, status in sorted(days.items()) if is_working_day(status)), None)
    day = due or first + timedelta(days=32)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tz).astimezone(at.tzinfo)
