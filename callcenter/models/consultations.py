"""The consultation log: what each citizen asked and what advice they got."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, EncryptedText, UTCDateTime, utcnow
from callcenter.models.calls import Call
from callcenter.models.directory import Counselor, Field


class Channel(enum.StrEnum):
    """How the citizen reached the counselor."""

    PHONE = "phone"
    VISIT = "visit"
    CALLBACK = "callback"


class ConsultationOutcome(enum.StrEnum):
    """What came of a consultation."""

    ADVICE = "advice"
    REFERRED = "referred"
    FOLLOW_UP = "follow_up"
    NONE = "none"


class TopicCategory(Base):
    """A topic within a field; subcategories point at their parent."""

    __tablename__ = "topic_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("topic_categories.id", ondelete="CASCADE")
    )
    name_ko: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Consultation(Base):
    """One consultation, by phone, visit or callback; a connected call starts one as a draft."""

    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_started_at", "started_at"),
        Index("ix_consultations_counselor_started", "counselor_id", "started_at"),
        Index("ix_consultations_field_started", "field_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    channel: Mapped[str] = mapped_column(String(12))
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id", ondelete="SET NULL"))
    counselor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counselors.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    citizen_name: Mapped[str | None] = mapped_column(EncryptedText)
    citizen_phone: Mapped[str | None] = mapped_column(EncryptedText)
    citizen_phone_last4: Mapped[str | None] = mapped_column(String(4))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("topic_categories.id", ondelete="SET NULL")
    )
    subcategory_id: Mapped[int | None] = mapped_column(
        ForeignKey("topic_categories.id", ondelete="SET NULL")
    )
    summary: Mapped[str | None] = mapped_column(EncryptedText)
    outcome: Mapped[str | None] = mapped_column(String(16))
    referred_to: Mapped[str | None] = mapped_column(String(32))
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    callback_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("callback_requests.id", ondelete="SET NULL")
    )
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    field: Mapped[Field | None] = relationship()
    counselor: Mapped[Counselor | None] = relationship()
    call: Mapped[Call | None] = relationship()
    category: Mapped[TopicCategory | None] = relationship(foreign_keys=[category_id])
    subcategory: Mapped[TopicCategory | None] = relationship(foreign_keys=[subcategory_id])

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy reads it once)
