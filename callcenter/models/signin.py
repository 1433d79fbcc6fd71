"""Signing in: the server-side sessions of the back office, failed attempts and their lock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, UTCDateTime, utcnow


class UserSession(Base):
    """One signed-in browser. The cookie holds a random token; this row holds its digest.

    Signing out, a password change or reset and deactivating the account end the row, and a
    cookie whose row has ended (or sat idle, or grown too old) signs nobody in.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # logout, password, reset, deactivated, idle, expired
    end_reason: Mapped[str | None] = mapped_column(String(16))
    ip_address: Mapped[str | None] = mapped_column(String(45))


class LoginAttempt(Base):
    """A failed sign-in, counted to slow down password guessing."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_digest: Mapped[str] = mapped_column(String(64), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class LoginLock(Base):
    """One row per account name tried: locked while an attempt at it is admitted or refused.

    Web workers take the row's lock before counting an account's failures and writing the
    attempt, so concurrent guesses are counted one after another instead of all at once.
    """

    __tablename__ = "login_locks"

    account_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
