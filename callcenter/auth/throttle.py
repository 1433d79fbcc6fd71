"""Slowing down password guessing, in the database so every web worker counts the same.

A sign-in attempt is counted as a failure from the moment it is admitted until its password
proves right. Failures slow down the pair that made them, one address guessing at one account:
a few tries are free, then each waits twice as long as the one before. Nobody else is locked
out: another address starts with its own free tries. When an account draws many failures from
everywhere at once, every address gets only one free try at it, then the waits begin, which
slows a guesser with many addresses without refusing the owner's first try. An address failing
at many accounts (password spraying) waits until its failures age out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from callcenter.crypto import keyring
from callcenter.models import LoginAttempt, LoginLock

FREE_TRIES = 3  # failures of one address at one account before the waits begin
FIRST_WAIT = timedelta(seconds=5)
LONGEST_WAIT = timedelta(minutes=15)
PAIR_MEMORY = timedelta(hours=24)  # how long a pair's failures keep counting
WINDOW = timedelta(minutes=15)
ACCOUNT_CEILING = 20  # failures at one account within WINDOW, from all addresses together
MAX_FAILURES_PER_ADDRESS = 30  # failures of one address within WINDOW, at all accounts


@dataclass(frozen=True)
class Attempt:
    """The verdict on one sign-in attempt: go ahead (counted as a failure so far), or wait."""

    wait: timedelta
    attempt_id: int | None = None

    @property
    def refused(self) -> bool:
        return self.wait > timedelta(0)


def account_key(email: str) -> str:
    """Return the keyed digest that names an account in the throttle (never the address)."""
    return keyring.digest("login:" + email.strip().lower())


def pair_wait(failures: int, free_tries: int) -> timedelta:
    """Return how long after its latest failure a pair waits before its next try."""
    if failures < free_tries:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** (failures - free_tries), LONGEST_WAIT)


def _lock(session: Session, key: str, now: datetime) -> None:
    """Take the account's lock row, creating it on the first try; held until commit."""
    touch = update(LoginLock).where(LoginLock.account_digest == key).values(touched_at=now)
    if cast(CursorResult[Any], session.execute(touch)).rowcount:
        return
    try:
        with session.begin_nested():
            session.add(LoginLock(account_digest=key, touched_at=now))
    except IntegrityError:  # another worker created it a moment ago: wait for its lock
        session.execute(touch)


def _address_is(address: str | None) -> ColumnElement[bool]:
    if address is None:
        return LoginAttempt.ip_address.is_(None)
    return LoginAttempt.ip_address == address


def admit(session: Session, email: str, address: str | None, now: datetime) -> Attempt:
    """Decide on a sign-in attempt and, when admitted, count it as a failure. No commit.

    The caller commits at once, which releases the account's lock, and reports a right
    password with `succeeded`.
    """
    key = account_key(email)
    _lock(session, key, now)
    if address is not None:
        by_address = session.execute(
            select(func.count(), func.min(LoginAttempt.at)).where(
                LoginAttempt.ip_address == address, LoginAttempt.at >= now - WINDOW
            )
        ).one()
        if by_address[0] >= MAX_FAILURES_PER_ADDRESS:
            return Attempt(by_address[1] + WINDOW - now)
    at_account = session.scalar(
        select(func.count()).where(
            LoginAttempt.account_digest == key, LoginAttempt.at >= now - WINDOW
        )
    )
    free_tries = FREE_TRIES if (at_account or 0) < ACCOUNT_CEILING else 1
    failures, latest = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.account_digest == key,
            _address_is(address),
            LoginAttempt.at >= now - PAIR_MEMORY,
        )
    ).one()
    if latest is not None:
        wait = latest + pair_wait(failures, free_tries) - now
        if wait > timedelta(0):
            return Attempt(wait)
    attempt = LoginAttempt(account_digest=key, ip_address=address, at=now)
    session.add(attempt)
    session.flush()
    return Attempt(timedelta(0), attempt.id)


def succeeded(session: Session, email: str, address: str | None, now: datetime) -> None:
    """Forget the pair's failures after a right password, and what no rule reads. No commit."""
    key = account_key(email)
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.account_digest == key, _address_is(address))
    )
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - PAIR_MEMORY))
    session.execute(
        delete(LoginLock).where(
            LoginLock.touched_at < now - PAIR_MEMORY, LoginLock.account_digest != key
        )
    )


def wait_text_seconds(wait: timedelta) -> int:
    """Return a wait in whole seconds, rounded up, for the message and Retry-After."""
    return max(1, math.ceil(wait.total_seconds()))
