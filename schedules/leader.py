"""The lock that makes exactly one scheduler process run jobs against a database.

Who may lead: on PostgreSQL, a session-level advisory lock held on a dedicated connection; it
vanishes with the connection if the process dies or the connection is cut. On other
databases (SQLite), a lease that the holder renews; another process may take it only after
it expired, or once the holder released it on a clean shutdown.

Who leads now: the `scheduler_leases` row, on every database. A new leader writes its name
and the instant it took over into the row (the fencing token), and every job checks the row
before it starts. On PostgreSQL the job keeps the row locked (FOR KEY SHARE) until it
commits, and a new leader replaces the row with a DELETE, which waits for those jobs: no job
of the old leader can run once the new one has taken over, and none still runs when it starts.
On SQLite a job renews the lease first, so nobody can take over while it runs.

Leases are measured in real seconds between processes, so they read the wall clock, never
the app's clock that tests freeze.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from callcenter.models import SchedulerLease, utcnow

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
# Any fixed 64-bit number, unique to this application's scheduler.
ADVISORY_KEY = 0x43_43_53_43_48_45_44  # "CCSCHED"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's error when lock_timeout ran out


def holder_name() -> str:
    """Identify this process in the lock and in job runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Timing:
    """How often the scheduler processes look at the lock, all derived from two settings.

    A standby tries every third of `poll`; after taking a lock that its holder did not
    release it waits another third before running anything, while a leader checks its
    lock every tenth of `poll` (PostgreSQL). So the old leader has noticed and stopped its
    scheduler before the new one starts, and the new one runs within `poll` of the loss
    (two thirds, and the last third for starting).
    """

    poll: float
    lease: timedelta

    @property
    def attempt_every(self) -> float:
        """Seconds between a standby's attempts to take the lock."""
        return self.poll / 3

    @property
    def grace(self) -> float:
        """Seconds a new leader waits after a takeover, well over a leader's check."""
        return self.poll / 3

    def check_every(self, advisory: bool) -> float:
        """Seconds between a leader's checks that it still holds its lock."""
        if advisory:
            return self.poll / 10
        # A lease is renewed three times per lease, and dropped a third before it expires.
        return max(self.lease.total_seconds() / 3, 0.2)


class LeaderLock:
    """Acquire, keep, check and release the scheduler lock."""

    def __init__(
        self,
        engine: Engine,
        lease: timedelta,
        holder: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.holder = holder or holder_name()
        self.clock = clock
        self.held = False
        # The leader that held the lock before us and did not release it, if any.
        self.takeover_from: str | None = None
        self._token: datetime | None = None  # our acquired_at in the lease row
        self._valid_until = datetime.min.replace(tzinfo=UTC)
        self._written_at = self._valid_until  # when we last wrote our lease row
        self._connection: Connection | None = None

    @property
    def advisory(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self, now: datetime | None = None) -> bool:
        """Try once to take the lock; return whether this process now holds it.

        On PostgreSQL, `claim` must follow before any job runs (after the grace when
        `takeover_from` is set); on a lease the lease is the claim.
        """
        now = now or self.clock()
        self.takeover_from = None
        self.held = self._acquire_advisory() if self.advisory else self._acquire_lease(now)
        if self.held:
            self._valid_until = now + self.lease
        return self.held

    def claim(self, now: datetime | None = None, wait: float = 5.0) -> bool:
        """Write this process into the lease row once every job of the old leader is done.

        Returns False when one still ran after `wait` seconds (try again: the lock stays
        ours). A no-op on lease databases, where `acquire` wrote the row.
        """
        if not self.advisory:
            return self.held
        now = now or self.clock()
        assert self._connection is not None, "claim follows a successful acquire"
        conn = self._connection  # fails with the lock if its connection was cut
        try:
            conn.execute(text(f"SET lock_timeout = {max(int(wait * 1000), 1)}"))
            # A DELETE waits for the FOR KEY SHARE of the old leader's running jobs; from
            # then on they find no row of theirs and do not start.
            conn.execute(delete(SchedulerLease).where(SchedulerLease.name == LOCK_NAME))
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            conn.rollback()
            log.warning("a job of the previous scheduler is still running; waiting for it")
            return False
        conn.execute(
            insert(SchedulerLease).values(
                name=LOCK_NAME, holder=self.holder, acquired_at=now, expires_at=now + self.lease
            )
        )
        self._token, self._written_at, self._valid_until = now, now, now + self.lease
        return True

    def renew(self, now: datetime | None = None) -> bool:
        """Check that the lock is still ours and keep it; False when lost (stop running jobs)."""
        if not self.held:
            return False
        now = now or self.clock()
        try:
            if self.advisory:
                # Checked often, written a few times per lease (the jobs page shows it).
                assert self._connection is not None
                write = now - self._written_at >= self.lease / 3
                self.held = self._renew_row(self._connection, now, write)
            else:
                with self.engine.begin() as conn:
                    self.held = self._renew_row(conn, now)
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

    def fence(self, session: Session, now: datetime | None = None) -> bool:
        """Check, as a job starts, that this process still leads; False means do not run.

        On PostgreSQL the check runs in the job's own transaction and keeps the lease row
        locked until the job commits or rolls back, so a new leader waits for the job.
        """
        if not self.held or self._token is None:
            return False
        if not self.advisory:
            return self.renew(now)
        found = session.execute(
            select(SchedulerLease.name)
            .where(*self._ours())
            .with_for_update(read=True, key_share=True)
        ).first()
        if found is None:
            self.held = False
        return self.held

    def release(self) -> None:
        """Give the lock up so that a standby process can take over at once."""
        try:
            if self.advisory and self._connection is not None:
                if self._token is not None:
                    self._connection.execute(delete(SchedulerLease).where(*self._ours()))
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
                )
                self._drop_connection()
            elif not self.advisory and self.held and self._token is not None:
                with self.engine.begin() as conn:
                    conn.execute(delete(SchedulerLease).where(*self._ours()))
        except OperationalError:
            log.exception("could not release the scheduler lock")
            self._drop_connection()
        self.held, self._token = False, None

    def _ours(self) -> tuple:
        return (
            SchedulerLease.name == LOCK_NAME,
            SchedulerLease.holder == self.holder,
            SchedulerLease.acquired_at == self._token,
        )

    def _renew_row(self, conn: Connection, now: datetime, write: bool = True) -> bool:
        """Extend our lease row (or only look at it); return whether it is still ours."""
        if self._token is None:
            return False
        if not write:
            found = conn.execute(select(SchedulerLease.name).where(*self._ours())).first()
            return found is not None
        renewed = conn.execute(
            update(SchedulerLease).where(*self._ours()).values(expires_at=now + self.lease)
        ).rowcount
        if renewed:
            self._written_at = now
        return bool(renewed)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OperationalError):
                self._connection.close()
            self._connection = None

    def _acquire_advisory(self) -> bool:
        if self._connection is None:
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
        ).scalar()
        if not got:
            self._drop_connection()
            return False
        # A row left behind means its leader did not release the lock: it died, or lost its
        # connection and may not have noticed yet.
        self.takeover_from = self._connection.execute(
            select(SchedulerLease.holder).where(SchedulerLease.name == LOCK_NAME)
        ).scalar()
        return True

    def _acquire_lease(self, now: datetime) -> bool:
        mine = (SchedulerLease.holder == self.holder) | (SchedulerLease.expires_at < now)
        try:
            with self.engine.begin() as conn:
                previous = conn.execute(
                    select(SchedulerLease.holder, SchedulerLease.expires_at).where(
                        SchedulerLease.name == LOCK_NAME
                    )
                ).first()
                taken = conn.execute(
                    update(SchedulerLease)
                    .where(SchedulerLease.name == LOCK_NAME, mine)
                    .values(holder=self.holder, acquired_at=now, expires_at=now + self.lease)
                ).rowcount
                if not taken and previous is not None:
                    return False
                if not taken:
                    conn.execute(
                        insert(SchedulerLease).values(
                            name=LOCK_NAME,
                            holder=self.holder,
                            acquired_at=now,
                            expires_at=now + self.lease,
                        )
                    )
        except (IntegrityError, OperationalError):
            # Another process inserted the row first, or held the write lock: not ours.
            return False
        if previous is not None and previous.holder != self.holder:
            self.takeover_from = previous.holder
        self._token, self._written_at = now, now
        return True

    def current_holder(self) -> str | None:
        """Return who holds the lock, as its lease row says."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(SchedulerLease.holder).where(
                    SchedulerLease.name == LOCK_NAME, SchedulerLease.expires_at >= self.clock()
                )
            ).scalar()
