"""The consultation log: what each citizen asked and what advice they got."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, EncryptedText, UTCDateTime, utcnow
from callcenter.models.calls import Call
from callcenter.models.directory import Counselor, Field


class Channel(enum.StrEnum):
    """How the citizen reached the counselor."""

    PHONE = "phone"
    VISIT = "visit"
    CALLBACK = "callback"
    APPOINTMENT_VISIT = "appt_visit"  # a booked visit
    APPOINTMENT_PHONE = "appt_phone"  # a booked phone appointment


class ConsultationOutcome(enum.StrEnum):
    """What came of a consultation."""

    ADVICE = "advice"
    REFERRED = "referred"
    FOLLOW_UP = "follow_up"
    NONE = "none"


class Referral(enum.StrEnum):
    """Where a citizen was referred."""

    LEGAL_AID = "legal_aid"  # 대한법률구조공단
    LABOR_OFFICE = "labor_office"  # 고용노동부 지방고용노동청
    TAX_OFFICE = "tax_office"  # 세무서
    COURT = "court"
    OTHER = "other"


class ConsultationStatus(enum.StrEnum):
    """A draft waits for its counselor; a completed consultation counts in reports."""

    DRAFT = "draft"
    COMPLETED = "completed"


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

    def name(self, language: str) -> str:
        """Return the topic's name in the given language."""
        return self.name_en if language == "en" else self.name_ko


class Consultation(Base):
    """One consultation, by phone, visit or callback; a connected call starts one as a draft."""

    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_started_at", "started_at"),
        Index("ix_consultations_category_started", "category_id", "started_at"),
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
    # Keyed digest of the E.164 number: finds a citizen's earlier consultations.
    citizen_phone_digest: Mapped[str | None] = mapped_column(String(64), index=True)
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
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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


class ConsultationTerm(Base):
    """One keyed word digest of a consultation's summary: full-text search without plain text.

    Summaries are encrypted, so the database cannot search them. Each word (and its stem with
    the Korean particle removed) is stored as a 64-bit HMAC digest; a search looks the query's
    words up the same way. The digests reveal which consultations share a word, not the word.
    """

    __tablename__ = "consultation_terms"
    __table_args__ = (Index("ix_consultation_terms_consultation_id", "consultation_id"),)

    term: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True
    )


# Lists show each counselor's (or field's) consultations newest first: with started_at
# descending in the index, sorting by counselor or field reads only the rows of one page.
Index(
    "ix_consultations_counselor_started",
    Consultation.counselor_id,
    Consultation.started_at.desc(),
)
Index("ix_consultations_field_started", Consultation.field_id, Consultation.started_at.desc())
