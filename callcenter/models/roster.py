"""Rosters: weekly and one-off shifts, unavailability, and days closed or opened by hand."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, UTCDateTime, utcnow
from callcenter.models.directory import Counselor, Field


class WeeklyShift(Base):
    """A recurring shift: local wall-clock hours on one weekday, within a validity range.

    It runs every week, on an ordinal weekday of the month, or every other week.
    """

    __tablename__ = "weekly_shifts"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("month_week >= -1 AND month_week <= 5", name="month_week_range"),
        CheckConstraint("interval_weeks IN (1, 2)", name="interval_weeks_range"),
        CheckConstraint("week_parity IN (0, 1)", name="week_parity_range"),
        # Monthly or every other week, not both; every other week counts from its first date.
        CheckConstraint(
            "interval_weeks = 1 OR (month_week = 0 AND valid_from IS NOT NULL)",
            name="every_other_week_from_a_date",
        ),
        # A slot may come back in a later validity range, never twice from the same day.
        UniqueConstraint(
            "counselor_id",
            "field_id",
            "weekday",
            "start_time",
            "end_time",
            "valid_from",
            "month_week",
            "interval_weeks",
            "week_parity",
            name="uq_weekly_shifts_slot_pattern_valid_from",
        ),
        # Covers the on-call look-up: answered from the index, whatever the roster's history.
        Index(
            "ix_weekly_shifts_on_call",
            "field_id",
            "weekday",
            "start_time",
            "end_time",
            "valid_from",
            "valid_until",
            "counselor_id",
            "id",
            "month_week",
            "interval_weeks",
            "week_parity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"))
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # Monday is 0, as in date.weekday()
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)  # inclusive
    # The pattern (see schedules/patterns.py): 0 every week, 1-5 the n-th weekday of the
    # month, -1 the last; every other week in the weeks of valid_from's parity.
    month_week: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    interval_weeks: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    week_parity: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    counselor: Mapped[Counselor] = relationship()
    field: Mapped[Field] = relationship()


class WeeklyShiftSkip(Base):
    """One occurrence of a weekly shift that does not take place (moved or cancelled)."""

    __tablename__ = "weekly_shift_skips"
    __table_args__ = (UniqueConstraint("weekly_shift_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    weekly_shift_id: Mapped[int] = mapped_column(ForeignKey("weekly_shifts.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str | None] = mapped_column(String(200))

    weekly_shift: Mapped[WeeklyShift] = relationship()


class OneOffShift(Base):
    """A shift on one date; it counts even on a closure day, since someone planned it."""

    __tablename__ = "one_off_shifts"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        UniqueConstraint("counselor_id", "field_id", "date", "start_time", "end_time"),
        Index("ix_one_off_shifts_lookup", "field_id", "date", "start_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"))
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    counselor: Mapped[Counselor] = relationship()
    field: Mapped[Field] = relationship()


class Unavailability(Base):
    """A period a counselor cannot take calls, whatever their shifts say."""

    __tablename__ = "unavailabilities"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_unavailabilities_counselor_period", "counselor_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)  # exclusive
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    counselor: Mapped[Counselor] = relationship()


class DayOverrideKind(enum.StrEnum):
    """Whether a coordinator closed a working day or opened a closure day."""

    CLOSED = "closed"
    OPEN = "open"


class DayOverride(Base):
    """A coordinator's decision about one date, taking precedence over the holiday calendar."""

    __tablename__ = "day_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LineClosure(Base):
    """A coordinator closing one field, or the whole line, from now until an instant.

    While it lasts nobody of that field is on call (`schedules.oncall`): callers hear the
    reason and when the field opens again. Reopening early ends it at that instant.
    """

    __tablename__ = "line_closures"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_line_closures_ends_at", "ends_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int | None] = mapped_column(  # None: every field of the line
        ForeignKey("fields.id", ondelete="CASCADE")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)  # exclusive; moved up on reopening
    until: Mapped[datetime] = mapped_column(UTCDateTime)  # the end the coordinator set
    reason: Mapped[str] = mapped_column(String(16))  # a code of labels.LINE_CLOSURE_REASON
    note: Mapped[str | None] = mapped_column(String(200))  # said to callers after the reason
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    field: Mapped[Field | None] = relationship()

    def active(self, at: datetime) -> bool:
        """Whether the closure holds at an instant."""
        return self.starts_at <= at < self.ends_at
