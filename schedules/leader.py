"""The lock that makes exactly one scheduler process run jobs against a database.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the life of the
process; it vanishes with the connection if the process dies. Other databases (SQLite): a
lease row in `scheduler_leases` that the holder renews; another process may take it over only
after it has expired, or once the holder released it on a clean shutdown.

Leases are measured in real seconds between processes, so they read the wall clock
(`utcnow`), never the app's clock that tests freeze.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from callcenter.models import SchedulerLease, utcnow

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
# Any fixed 64-bit number, unique to this application's scheduler.
ADVISORY_KEY = 0x43_43_53_43_48_45_44  # "CCSCHED"


def holder_name() -> str:
    """Identify this process in the lock and in job runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LeaderLock:
    """Acquire, keep and release the scheduler lock."""

    def __init__(self, engine: Engine, lease: timedelta, holder: str | None = None) -> None:
        self.engine = engine
        self.lease = lease
        self.holder = holder or holder_name()
        self.held = False
        self._valid_until = datetime.min.replace(tzinfo=UTC)
        self._connection: Connection | None = None

    @property
    def advisory(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self, now: datetime | None = None) -> bool:
        """Try once to become the scheduler; return whether this process now holds the lock."""
        now = now or utcnow()
        self.held = self._acquire_advisory() if self.advisory else self._acquire_lease(now)
        if self.held:
            self._valid_until = now + self.lease
        return self.held

    def renew(self, now: datetime | None = None) -> bool:
        """Keep the lock; return False when it was lost (then stop running jobs)."""
        if not self.held:
            return False
        now = now or utcnow()
        try:
            if self.advisory:
                assert self._connection is not None
                self._connection.execute(text("SELECT 1"))
                return True
            with self.engine.begin() as conn:
                renewed = conn.execute(
                    update(SchedulerLease)
                    .where(SchedulerLease.name == LOCK_NAME, SchedulerLease.holder == self.holder)
                    .values(expires_at=now + self.lease)
                ).rowcount
            self.held = bool(renewed)
            if self.held:
                self._valid_until = now + self.lease
        except OperationalError:
            log.exception("could not renew the scheduler lock")
            if self.advisory:
                # The connection that held the lock is gone, and the lock with it.
                self._drop_connection()
                self.held = False
            else:
                # A busy SQLite file: keep going while our lease cannot have expired yet.
                self.held = now < self._valid_until - self.lease / 3
        return self.held

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OperationalError):
                self._connection.close()
            self._connection = None

    def release(self) -> None:
        """Give the lock up so that a standby process can take over at once."""
        try:
            if self.advisory and self._connection is not None:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
                )
                self._connection.close()
                self._connection = None
            elif not self.advisory and self.held:
                with self.engine.begin() as conn:
                    conn.execute(
                        delete(SchedulerLease).where(
                            SchedulerLease.name == LOCK_NAME,
                            SchedulerLease.holder == self.holder,
                        )
                    )
        except OperationalError:
            log.exception("could not release the scheduler lock")
        self.held = False

    def _acquire_advisory(self) -> bool:
        if self._connection is None:
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
        ).scalar()
        if not got:
            self._connection.close()
            self._connection = None
        return bool(got)

    def _acquire_lease(self, now: datetime | None) -> bool:
        now = now or utcnow()
        try:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    update(SchedulerLease)
                    .where(
                        SchedulerLease.name == LOCK_NAME,
                        (SchedulerLease.holder == self.holder) | (SchedulerLease.expires_at < now),
                    )
                    .values(holder=self.holder, acquired_at=now, expires_at=now + self.lease)
                ).rowcount
                if taken:
                    return True
                if conn.execute(
                    select(SchedulerLease.name).where(SchedulerLease.name == LOCK_NAME)
                ).first():
                    return False
                conn.execute(
                    insert(SchedulerLease).values(
                        name=LOCK_NAME,
                        holder=self.holder,
                        acquired_at=now,
                        expires_at=now + self.lease,
                    )
                )
                return True
        except (IntegrityError, OperationalError):
            # Another process inserted the row first, or held the write lock: not ours.
            return False

    def current_holder(self) -> str | None:
        """Return who holds the lease (lease databases only; None with advisory locks)."""
        if self.advisory:
            return None
        with self.engine.connect() as conn:
            return conn.execute(
                select(SchedulerLease.holder).where(
                    SchedulerLease.name == LOCK_NAME, SchedulerLease.expires_at >= utcnow()
                )
            ).scalar()
