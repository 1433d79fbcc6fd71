"""Counselors' numbers checked: a coordinator's test call, which the counselor confirms."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, UTCDateTime, utcnow
from callcenter.models.directory import Counselor


class CheckResult(enum.StrEnum):
    """What became of a test call to a counselor's number."""

    CALLING = "calling"
    CONFIRMED = "confirmed"  # answered and pressed 1
    NOT_CONFIRMED = "not_confirmed"  # answered (or a voicemail did) without pressing 1
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"  # the number could not be reached at all

    @classmethod
    def final(cls) -> tuple[CheckResult, ...]:
        """Return the results a check ends with."""
        return tuple(r for r in cls if r != cls.CALLING)


class NumberCheck(Base):
    """One test call to a counselor's number, placed from the back office."""

    __tablename__ = "number_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(
        ForeignKey("counselors.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    phone: Mapped[str] = mapped_column(String(20))  # the number called, E.164
    call_sid: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16), default=CheckResult.CALLING)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    counselor: Mapped[Counselor] = relationship()
