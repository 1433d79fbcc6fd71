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


# The two festivals callers name as one holiday however many days it lasts.
_FESTIVALS = {"설날": "Seollal", "추석": "Chuseok"}
_SUBSTITUTE = ("대체 휴일", "Alternative holiday for ")


def spoken_holiday(day: date, language: str = "ko") -> str | None:
    """Return the holiday as callers name it: 추석 연휴, 한글날 대체공휴일, 선거일; or None.

    The calendar's own names are a register's ("설날 전날", "한글날 대체 휴일", "국회의원
    선거일"); the line says the holiday people plan around.
    """
    name = holiday_name(day, "ko")
    if name is None:
        return None
    english = language == "en"
    substitute = name.endswith(_SUBSTITUTE[0])
    for festival, roman in _FESTIVALS.items():
        if festival in name:
            if english and substitute:
                return f"the substitute holiday for {roman}"
            if english:
                return f"the {roman} holidays"
            return f"{festival} 대체공휴일" if substitute else f"{festival} 연휴"
    if "선거" in name:
        return "Election Day" if english else "선거일"
    if name.startswith("신정"):
        return "New Year's Day" if english else "새해 첫날"
    if not english:
        return name.replace(" " + _SUBSTITUTE[0], " 대체공휴일")
    english_name = holiday_name(day, "en") or name
    return english_name.replace(_SUBSTITUTE[1], "the substitute holiday for ")


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
