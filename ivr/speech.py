"""Dates, times and phone numbers as a voice says them, in Korean and English."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from callcenter.phones import national

KO_WEEKDAYS = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _ko_clock(hour: int, minute: int) -> str:
    """Say a wall-clock time the Korean way: 오전 10시, 오후 2시 30분, 낮 12시."""
    if hour == 0:
        part, spoken = "밤", 12
    elif hour < 12:
        part, spoken = "오전", hour
    elif hour == 12:
        part, spoken = "낮", 12
    else:
        part, spoken = "오후", hour - 12
    minutes = f" {minute}분" if minute else ""
    return f"{part} {spoken}시{minutes}"


def _en_clock(hour: int, minute: int) -> str:
    """Say a wall-clock time the English way: 10 AM, 2:30 PM."""
    suffix = "AM" if hour < 12 else "PM"
    spoken = hour % 12 or 12
    return f"{spoken}:{minute:02d} {suffix}" if minute else f"{spoken} {suffix}"


def spoken_when(at: datetime, now: datetime, tz: ZoneInfo, language: str = "ko") -> str:
    """Say when something starts, relative to now: "내일 3월 2일 화요일 오후 2시"."""
    local, today = at.astimezone(tz), now.astimezone(tz).date()
    day = local.date()
    if language == "en":
        date_part = f"{EN_WEEKDAYS[day.weekday()]}, {EN_MONTHS[day.month - 1]} {day.day}"
        clock_part = _en_clock(local.hour, local.minute)
        if day == today:
            return f"today at {clock_part}"
        if day == today + timedelta(days=1):
            return f"tomorrow, {date_part}, at {clock_part}"
        return f"on {date_part}, at {clock_part}"
    date_part = f"{day.month}월 {day.day}일 {KO_WEEKDAYS[day.weekday()]}"
    clock_part = _ko_clock(local.hour, local.minute)
    if day == today:
        return f"오늘 {clock_part}"
    if day == today + timedelta(days=1):
        return f"내일 {date_part} {clock_part}"
    return f"{date_part} {clock_part}"


def spoken_number(e164: str) -> str:
    """Say a phone number digit by digit, grouped as Koreans write it."""
    groups = national(e164).replace(" ", "-").split("-")
    return ", ".join(" ".join(group) for group in groups if group)


def spoken_minutes(seconds: int) -> int:
    """Round a wait up to whole minutes, at least one."""
    return max(1, -(-int(seconds) // 60))
