"""The scheduler process: `flask --app wsgi scheduler run`.

APScheduler 3 runs in this one process with its job store in the application database (the
`apscheduler_jobs` table, created by the migrations). Before it starts, the process takes the
leader lock (`schedules.leader`); a second process against the same database waits on standby
and never runs a job while the first holds the lock. Web workers never start a scheduler.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from callcenter import clock
from callcenter.extensions import db
from callcenter.models import JobRun, apscheduler_jobs
from callcenter.reporting.rollup import rollup_job
from callcenter.timezone import line_timezone
from schedules import jobs, retention
from schedules.leader import LeaderLock, holder_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: its id, what it does and when."""

    id: str
    label: str  # Korean message id
    when: str  # Korean message id describing the schedule
    func: Callable[[Session, datetime], dict[str, Any]]
    trigger: Callable[[Any], BaseTrigger]  # time zone -> trigger


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        "shift_reminders",
        "근무 알림 문자",
        "5분마다",
        jobs.send_shift_reminders,
        lambda tz: IntervalTrigger(minutes=5, timezone=tz),
    ),
    JobSpec(
        "pending_callbacks",
        "근무 시작 시 대기 콜백 안내",
        "5분마다",
        jobs.announce_pending_callbacks,
        lambda tz: IntervalTrigger(minutes=5, timezone=tz),
    ),
    JobSpec(
        "coverage_gaps",
        "근무 공백 알림 (14일)",
        "매일 08:00",
        jobs.alert_coverage_gaps,
        lambda tz: CronTrigger(hour=8, minute=0, timezone=tz),
    ),
    JobSpec(
        "release_stale",
        "멈춘 통화·통화 중 표시 정리",
        "10분마다",
        jobs.release_stale,
        lambda tz: IntervalTrigger(minutes=10, timezone=tz),
    ),
    JobSpec(
        "retention",
        "보존 기간 지난 개인정보 파기",
        "매일 03:30",
        retention.purge_personal_data,
        lambda tz: CronTrigger(hour=3, minute=30, timezone=tz),
    ),
    JobSpec(
        "report_rollup",
        "보고서 일별 집계",
        "매시 15분",
        rollup_job,
        lambda tz: CronTrigger(minute=15, timezone=tz),
    ),
)
JOBS_BY_ID = {spec.id: spec for spec in JOBS}

# The app the running scheduler works for; set by `run_scheduler` in the scheduler process.
_app: Flask | None = None


class MigratedJobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store over the table the migrations created."""

    def start(self, scheduler, alias):  # type: ignore[no-untyped-def]
        BaseJobStore.start(self, scheduler, alias)  # the table exists: do not create it


def run_job(job_id: str, now: datetime | None = None) -> dict[str, Any]:
    """Run one job in the app's context, record the run and commit (the job's unit of work)."""
    app = _app or current_app._get_current_object()  # type: ignore[attr-defined]
    spec = JOBS_BY_ID[job_id]
    with app.app_context():
        now = now or clock.now()
        run = JobRun(job_id=job_id, started_at=now, runner=holder_name())
        try:
            detail = spec.func(db.session, now)
        except Exception as exc:
            db.session.rollback()
            log.exception("scheduled job %s failed", job_id)
            run.ok, run.error, run.finished_at = False, repr(exc)[:2000], clock.now()
            db.session.add(run)
            db.session.commit()
            raise
        run.ok, run.detail, run.finished_at = True, detail, clock.now()
        db.session.add(run)
        db.session.commit()
        log.info("scheduled job %s done: %s", job_id, detail)
        return detail


def build_scheduler(app: Flask) -> BackgroundScheduler:
    """Create a scheduler over the database job store with every job registered."""
    with app.app_context():
        tz = line_timezone()
        engine = db.engine
    scheduler = BackgroundScheduler(
        jobstores={"default": MigratedJobStore(engine=engine, tablename="apscheduler_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60},
        timezone=tz,
    )
    for spec in JOBS:
        scheduler.add_job(
            "schedules.scheduler:run_job",
            trigger=spec.trigger(tz),
            args=[spec.id],
            id=spec.id,
            name=spec.label,
            replace_existing=True,
        )
    return scheduler


def next_run_times(session: Session) -> dict[str, datetime | None]:
    """Return each job's next run time as stored by the running scheduler."""
    rows = session.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time))
    return {
        job_id: datetime.fromtimestamp(ts, UTC) if ts is not None else None for job_id, ts in rows
    }


def run_scheduler(app: Flask, stop: threading.Event) -> None:
    """Wait for the leader lock, run jobs while holding it, stand by again if it is lost."""
    global _app
    _app = app
    lease = timedelta(seconds=int(app.config.get("SCHEDULER_LEASE_SECONDS", 60)))
    poll = float(app.config.get("SCHEDULER_STANDBY_POLL_SECONDS", 15))
    with app.app_context():
        lock = LeaderLock(db.engine, lease)
    while not stop.is_set():
        if not _wait_for_lock(lock, stop, poll):
            return
        scheduler = build_scheduler(app)
        scheduler.start()
        click.echo(f"scheduler running as {lock.holder}; jobs: {', '.join(JOBS_BY_ID)}")
        try:
            renew_every = max(lease.total_seconds() / 3, 0.2)
            while not stop.wait(renew_every):
                if not lock.renew():
                    log.error("scheduler lock lost; no job runs here until it is taken again")
                    break
        finally:
            scheduler.shutdown(wait=True)
            lock.release()
            click.echo("scheduler stopped")


def _wait_for_lock(lock: LeaderLock, stop: threading.Event, poll: float) -> bool:
    """Try to take the lock until it is ours (True) or we are asked to stop (False)."""
    standing_by = False
    while not stop.is_set():
        try:
            if lock.acquire():
                return True
        except OperationalError:
            log.exception("database unreachable while taking the scheduler lock")
        if not standing_by:
            log.warning("another scheduler holds the lock; standing by (%s)", lock.holder)
            click.echo(f"scheduler standing by: another process holds the lock ({lock.holder})")
            standing_by = True
        stop.wait(poll)
    return False


scheduler_cli = AppGroup("scheduler", help="Run the scheduled jobs.")


@scheduler_cli.command("run")
def run_command() -> None:
    """Run the scheduled jobs in this process until SIGTERM or Ctrl-C."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def request_stop(signum, frame):  # type: ignore[no-untyped-def]
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    run_scheduler(app, stop)


@scheduler_cli.command("run-job")
@click.argument("job_id", type=click.Choice(sorted(JOBS_BY_ID)))
def run_job_command(job_id: str) -> None:
    """Run one job now, once, in this process (for operators and troubleshooting)."""
    detail = run_job(job_id)
    click.echo(f"{job_id}: {detail}")
