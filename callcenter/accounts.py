"""Back-office accounts: creation and password hashing (argon2)."""

from __future__ import annotations

import functools
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.models import Counselor, Role, User, utcnow
from callcenter.user_sessions import end_sessions

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user-facing reason an account cannot be created or changed."""


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Check a password against the stored hash."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """Return a hash of no one's password, made with the same cost as real ones."""
    return _hasher.hash(secrets.token_urlsafe(16))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active account with this email and password, else None, in the same time.

    An unknown email is checked against a dummy hash and a deactivated account's password
    is checked too, so the answer's delay does not tell which accounts exist.
    """
    email = email.strip().lower()
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    try:
        right = _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        right = False
    return user if right and user is not None and user.active else None


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to survive a guessing attack."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def create_user(
    session: Session,
    email: str,
    role: str,
    password: str,
    counselor: Counselor | None = None,
) -> User:
    """Create an account; a counselor account must be linked to a counselor. Does not commit."""
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError(f"{email!r} is not an email address")
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role {role!r}; use admin, coordinator or counselor")
    if role == Role.COUNSELOR and counselor is None:
        raise AccountError("a counselor account needs --counselor PHONE")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise AccountError(f"an account for {email} already exists")
    check_password_strength(password)
    user = User(
        email=email,
        role=role,
        password_hash=hash_password(password),
        counselor=counselor,
        active=True,
    )
    session.add(user)
    return user


def change_password(
    session: Session, user: User, current: str, new: str, now: datetime | None = None
) -> None:
    """Change one's own password, ending every session opened with the old one. No commit.

    The browser that changed it signs in afresh (`sessions.sign_in`): a copy of its old
    cookie ends with the rest.
    """
    if not verify_password(user, current):
        raise AccountError("the current password is not right")
    if current == new:
        raise AccountError("the new password must differ from the current one")
    check_password_strength(new)
    user.password_hash = hash_password(new)
    end_sessions(session, user.id, now or utcnow(), "password")


def reset_password(session: Session, user: User, now: datetime | None = None) -> str:
    """Give an account a new random password, shown once; its sessions end. No commit."""
    password = secrets.token_urlsafe(12)
    user.password_hash = hash_password(password)
    end_sessions(session, user.id, now or utcnow(), "reset")
    return password


def active_admins(session: Session) -> int:
    """Count the accounts that can still manage accounts."""
    return (
        session.scalar(select(func.count()).where(User.role == Role.ADMIN, User.active.is_(True)))
        or 0
    )


def update_account(
    session: Session,
    user: User,
    acting: User,
    role: str,
    active: bool,
    counselor: Counselor | None,
) -> None:
    """Change an account's role, state and counselor link. Does not commit."""
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role {role!r}")
    if role == Role.COUNSELOR and counselor is None:
        raise AccountError("a counselor account must be linked to a counselor")
    losing_admin = user.role == Role.ADMIN and user.active and (role != Role.ADMIN or not active)
    if losing_admin and user.id == acting.id:
        raise AccountError("you cannot take away your own admin access")
    if losing_admin and active_admins(session) <= 1:
        raise AccountError("the line needs at least one active admin")
    if user.active and not active:
        end_sessions(session, user.id, utcnow(), "deactivated")
    user.role, user.active, user.counselor = role, active, counselor
