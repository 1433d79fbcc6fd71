"""Who the line serves and who serves it: fields, counselors, back-office users."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import Select

from callcenter.models.base import Base, UTCDateTime, utcnow

counselor_fields = Table(
    "counselor_fields",
    Base.metadata,
    Column("counselor_id", ForeignKey("counselors.id", ondelete="CASCADE"), primary_key=True),
    Column("field_id", ForeignKey("fields.id", ondelete="CASCADE"), primary_key=True),
)


class Field(Base):
    """A field of advice the line offers, with its keypad digit in the voice menu."""

    __tablename__ = "fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    digit: Mapped[str] = mapped_column(String(1), unique=True)
    name_ko: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name(self, language: str) -> str:
        """Return the field's name in the given language."""
        return self.name_en if language == "en" else self.name_ko

    @staticmethod
    def menu() -> Select[Field]:
        """Select the active fields in menu order."""
        return select(Field).where(Field.active.is_(True)).order_by(Field.position, Field.digit)

    def __repr__(self) -> str:
        return f"<Field {self.code}>"


class Counselor(Base):
    """A volunteer expert who takes routed calls on their own phone."""

    __tablename__ = "counselors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Fair dialing: the counselor whose last connected call is oldest rings first.
    last_connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while a call leg to this counselor is bridged; cleared by its status callback.
    busy_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    busy_call_sid: Mapped[str | None] = mapped_column(String(64))
    # A ring reserves its counselor for one call until the leg ends or the reservation
    # expires (see ivr.reservations): the call and the position of its leg.
    reserved_call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    reserved_position: Mapped[int | None] = mapped_column(Integer)
    reserved_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Rings in a row not answered; after IVR_PAUSE_AFTER_MISSED the line stops ringing them
    # until `paused_until` (the end of that shift) or until they resume (see ivr.unanswered).
    missed_rings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    fields: Mapped[list[Field]] = relationship(secondary=counselor_fields, order_by=Field.position)

    def __repr__(self) -> str:
        return f"<Counselor {self.id} {self.name}>"


class Role(enum.StrEnum):
    """What a back-office user may do."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    COUNSELOR = "counselor"


# The one definition of "coordinator": admins hold every staff right a coordinator holds
# (rosters, every consultation, revealing numbers, exports); only account management and the
# audit log are theirs alone.
COORDINATOR_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})


class User(UserMixin, Base):
    """A back-office account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    counselor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counselors.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    counselor: Mapped[Counselor | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def is_coordinator(self) -> bool:
        """Whether this user has a coordinator's rights (admins have them too)."""
        return self.role in COORDINATOR_ROLES

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
