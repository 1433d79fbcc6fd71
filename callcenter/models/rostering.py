"""Roster self-service and scheduled jobs: swaps, calendar feeds, sent notices, job state."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, UTCDateTime, utcnow
from callcenter.models.directory import Counselor, Field, User


class SwapStatus(enum.StrEnum):
    """Where a swap request stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class ShiftSwap(Base):
    """A counselor's request to hand one shift occurrence to a colleague of the same field.

    `offered_*` is the requester's occurrence; `wanted_*`, when set, is the colleague's
    occurrence the requester takes in return (a true swap rather than a hand-over).
    Without a recipient the request is open: anyone serving the field may take it, and the
    first to accept becomes the recipient. Without a requester it is a coordinator's offer of
    hours nobody covers (a gap), open the same way.
    """

    __tablename__ = "shift_swaps"
    __table_args__ = (
        CheckConstraint("offered_end > offered_start", name="offered_ends_after_start"),
        Index("ix_shift_swaps_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="CASCADE"))
    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("counselors.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("counselors.id", ondelete="CASCADE"), index=True
    )
    offered_date: Mapped[date] = mapped_column(Date)
    offered_start: Mapped[time] = mapped_column(Time)
    offered_end: Mapped[time] = mapped_column(Time)
    wanted_date: Mapped[date | None] = mapped_column(Date)
    wanted_start: Mapped[time | None] = mapped_column(Time)
    wanted_end: Mapped[time | None] = mapped_column(Time)
    note: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default=SwapStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # nobody had taken it

    field: Mapped[Field] = relationship()
    requester: Mapped[Counselor | None] = relationship(foreign_keys=[requester_id])
    recipient: Mapped[Counselor | None] = relationship(foreign_keys=[recipient_id])

    @property
    def is_open(self) -> bool:
        """Whether anyone serving the field may still take it."""
        return self.recipient_id is None and self.status == SwapStatus.PENDING


class ShiftSwapTold(Base):
    """A counselor texted about an open request or offer, to be told again when it closes.

    Who is offered a shift depends on the roster at the time (or on a coordinator's choice of
    substitutes), so it is kept: when somebody takes the shift or it is withdrawn, exactly
    the counselors who were told hear that it is gone.
    """

    __tablename__ = "shift_swap_told"

    swap_id: Mapped[int] = mapped_column(
        ForeignKey("shift_swaps.id", ondelete="CASCADE"), primary_key=True
    )
    counselor_id: Mapped[int] = mapped_column(
        ForeignKey("counselors.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    told_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarFeed(Base):
    """A secret, revocable calendar subscription: one counselor's shifts or one field's roster."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        CheckConstraint(
            "(counselor_id IS NOT NULL) <> (field_id IS NOT NULL)", name="counselor_or_field"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only a digest of the token is stored: a database leak does not leak subscriptions.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    counselor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counselors.id", ondelete="CASCADE")
    )
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()
    counselor: Mapped[Counselor | None] = relationship()
    field: Mapped[Field | None] = relationship()


class ShiftNotice(Base):
    """A message sent about one shift occurrence, so that no job sends it twice."""

    __tablename__ = "shift_notices"
    __table_args__ = (UniqueConstraint("kind", "counselor_id", "field_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # reminder-1440, reminder-60, callbacks
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"))
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    outbox_id: Mapped[int | None] = mapped_column()


class JobRun(Base):
    """One run of a scheduled job: when, where, and what it did."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool | None] = mapped_column()
    runner: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class JobState(Base):
    """What a job remembers between runs (e.g. the gaps it last reported)."""

    __tablename__ = "job_states"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SchedulerLease(Base):
    """The lock that lets exactly one scheduler process run jobs (used where no advisory locks)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


# APScheduler's persistent job store, declared here so that the migration creates it and the
# model and migrations agree; the layout is APScheduler 3's SQLAlchemyJobStore table.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
