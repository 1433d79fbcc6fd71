"""Report periods: a local calendar month (by day) or year (by month)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """Local dates from `start` (inclusive) to `end` (exclusive), reported by day or month."""

    start: date
    end: date
    unit: str  # "day" or "month"

    @classmethod
    def year(cls, year: int) -> Period:
        """Return a calendar year, reported month by month."""
        return cls(date(year, 1, 1), date(year + 1, 1, 1), "month")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """Return a calendar month, reported day by day."""
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return cls(date(year, month, 1), following, "day")

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Return the period as instants: local midnight at start and end."""
        return datetime.combine(self.start, time.min, tz), datetime.combine(self.end, time.min, tz)

    def buckets(self) -> list[str]:
        """Return every bucket key of the period, in order (empty ones included)."""
        if self.unit == "month":
            keys, cursor = [], self.start
            while cursor < self.end:
                keys.append(cursor.strftime("%Y-%m"))
                cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
            return keys
        return [
            date.fromordinal(n).isoformat()
            for n in range(self.start.toordinal(), self.end.toordinal())
        ]

    @property
    def kind(self) -> str:
        """Return "year" for a year's report (by month) or "month" for a month's (by day)."""
        return "year" if self.unit == "month" else "month"

    @property
    def label(self) -> str:
        """Return how the period is written: 2027 or 2027-03."""
        return str(self.start.year) if self.unit == "month" else self.start.strftime("%Y-%m")
