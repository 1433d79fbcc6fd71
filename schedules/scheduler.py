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
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, configure_mappers

from callcenter import clock
from callcenter.extensions import db
from callcenter.models import JobRun, apscheduler_jobs
from callcenter.reporting.rollup import rollup_job
from callcenter.timezone import line_timezone
from schedules import appointment_jobs, jobs, retention
from schedules.leader import LeaderLock, Timing, holder_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: its id, what it does, when, and how late a missed run is made up."""

    id: str
    label: str  # Korean message id
    when: str  # Korean message id describing the schedule
    func: Callable[[Session, datetime], dict[str, Any]]
    trigger: Callable[[Any], BaseTrigger]  # time zone -> trigger
    # A run that fell due while no scheduler ran (a takeover, a restart) is made up once,
    # several missed runs coalesced into one, if the scheduler is back within this time.
    grace: timedelta


def every(minutes: int) -> Callable[[Any], BaseTrigger]:
    """Return a trigger factory firing every few minutes, on the clock (:00, :05, ...)."""
    # A fixed start keeps the trigger the same across restarts, and its runs on the clock.
    return lambda tz: IntervalTrigger(
        minutes=minutes, start_date=datetime(2024, 1, 1, tzinfo=tz), timezone=tz
    )


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        "shift_reminders",
        "근무 알림 문자",
        "5분마다",
        jobs.send_shift_reminders,
        every(5),
        timedelta(minutes=5),
    ),
    JobSpec(
        "pending_callbacks",
        "근무 시작 시 대기 콜백 안내",
        "5분마다",
        jobs.announce_pending_callbacks,
        every(5),
        timedelta(minutes=5),
    ),
    JobSpec(
        "open_swaps",
        "맡을 사람 없는 근무 알림",
        "15분마다",
        jobs.remind_open_swaps,
        every(15),
        timedelta(minutes=15),
    ),
    JobSpec(
        "coverage_gaps",
        "근무 공백 알림 (14일)",
        "매일 08:00",
        jobs.alert_coverage_gaps,
        lambda tz: CronTrigger(hour=8, minute=0, timezone=tz),
        timedelta(hours=10),  # still news during the working day, not at night
    ),
    JobSpec(
        "overdue_voicemails",
        "처리 안 된 음성 메시지 알림",
        "30분마다",
        jobs.alert_overdue_voicemails,
        every(30),
        timedelta(minutes=30),
    ),
    JobSpec(
        "conversation_warnings",
        "상담 시간 제한 전 알림",
        "1분마다",
        jobs.warn_long_conversations,
        every(1),
        timedelta(minutes=1),
    ),
    JobSpec(
        "release_stale",
        "멈춘 통화·통화 중 표시 정리",
        "2분마다",
        jobs.release_stale,
        every(2),
        timedelta(minutes=2),
    ),
    JobSpec(
        "retention",
        "보존 기간 지난 개인정보 파기",
        "매일 03:30",
        retention.purge_personal_data,
        lambda tz: CronTrigger(hour=3, minute=30, timezone=tz),
        timedelta(days=1),
    ),
    JobSpec(
        "report_rollup",
        "보고서 일별 집계",
        "매시 15분",
        rollup_job,
        lambda tz: CronTrigger(minute=15, timezone=tz),
        timedelta(hours=1),
    ),
    JobSpec(
        "appointment_reminders",
        "상담 예약 전날 알림 문자",
        "10분마다",
        appointment_jobs.send_appointment_reminders,
        every(10),
        timedelta(minutes=10),
    ),
)
JOBS_BY_ID = {spec.id: spec for spec in JOBS}


@dataclass(frozen=True)
class Leadership:
    """What the job threads of one running scheduler work for."""

    app: Flask
    lock: LeaderLock | None
    jobs: dict[str, JobSpec]


# Set in each job thread of a scheduler by its executor; unset in the `run-job` command.
_working_for = threading.local()


def _work_for(leadership: Leadership) -> None:
    _working_for.leadership = leadership


def scheduler_now(app: Flask) -> datetime:
    """Return now by the app's one clock (`callcenter.clock`), which tests control."""
    with app.app_context():
        return clock.now()


class MigratedJobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store over the table the migrations created."""

    def start(self, scheduler, alias):
        BaseJobStore.start(self, scheduler, alias)  # the table exists: do not create it

    def shutdown(self) -> None:
        """Leave the engine alone: it is the app's, and holds the lock's connection."""


class LineScheduler(BackgroundScheduler):
    """APScheduler's background scheduler, handling due jobs only while it runs.

    APScheduler 3 looks at due jobs once more after `shutdown()`, with its executor gone:
    their runs are dropped but their next run times advanced, so the scheduler that takes
    over would never make them up. The state is checked under the lock `shutdown()` takes.
    """

    def _process_jobs(self):
        with self._jobstores_lock:
            if self.state != STATE_RUNNING:
                return None
            return super()._process_jobs()


def run_job(job_id: str, now: datetime | None = None) -> dict[str, Any]:
    """Run one job in the app's context, record the run and commit (the job's unit of work).

    Under a scheduler the job first checks that its scheduler still holds the lock, and
    does not run when it does not.
    """
    leadership: Leadership | None = getattr(_working_for, "leadership", None)
    app = leadership.app if leadership else current_app._get_current_object()  # type: ignore[attr-defined]
    spec = (leadership.jobs if leadership else JOBS_BY_ID)[job_id]
    lock = leadership.lock if leadership else None
    with app.app_context():
        now = now or scheduler_now(app)
        if lock is not None and not lock.fence(db.session, now):
            db.session.rollback()
            log.warning("scheduled job %s not run: this scheduler lost its lock", job_id)
            return {"skipped": "lock lost"}
        run = JobRun(job_id=job_id, started_at=now, runner=lock.holder if lock else holder_name())
        try:
            detail = spec.func(db.session, now)
        except Exception as exc:
            db.session.rollback()
            log.exception("scheduled job %s failed", job_id)
            if lock is not None and not lock.fence(db.session, now):
                raise
            run.ok, run.error, run.finished_at = False, repr(exc)[:2000], scheduler_now(app)
            db.session.add(run)
            db.session.commit()
            raise
        run.ok, run.detail, run.finished_at = True, detail, scheduler_now(app)
        db.session.add(run)
        db.session.commit()
        log.info("scheduled job %s done: %s", job_id, detail)
        return detail


def build_scheduler(
    app: Flask, lock: LeaderLock | None = None, jobs: tuple[JobSpec, ...] = JOBS
) -> LineScheduler:
    """Create a scheduler over the database job store; `register_jobs` adds the jobs."""
    with app.app_context():
        tz = line_timezone()
        engine = db.engine
    leadership = Leadership(app, lock, {spec.id: spec for spec in jobs})
    executor = ThreadPoolExecutor(
        max_workers=4, pool_kwargs={"initializer": _work_for, "initargs": (leadership,)}
    )
    return LineScheduler(
        jobstores={"default": MigratedJobStore(engine=engine, tablename="apscheduler_jobs")},
        executors={"default": executor},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=tz,
    )


def register_jobs(
    scheduler: LineScheduler, now: datetime, jobs: tuple[JobSpec, ...] = JOBS
) -> None:
    """Add every job to a started, paused scheduler, keeping what the job store knows.

    A job whose schedule is unchanged keeps its stored next run time, so a run that fell
    due while no scheduler ran is still due: the scheduler makes it up once when it resumes
    (coalesced, within the job's grace). A changed schedule counts from `now`.
    """
    wanted = {spec.id for spec in jobs}
    stored = {job.id: job for job in scheduler.get_jobs()}
    for job_id in stored.keys() - wanted:
        scheduler.remove_job(job_id)  # a job this version no longer has
    tz = scheduler.timezone
    for spec in jobs:
        trigger = spec.trigger(tz)
        wanted_job = {
            "func": "schedules.scheduler:run_job",
            "args": [spec.id],
            "name": spec.label,
            "misfire_grace_time": int(spec.grace.total_seconds()),
        }
        old = stored.get(spec.id)
        if old is not None and old.next_run_time and repr(old.trigger) == repr(trigger):
            if _same_job(old, wanted_job):
                continue  # as stored: nothing to write, which keeps a takeover quick
            next_run_time = old.next_run_time
        else:
            next_run_time = trigger.get_next_fire_time(None, now.astimezone(tz))
        scheduler.add_job(
            trigger=trigger,
            id=spec.id,
            next_run_time=next_run_time,
            replace_existing=True,
            **wanted_job,
        )


def _same_job(job: Job, wanted: dict[str, Any]) -> bool:
    """Whether a stored job already runs `wanted` with the scheduler's defaults."""
    return (
        job.func_ref == wanted["func"]
        and list(job.args) == wanted["args"]
        and not job.kwargs
        and job.name == wanted["name"]
        and job.misfire_grace_time == wanted["misfire_grace_time"]
        and job.coalesce is True
        and job.max_instances == 1
    )


def start_scheduler(
    app: Flask, lock: LeaderLock | None = None, jobs: tuple[JobSpec, ...] = JOBS
) -> LineScheduler:
    """Start a scheduler with every job registered; runs missed meanwhile are made up."""
    scheduler = build_scheduler(app, lock, jobs)
    scheduler.start(paused=True)
    try:
        # APScheduler fires on the wall clock, so its jobs are counted from the wall clock.
        register_jobs(scheduler, datetime.now(UTC), jobs)
    except BaseException:
        scheduler.shutdown(wait=False)
        raise
    scheduler.resume()
    return scheduler


def next_run_times(session: Session) -> dict[str, datetime | None]:
    """Return each job's next run time as stored by the running scheduler."""
    rows = session.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time))
    return {
        job_id: datetime.fromtimestamp(ts, UTC) if ts is not None else None for job_id, ts in rows
    }


def lock_timing(app: Flask) -> Timing:
    """Read the lock's timing from the settings."""
    return Timing(
        poll=float(app.config.get("SCHEDULER_STANDBY_POLL_SECONDS", 5)),
        lease=timedelta(seconds=float(app.config.get("SCHEDULER_LEASE_SECONDS", 60))),
    )


def run_scheduler(
    app: Flask,
    stop: threading.Event,
    holder: str | None = None,
    jobs: tuple[JobSpec, ...] = JOBS,
) -> None:
    """Wait for the leader lock, run jobs while holding it, stand by again if it is lost."""
    timing = lock_timing(app)
    configure_mappers()  # now, not in the takeover: the ORM's first use costs a fifth of a second
    with app.app_context():
        lock = LeaderLock(db.engine, timing.lease, holder)
    lost = False
    while not stop.is_set():
        # Having just lost the lock, let a standby that lost nothing take over first.
        if (lost and stop.wait(timing.poll)) or not _take_lock(lock, stop, timing):
            return
        lost = False
        try:
            scheduler = start_scheduler(app, lock, jobs)
        except OperationalError:
            log.exception("could not start the scheduler; standing by")
            lock.release()
            stop.wait(timing.attempt_every)
            continue
        click.echo(f"scheduler running as {lock.holder}; jobs: {', '.join(s.id for s in jobs)}")
        try:
            while not stop.wait(timing.check_every(lock.advisory)):
                if not lock.renew():
                    log.error("scheduler lock lost; no job runs here until it is taken again")
                    lost = True
                    break
        finally:
            # Stop first: no job of ours may start once the lock could be someone else's.
            scheduler.shutdown(wait=True)
            lock.release()
            click.echo(f"scheduler stopped ({lock.holder})")


def _take_lock(lock: LeaderLock, stop: threading.Event, timing: Timing) -> bool:
    """Try to take the lock until it is ours (True) or we are asked to stop (False)."""
    standing_by = False
    while not stop.is_set():
        try:
            if lock.acquire() and _claim(lock, stop, timing):
                return True
        except OperationalError:
            log.exception("database unreachable while taking the scheduler lock")
            lock.release()
        if stop.is_set():
            break
        if not standing_by:
            log.warning("another scheduler holds the lock; standing by (%s)", lock.holder)
            click.echo(f"scheduler standing by: another process holds the lock ({lock.holder})")
            standing_by = True
        stop.wait(timing.attempt_every)
    return False


def _claim(lock: LeaderLock, stop: threading.Event, timing: Timing) -> bool:
    """Make a lock just taken ours to run jobs with; False (lock given up) if asked to stop."""
    if lock.takeover_from is not None and lock.advisory:
        # Its holder did not release it: give it time to notice and stop its scheduler.
        log.warning("taking over from %s in %.1f s", lock.takeover_from, timing.grace)
        if stop.wait(timing.grace):
            lock.release()
            return False
    while not lock.claim(wait=timing.poll):
        if stop.is_set():
            lock.release()
            return False
    return True


scheduler_cli = AppGroup("scheduler", help="Run the scheduled jobs.")


@scheduler_cli.command("run")
def run_command() -> None:
    """Run the scheduled jobs in this process until SIGTERM or Ctrl-C."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def request_stop(signum, frame):
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
