"""How a roster series recurs: every week, an ordinal weekday of the month, or every other week.

This is the one occurrence rule. `runs_on` answers it in Python (occurrences, coverage, next
session, calendars, reminders); `sql_conditions` with `sql_values` answers it in the on-call
statement, from values computed here, so the database never does date arithmetic of its own
and SQLite and PostgreSQL agree with Python. Skips and closure days are applied by the callers
on top of it, as for every series.

A series has a weekday (Monday 0) and:
- `month_week`: 0 every week, 1 to 5 the n-th such weekday of the month, -1 the last one;
- `interval_weeks`: 1, or 2 for every other week, running in the weeks whose parity
  (`week_parity`) is that of its first date (`valid_from`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Date, bindparam, literal, or_

EVERY_WEEK = 0
LAST = -1
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_KO = ("월", "화", "수", "목", "금", "토", "일")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS_KO = {1: "첫째", 2: "둘째", 3: "셋째", 4: "넷째", 5: "다섯째", LAST: "마지막"}
ORDINALS_EN = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", LAST: "last"}
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Recurring(Protocol):
    """Anything with a weekday and a pattern (a series, a roster CSV row)."""

    weekday: Any
    month_week: Any
    interval_weeks: Any


class Series(Recurring, Protocol):
    """What the rule reads from a weekly shift (an entity or a plain row)."""

    week_parity: int
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True)
class Pattern:
    """A recurrence on one weekday."""

    weekday: int
    month_week: int = EVERY_WEEK
    interval_weeks: int = 1

    @property
    def every_other_week(self) -> bool:
        """Whether it runs every second week."""
        return self.interval_weeks == 2

    @property
    def code(self) -> str:
        """Return how the roster CSV writes it: `mon`, `2mon`, `lastfri`, `mon/2`."""
        day = WEEKDAY_CODES[self.weekday]
        if self.month_week == LAST:
            return f"last{day}"
        if self.month_week:
            return f"{self.month_week}{day}"
        return f"{day}/2" if self.every_other_week else day


def pattern_of(shift: Recurring) -> Pattern:
    """Return the pattern of a weekly shift."""
    return Pattern(shift.weekday, shift.month_week, shift.interval_weeks)


def week_index(day: date) -> int:
    """Return the number of the week (Monday to Sunday) a date falls in."""
    return (day.toordinal() - 1) // 7  # date(1, 1, 1) was a Monday


def week_parity(day: date) -> int:
    """Return which of two alternating weeks a date falls in."""
    return week_index(day) % 2


def month_week(day: date) -> int:
    """Return which occurrence of its weekday in the month a date is (1 to 5)."""
    return (day.day - 1) // 7 + 1


def is_last_of_month(day: date) -> bool:
    """Whether no later date of the month falls on the same weekday."""
    return day.day + 7 > calendar.monthrange(day.year, day.month)[1]


def matches(pattern: Pattern, parity: int, day: date) -> bool:
    """Whether a pattern (with its week parity) falls on a date, validity aside."""
    if day.weekday() != pattern.weekday:
        return False
    if pattern.month_week == LAST:
        return is_last_of_month(day)
    if pattern.month_week:
        return month_week(day) == pattern.month_week
    return not pattern.every_other_week or week_parity(day) == parity


def runs_on(shift: Series, day: date) -> bool:
    """Whether a weekly shift has an occurrence on a date (before skips and closures)."""
    return (
        (shift.valid_from is None or shift.valid_from <= day)
        and (shift.valid_until is None or shift.valid_until >= day)
        and matches(pattern_of(shift), shift.week_parity, day)
    )


def dates(shift: Series, start: date, end: date) -> list[date]:
    """Return the dates from start to end inclusive on which a weekly shift runs."""
    day = start + timedelta(days=(shift.weekday - start.weekday()) % 7)
    found = []
    while day <= end:
        if runs_on(shift, day):
            found.append(day)
        day += timedelta(days=7)
    return found


def sql_conditions(columns: Any) -> list[ColumnElement[bool]]:
    """Return the rule as SQL conditions on weekly_shifts for the bound date :day.

    `columns` is the WeeklyShift entity (or a table's columns); the values of the bound
    parameters come from `sql_values`.
    """
    day = bindparam("day", type_=Date())
    return [
        columns.weekday == bindparam("weekday"),
        or_(columns.valid_from.is_(None), columns.valid_from <= day),
        or_(columns.valid_until.is_(None), columns.valid_until >= day),
        columns.month_week.in_(
            [literal(EVERY_WEEK), bindparam("month_week"), bindparam("last_week")]
        ),
        or_(columns.interval_weeks == 1, columns.week_parity == bindparam("week_parity")),
    ]


def sql_values(day: date) -> dict[str, object]:
    """Return the values that `sql_conditions` binds for a date."""
    return {
        "day": day,
        "weekday": day.weekday(),
        "month_week": month_week(day),
        # Not the last: a value no series has, so the condition falls to the others.
        "last_week": LAST if is_last_of_month(day) else EVERY_WEEK,
        "week_parity": week_parity(day),
    }


def could_share_a_day(a: Pattern, a_parity: int, b: Pattern, b_parity: int) -> bool:
    """Whether two patterns on the same weekday ever fall on the same date."""
    if a.weekday != b.weekday:
        return False
    if a.month_week and b.month_week:
        if LAST in (a.month_week, b.month_week):
            # The last weekday of a month is its 4th or its 5th.
            other = b.month_week if a.month_week == LAST else a.month_week
            return other in (LAST, 4, 5)
        return a.month_week == b.month_week
    if a.every_other_week and b.every_other_week:
        return a_parity == b_parity
    return True  # every week, or a monthly date in one of the weeks of the other


def rrule(pattern: Pattern) -> dict[str, object]:
    """Return the iCalendar RRULE of a pattern (UNTIL left to the caller)."""
    day = RRULE_DAYS[pattern.weekday]
    if pattern.month_week:
        return {"FREQ": "MONTHLY", "BYDAY": f"{pattern.month_week}{day}"}
    rule: dict[str, object] = {"FREQ": "WEEKLY", "BYDAY": day}
    if pattern.every_other_week:
        rule["INTERVAL"] = 2
    return rule


# Ordinals a coordinator may write: 2mon, 2nd mon, 둘째 월, 둘째주 월요일, 마지막 금...
_ORDINAL_WORDS = {
    **{str(n): n for n in range(1, 6)},
    **{suffix: n for n, suffix in ((1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (5, "5th"))},
    "first": 1,
    "last": LAST,
    **{word: n for n, word in ORDINALS_KO.items()},
    "첫번째": 1,
    "두번째": 2,
    "세번째": 3,
    "네번째": 4,
    "다섯번째": 5,
}
_WEEKDAY_WORDS = {
    **{code: i for i, code in enumerate(WEEKDAY_CODES)},
    **{name.lower(): i for i, name in enumerate(WEEKDAYS_EN)},
    **{name: i for i, name in enumerate(WEEKDAYS_KO)},
    **{name + "요일": i for i, name in enumerate(WEEKDAYS_KO)},
}
_EVERY_OTHER = re.compile(r"^(?:(\w+)\s*/\s*2|격주\s*(\w+))$")


def parse_pattern(text: str) -> Pattern | None:
    """Read a weekday pattern as the roster CSV writes it; None if it is not one."""
    key = " ".join(text.strip().lower().split())
    if key in _WEEKDAY_WORDS:
        return Pattern(_WEEKDAY_WORDS[key])
    other = _EVERY_OTHER.match(key)
    if other:
        weekday = _WEEKDAY_WORDS.get(other[1] or other[2])
        return None if weekday is None else Pattern(weekday, interval_weeks=2)
    key = key.removeprefix("매월").strip()
    for word in sorted(_ORDINAL_WORDS, key=len, reverse=True):
        if key.startswith(word):
            rest = key[len(word) :].strip().removeprefix("주").strip()
            if rest in _WEEKDAY_WORDS:
                return Pattern(_WEEKDAY_WORDS[rest], _ORDINAL_WORDS[word])
    return None


def describe(weekday: int, month_weeks: list[int], every_other: bool, language: str) -> str:
    """Say in people's words when a weekday recurs: 매월 둘째·넷째 월요일, 격주 월요일."""
    weeks = sorted(set(month_weeks), key=lambda n: 9 if n == LAST else n)
    if language == "en":
        name = WEEKDAYS_EN[weekday]
        if weeks:
            ordinals = " and ".join(ORDINALS_EN[n] for n in weeks)
            return f"{ordinals} {name} of the month"
        return f"every other {name}" if every_other else f"every {name}"
    name = WEEKDAYS_KO[weekday] + "요일"
    if weeks:
        return f"매월 {'·'.join(ORDINALS_KO[n] for n in weeks)} {name}"
    return f"격주 {name}" if every_other else f"매주 {name}"
