"""Closure days: Korean public holidays plus the days coordinators close or open by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

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
