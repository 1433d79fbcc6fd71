"""Telephone traffic: calls and their legs, callbacks, voice messages, blocklist, outbox."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.crypto import keyring
from callcenter.models.base import Base, EncryptedText, UTCDateTime, utcnow
from callcenter.models.directory import Counselor, Field


class CallOutcome(enum.StrEnum):
    """How a call ended, from the line's point of view."""

    CONNECTED = "connected"
    CALLBACK_REQUESTED = "callback_requested"
    VOICE_MESSAGE = "voice_message"
    ABANDONED_MENU = "abandoned_menu"
    ABANDONED_QUEUE = "abandoned_queue"
    ABANDONED_RINGING = "abandoned_ringing"  # hung up while a counselor's phone rang
    CLOSED = "closed"
    BLOCKED = "blocked"
    ADMIN_DESK = "admin_desk"
    FAILED = "failed"

    @classmethod
    def abandoned(cls) -> tuple[CallOutcome, ...]:
        """Return the outcomes of calls the caller hung up on before talking to anyone."""
        return (cls.ABANDONED_MENU, cls.ABANDONED_QUEUE, cls.ABANDONED_RINGING)


class LegResult(enum.StrEnum):
    """What happened when the line rang one counselor."""

    RINGING = "ringing"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    DECLINED = "declined"  # answered but did not press 1 (e.g. personal voicemail)
    FAILED = "failed"
    CONNECTED = "connected"
    COMPLETED = "completed"
    CALLER_LEFT = "caller_left"  # the caller hung up before the counselor took the call


class Call(Base):
    """One incoming call to the line, keyed by Twilio's CallSid."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_started_at", "started_at"),
        Index("ix_calls_field_started", "field_id", "started_at"),
        # The longest-waiting caller of a field, found when a counselor comes free.
        Index("ix_calls_queue", "field_id", "queue_left_at", "queue_entered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str | None] = mapped_column(EncryptedText)  # personal data, E.164
    from_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    from_last4: Mapped[str | None] = mapped_column(String(4))
    language: Mapped[str] = mapped_column(String(8), default="ko")
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="in-progress")  # Twilio CallStatus
    outcome: Mapped[str | None] = mapped_column(String(24), index=True)
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queue_entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The caller hung up keeping their place for a callback (`ivr.kept_turn`): the entry
    # stays in the queue, with no live call, until its turn comes.
    kept_turn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    connected_counselor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counselors.id", ondelete="SET NULL"), index=True
    )
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    # Why the line ended the conversation itself: abuse (a counselor ended it) or time_limit.
    end_reason: Mapped[str | None] = mapped_column(String(16))
    # The recorded conversation (RECORDING_ENABLED): Twilio keeps the audio. The URL is personal
    # data, erased by retention, after which the recording is no longer played.
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    recording_url: Mapped[str | None] = mapped_column(EncryptedText)
    recording_seconds: Mapped[int | None] = mapped_column(Integer)
    # Played from the browser phone: left out of every figure, opens no draft consultation.
    practice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    field: Mapped[Field | None] = relationship()
    connected_counselor: Mapped[Counselor | None] = relationship()
    legs: Mapped[list[CallLeg]] = relationship(
        back_populates="call", order_by="CallLeg.position", cascade="all, delete-orphan"
    )

    def reached(self, step: str) -> bool:
        """Whether the call went through a step of the flow."""
        return any(entry.get("step") == step for entry in self.steps or ())


class CallLeg(Base):
    """One attempt to reach a counselor for a call."""

    __tablename__ = "call_legs"
    # Whichever request about a leg comes first records it; the others find it.
    __table_args__ = (UniqueConstraint("call_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    counselor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counselors.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    leg_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    result: Mapped[str] = mapped_column(String(16), default=LegResult.RINGING)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)

    call: Mapped[Call] = relationship(back_populates="legs")
    counselor: Mapped[Counselor | None] = relationship()


class CallbackStatus(enum.StrEnum):
    """Where a callback request stands."""

    PENDING = "pending"
    CLAIMED = "claimed"
    IN_QUEUE = "in_queue"  # kept a caller's place in the queue; rung when its turn comes
    DONE = "done"
    CANCELLED = "cancelled"


class CallbackRequest(Base):
    """A citizen's request to be called back, from the voice menu or the web."""

    __tablename__ = "callback_requests"
    __table_args__ = (Index("ix_callback_requests_status_field", "status", "field_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str | None] = mapped_column(String(16), unique=True)
    source: Mapped[str] = mapped_column(String(8), default="ivr")  # ivr or web
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id", ondelete="SET NULL"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    phone: Mapped[str | None] = mapped_column(EncryptedText)  # personal data, E.164
    phone_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    language: Mapped[str] = mapped_column(String(8), default="ko")
    preferred_date: Mapped[date | None] = mapped_column(Date)
    preferred_from: Mapped[time | None] = mapped_column(Time)
    preferred_until: Mapped[time | None] = mapped_column(Time)
    status: Mapped[str] = mapped_column(String(12), default=CallbackStatus.PENDING)
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("counselors.id", ondelete="SET NULL")
    )
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(16))  # reached, no_answer, wrong_number
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @classmethod
    def for_phone(cls, e164: str, **values: Any) -> CallbackRequest:
        """Build a request for a number, with its look-up digest and last four digits."""
        return cls(phone=e164, phone_digest=keyring.digest(e164), phone_last4=e164[-4:], **values)

    field: Mapped[Field | None] = relationship()
    claimed_by: Mapped[Counselor | None] = relationship()


class Voicemail(Base):
    """A voice message left by a caller when nobody could take the call."""

    __tablename__ = "voicemails"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id", ondelete="SET NULL"))
    recording_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    recording_url: Mapped[str | None] = mapped_column(EncryptedText)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="new", index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("counselors.id", ondelete="SET NULL")
    )
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When the coordinators were told it was still unhandled a working day later.
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    field: Mapped[Field | None] = relationship()
    call: Mapped[Call | None] = relationship()
    assigned_to: Mapped[Counselor | None] = relationship()


class BlockedNumber(Base):
    """A number whose calls are refused with a short message."""

    __tablename__ = "blocked_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    last4: Mapped[str | None] = mapped_column(String(4))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The number may call again from this instant; None blocks it until it is removed.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def active(self, now: datetime) -> bool:
        """Whether the entry still refuses the number's calls."""
        return self.expires_at is None or self.expires_at > now


class OutboxMessage(Base):
    """An outgoing SMS or call: recorded always, and the only trace of it in sandbox mode."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # sms, call, call_update
    to: Mapped[str | None] = mapped_column(EncryptedText)
    body: Mapped[str | None] = mapped_column(Text)
    sandbox: Mapped[bool] = mapped_column(default=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="recorded")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class PromptOverride(Base):
    """A coordinator's wording for one prompt of the voice menu, in one language."""

    __tablename__ = "prompt_overrides"
    __table_args__ = (UniqueConstraint("key", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
