"""Server-side sessions of the back office: opened at sign-in, ended on purpose or by time.

The signed cookie only carries a random token; a row in `user_sessions` says whether it still
signs anyone in. Signing out ends the row, so a copy of the cookie taken before is worthless;
a password change or reset and deactivation end every row of the account; a session unused
for SESSION_IDLE_MINUTES, or older than SESSION_LIFETIME_HOURS, ends by itself.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from callcenter.models import User, UserSession

# last_seen_at is written at most this often: the idle timeout counts in minutes.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(dbs: Session, user: User, now: datetime, address: str | None) -> str:
    """Record a new session of the account and return its token, for the cookie. No commit."""
    # Rows of this account nobody can use any more are forgotten as new ones come in.
    dbs.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            UserSession.last_seen_at < now - timedelta(days=1) - lifetime(),
        )
    )
    token = secrets.token_urlsafe(32)
    dbs.add(
        UserSession(
            token_digest=_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip_address=address,
        )
    )
    return token


def end_session(dbs: Session, token: str, now: datetime, reason: str) -> None:
    """End the session a token names. No commit."""
    dbs.execute(
        update(UserSession)
        .where(UserSession.token_digest == _digest(token), UserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def end_sessions(dbs: Session, user_id: int, now: datetime, reason: str) -> None:
    """End every open session of an account (password changed or reset, deactivated). No commit."""
    dbs.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def idle_timeout() -> timedelta:
    """Return how long a session may go unused."""
    return timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))


def lifetime() -> timedelta:
    """Return how long a session may last at most."""
    return timedelta(hours=int(current_app.config["SESSION_LIFETIME_HOURS"]))


def live_session(dbs: Session, token: str, now: datetime) -> UserSession | None:
    """Return the open session a token names; end it if it sat idle or grew too old. No commit."""
    row = dbs.scalar(select(UserSession).where(UserSession.token_digest == _digest(token)))
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > idle_timeout():
        row.ended_at, row.end_reason = now, "idle"
        return None
    if now - row.created_at > lifetime():
        row.ended_at, row.end_reason = now, "expired"
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row
