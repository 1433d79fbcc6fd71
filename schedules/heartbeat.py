"""The scheduler's signs of life, read from the database by any process.

The scheduler itself writes them: the leader lock it holds (`schedules.leader`) and a row in
`job_runs` for every job it runs (the `release_stale` job runs every two minutes). Health
checks, metrics and preflight read them here without talking to the scheduler process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from callcenter.models import JobRun, SchedulerLease
from schedules.leader import ADVISORY_KEY, LOCK_NAME

# How PostgreSQL shows a bigint advisory lock key in pg_locks.
_ADVISORY_HELD_SQL = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = :high AND objid = :low AND objsubid = 1 AND database = ("
    "SELECT oid FROM pg_database WHERE datname = current_database())"
)


@dataclass(frozen=True)
class Heartbeat:
    """Whether a scheduler holds the lock, and when it last started a job."""

    lock_held: bool
    holder: str | None  # host:pid on SQLite; PostgreSQL's advisory lock names nobody
    last_run_at: datetime | None
    last_run_ok: bool | None

    def age_seconds(self, now: datetime) -> int | None:
        """Return how long ago the last job run started, in whole seconds."""
        if self.last_run_at is None:
            return None
        return max(int((now - self.last_run_at).total_seconds()), 0)


def lock_held(session: Session, now: datetime) -> tuple[bool, str | None]:
    """Return whether some scheduler process holds the leader lock now, and who."""
    if session.get_bind().dialect.name == "postgresql":
        held = session.execute(
            _ADVISORY_HELD_SQL, {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFFFFFF}
        ).scalar()
        return bool(held), None
    holder = session.scalar(
        select(SchedulerLease.holder).where(
            SchedulerLease.name == LOCK_NAME, SchedulerLease.expires_at >= now
        )
    )
    return holder is not None, holder


def heartbeat(session: Session, now: datetime) -> Heartbeat:
    """Read the scheduler's lock and its latest job run."""
    held, holder = lock_held(session, now)
    last = session.execute(
        select(JobRun.started_at, JobRun.ok).order_by(JobRun.id.desc()).limit(1)
    ).first()
    return Heartbeat(held, holder, last[0] if last else None, last[1] if last else None)
