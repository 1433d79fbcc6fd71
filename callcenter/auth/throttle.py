"""Login rate limiting, kept in the database so every web worker sees the same count."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from callcenter.crypto import keyring
from callcenter.models import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


def _key(email: str) -> str:
    return keyring.digest("login:" + email.strip().lower())


def is_locked(session: Session, email: str, address: str | None, now: datetime) -> bool:
    """Whether recent failures for this account or address forbid another try."""
    since = now - WINDOW
    account_failures = session.scalar(
        select(func.count()).where(
            LoginAttempt.account_digest == _key(email), LoginAttempt.at >= since
        )
    )
    address_failures = session.scalar(
        select(func.count()).where(LoginAttempt.ip_address == address, LoginAttempt.at >= since)
    )
    return (account_failures or 0) >= MAX_FAILURES_PER_ACCOUNT or (
        address is not None and (address_failures or 0) >= MAX_FAILURES_PER_ADDRESS
    )


def record_failure(session: Session, email: str, address: str | None, now: datetime) -> None:
    """Count one failed login. Does not commit."""
    session.add(LoginAttempt(account_digest=_key(email), ip_address=address, at=now))


def clear(session: Session, email: str, now: datetime) -> None:
    """Forget an account's failures after a successful login, and expired ones. No commit."""
    session.execute(
        delete(LoginAttempt).where(
            or_(LoginAttempt.account_digest == _key(email), LoginAttempt.at < now - WINDOW)
        )
    )
