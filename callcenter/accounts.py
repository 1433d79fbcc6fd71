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
        right: bool = _hasher.verify(user.password_hash if user else _dummy_hash(), password)
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
    if counselor is not None:
        _refuse_linked_counselor(session, counselor, None)
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


def _refuse_linked_counselor(session: Session, counselor: Counselor, user_id: int | None) -> None:
    """Refuse a counselor whose consultations another account already reads."""
    holder = session.scalar(
        select(User.id).where(User.counselor_id == counselor.id, User.id != (user_id or 0))
    )
    if holder is not None:
        raise AccountError("this counselor is already linked to another account")


def link_counselor(session: Session, user: User, counselor: Counselor | None, acting: User) -> bool:
    """Link an account to the counselor it acts for (None: unlink); return whether it changed.

    The linked account reads the counselor's consultations and callbacks, so only an admin
    links, and never a counselor another account is linked to. No commit.
    """
    wanted = counselor.id if counselor is not None else None
    if user.counselor_id == wanted:
        return False
    if acting.role != Role.ADMIN:
        raise AccountError("only an admin links accounts to counselors")
    if counselor is not None:
        _refuse_linked_counselor(session, counselor, user.id)
    user.counselor = counselor
    session.flush()
    return True


def link_account_to_counselor(
    session: Session, counselor: Counselor, account: User | None, acting: User
) -> list[tuple[User, int | None]]:
    """Make `account` the counselor's sign-in account (None: none), from the counselor's side.

    An account linked to another counselor is taken: it must be unlinked from its own page
    first. Returns each changed account with the counselor it was linked to. No commit.
    """
    if account is not None and account.role != Role.COUNSELOR:
        raise AccountError("the linked account must be a counselor account")
    if account is not None and account.counselor_id not in (None, counselor.id):
        raise AccountError("this account is linked to another counselor")
    changed: list[tuple[User, int | None]] = []
    for current in session.scalars(select(User).where(User.counselor_id == counselor.id)):
        if current is not account and link_counselor(session, current, None, acting):
            changed.append((current, counselor.id))
    session.flush()
    if account is not None and link_counselor(session, account, counselor, acting):
        changed.append((account, None))
    return changed


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
    link_counselor(session, user, counselor, acting)
    user.role, user.active = role, active
