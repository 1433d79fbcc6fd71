"""Booked appointments: slots cut from counselors' sessions, and citizens' bookings of them.

Two rules are kept by the database itself, so that every web worker agrees: a slot is held by
at most one booking (`appointments.holding_slot_id` is unique), and a citizen holds at most N
bookings per field per month (each booking takes a numbered seat, 1..N, unique per field, month
and phone digest). A cancelled booking gives both back by setting them to NULL.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.crypto import keyring
from callcenter.models.base import Base, EncryptedText, UTCDateTime, utcnow
from callcenter.models.directory import Counselor, Field


class AppointmentKind(enum.StrEnum):
    """How the citizen meets the counselor."""

    VISIT = "visit"
    PHONE = "phone"


class AppointmentStatus(enum.StrEnum):
    """Where a booking stands."""

    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class AppointmentPlan(Base):
    """How a field's sessions are cut into bookable slots: length, kind and place."""

    __tablename__ = "appointment_plans"

    field_id: Mapped[int] = mapped_column(
        ForeignKey("fields.id", ondelete="CASCADE"), primary_key=True
    )
    slot_minutes: Mapped[int] = mapped_column(SmallInteger, default=30)
    kind: Mapped[str] = mapped_column(String(8), default=AppointmentKind.VISIT)
    place: Mapped[str | None] = mapped_column(String(80))  # a room; phone slots use the line


class AppointmentSlot(Base):
    """A bookable part of one counselor's session, published by a coordinator."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        # Publishing the same sessions again adds nothing twice.
        UniqueConstraint("counselor_id", "starts_at"),
        Index("ix_appointment_slots_field_starts", "field_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="CASCADE"))
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    place: Mapped[str | None] = mapped_column(String(80))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    field: Mapped[Field] = relationship()
    counselor: Mapped[Counselor] = relationship()


class Appointment(Base):
    """One citizen's booking of a slot, found again by its number and the citizen's phone."""

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("field_id", "month", "phone_digest", "cap_seat"),
        Index("ix_appointments_slot", "slot_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id", ondelete="CASCADE"))
    # The slot while this booking holds it; NULL once cancelled (unique: one booking a slot).
    holding_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment_slots.id", ondelete="SET NULL"), unique=True
    )
    month: Mapped[date] = mapped_column(Date)  # first day of the slot's local month
    cap_seat: Mapped[int | None] = mapped_column(SmallInteger)  # 1..N while it counts
    status: Mapped[str] = mapped_column(String(12), default=AppointmentStatus.BOOKED, index=True)
    name: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)  # personal data, E.164
    phone_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    description: Mapped[str | None] = mapped_column(EncryptedText)
    language: Mapped[str] = mapped_column(String(8), default="ko")
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # attended or no-show
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moves: Mapped[int] = mapped_column(Integer, default=0)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="SET NULL")
    )

    field: Mapped[Field] = relationship()
    slot: Mapped[AppointmentSlot] = relationship(foreign_keys=[slot_id])

    def set_phone(self, e164: str) -> None:
        """Store the citizen's number with its look-up digest and last four digits."""
        self.phone, self.phone_digest, self.phone_last4 = e164, keyring.digest(e164), e164[-4:]
