"""Local calendar parts of stored UTC instants, as SQL that runs on SQLite and PostgreSQL.

Instants are stored as naive UTC. To group by the line's local month, day, hour or weekday the
database shifts them by the zone's UTC offset. The offset is constant over most periods (Korea
has had no daylight saving since 1988); where a zone changes offset inside a period the shift
becomes a CASE over the transitions, so the figures stay right in any zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, cast, func, literal_column
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression


def _offset_segments(tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """Return (segment start, offset minutes) pairs covering start..end, found hour by hour."""
    step = timedelta(hours=1)
    segments: list[tuple[datetime, int]] = []
    at = start.astimezone(UTC)
    current = None
    while at <= end:
        offset = int(at.astimezone(tz).utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
        if offset != current:
            segments.append((at, offset))
            current = offset
        # Offsets change on the hour; whole days are enough away from a change.
        at += timedelta(days=1) if _same_offset_for_a_day(tz, at) else step
    return segments


def _same_offset_for_a_day(tz: ZoneInfo, at: datetime) -> bool:
    """Whether the zone keeps the same offset for the next 24 hours."""
    return at.astimezone(tz).utcoffset() == (at + timedelta(days=1)).astimezone(tz).utcoffset()


def _shift(column: SQLColumnExpression, minutes: int, dialect: str) -> ColumnElement:
    """Add a number of minutes to a stored timestamp."""
    if dialect == "sqlite":
        return func.datetime(column, f"{minutes:+d} minutes")
    return column + literal_column(f"interval '{minutes} minutes'")


def local_timestamp(
    column: SQLColumnExpression, tz: ZoneInfo, start: datetime, end: datetime, dialect: str
) -> ColumnElement:
    """Return the column as local wall-clock time, valid for instants from start to end."""
    segments = _offset_segments(tz, start, end)
    if len(segments) == 1:
        return _shift(column, segments[0][1], dialect)
    whens = [
        (column < boundary, _shift(column, previous, dialect))
        for (boundary, _), (_, previous) in zip(segments[1:], segments, strict=False)
    ]
    return case(*whens, else_=_shift(column, segments[-1][1], dialect))


def month_key(local: ColumnElement, dialect: str) -> ColumnElement:
    """Return the month of a local timestamp ('YYYY-MM' text, or a timestamp: see `key`)."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m", local)
    # date_trunc is several times cheaper than to_char over a year of rows.
    return func.date_trunc("month", local)


def day_key(local: ColumnElement, dialect: str) -> ColumnElement:
    """Return the day of a local timestamp ('YYYY-MM-DD' text, or a timestamp: see `key`)."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m-%d", local)
    return func.date_trunc("day", local)


def key(value: str | datetime, unit: str) -> str:
    """Return the 'YYYY-MM' or 'YYYY-MM-DD' key of a bucket value the database returned."""
    if isinstance(value, str):
        return value
    return value.strftime("%Y-%m" if unit == "month" else "%Y-%m-%d")


def hour_of(local: ColumnElement, dialect: str) -> ColumnElement:
    """Return the hour 0-23 of a local timestamp."""
    if dialect == "sqlite":
        return cast(func.strftime("%H", local), Integer)
    return cast(func.extract("hour", local), Integer)


def weekday_of(local: ColumnElement, dialect: str) -> ColumnElement:
    """Return the weekday of a local timestamp, Monday 0 as in date.weekday()."""
    if dialect == "sqlite":
        return (cast(func.strftime("%w", local), Integer) + 6) % 7
    return cast(func.extract("isodow", local), Integer) - 1


def seconds_between(
    earlier: SQLColumnExpression, later: SQLColumnExpression, dialect: str
) -> ColumnElement:
    """Return the whole seconds from one stored timestamp to another."""
    if dialect == "sqlite":
        seconds = (func.julianday(later) - func.julianday(earlier)) * 86400.0
    else:
        seconds = func.extract("epoch", later - earlier)
    # julianday() carries float noise: 30 s can come back as 29.9999996.
    return cast(func.round(seconds), Integer)
