"""Traces of the public pages' forms, counted to stop abuse from any web worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, UTCDateTime, utcnow


class PublicAttempt(Base):
    """One submission of a public form: booking or cancelling a callback ticket.

    Holds no phone number, only its keyed digest, and the submitting address; rows older
    than a day are deleted as new ones come in.
    """

    __tablename__ = "public_attempts"
    __table_args__ = (
        Index("ix_public_attempts_action_address", "action", "ip_address", "at"),
        Index("ix_public_attempts_action_phone", "action", "phone_digest", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # book, cancel_failed
    phone_digest: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
