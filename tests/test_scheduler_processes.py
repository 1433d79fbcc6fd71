"""Exactly one scheduler runs jobs: the lock, and two real `flask scheduler run` processes."""

from __future__ import annotations

import os
import pickle
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError

from callcenter.extensions import db as _db
from callcenter.models import JobRun, apscheduler_jobs, utcnow
from schedules.leader import ADVISORY_KEY, LeaderLock
from schedules.scheduler import JOBS, JobSpec, run_scheduler

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60  # seconds a process may take to start on a loaded machine
POLL = 2  # SCHEDULER_STANDBY_POLL_SECONDS of the processes below
LEASE = 3  # SCHEDULER_LEASE_SECONDS of the processes below (SQLite)
SLACK = 1.0  # seconds for a process to print, on a loaded machine


def test_second_lock_is_refused_while_the_first_is_held(app, db):
    first = LeaderLock(_db.engine, timedelta(seconds=60), holder="first")
    second = LeaderLock(_db.engine, timedelta(seconds=60), holder="second")
    try:
        assert first.acquire() is True
        assert second.acquire() is False
        first.release()
        assert second.acquire() is True
    finally:
        first.release()
        second.release()


def test_expired_lease_is_taken_over_and_the_old_holder_stops(app, db):
    if _db.engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL uses an advisory lock that dies with its connection")
    now = utcnow()
    first = LeaderLock(_db.engine, timedelta(seconds=30), holder="first")
    second = LeaderLock(_db.engine, timedelta(seconds=30), holder="second")
    try:
        assert first.acquire(now) is True
        assert second.acquire(now + timedelta(seconds=10)) is False
        assert second.acquire(now + timedelta(seconds=31)) is True
        assert first.renew(now + timedelta(seconds=32)) is False
    finally:
        second.release()


class Process:
    """A `flask --app wsgi scheduler run` child whose output lines can be awaited."""

    def __init__(self, database_url: str) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CALLCENTER_ENV": "development",
            "SCHEDULER_STANDBY_POLL_SECONDS": str(POLL),
            "SCHEDULER_LEASE_SECONDS": str(LEASE),
            "LOG_LEVEL": "WARNING",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.holder = f"{socket.gethostname()}:{self.proc.pid}"
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str) -> str:
        """Return the first output line containing text; fail if the process ends first."""
        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                pytest.fail(f"no {text!r} within {WAIT}s; output so far: {self.seen}")
            self.seen.append(line)
            if text in line:
                return line

    def signal(self, signum: int) -> None:
        """Send a signal (SIGSTOP freezes the process, SIGCONT wakes it)."""
        self.proc.send_signal(signum)

    def stop(self) -> int:
        """Send SIGTERM and return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


def test_second_scheduler_process_stands_by_and_takes_over(app, db, database_url):
    first = Process(database_url)
    second = None
    try:
        first.wait_for("scheduler running")
        second = Process(database_url)
        second.wait_for("standing by")
        stored = db.scalar(select(func.count()).select_from(apscheduler_jobs))
        assert stored == len(JOBS)
        assert first.stop() == 0
        first.wait_for("scheduler stopped")
        second.wait_for("scheduler running")
        assert not any("scheduler running" in line for line in second.seen[:-1])
    finally:
        first.stop()
        if second is not None:
            assert second.stop() == 0
    db.rollback()


def test_a_busy_database_does_not_drop_a_lease_that_is_still_valid(app, db, monkeypatch):
    if _db.engine.dialect.name == "postgresql":
        pytest.skip("leases are used where advisory locks are not")
    now = utcnow()
    lock = LeaderLock(_db.engine, timedelta(seconds=30), holder="first")
    try:
        assert lock.acquire(now) is True

        def busy(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise OperationalError("UPDATE", {}, Exception("database is locked"))

        monkeypatch.setattr(lock.engine, "begin", busy)
        assert lock.renew(now + timedelta(seconds=5)) is True
        assert lock.renew(now + timedelta(seconds=25)) is False
    finally:
        monkeypatch.undo()
        lock.release()


def make_due(db, job_id: str, when: datetime) -> None:  # type: ignore[no-untyped-def]
    """Set a stored job's next run time, as a scheduler that died before it left it."""
    row = db.execute(
        select(apscheduler_jobs.c.job_state).where(apscheduler_jobs.c.id == job_id)
    ).one()
    state = pickle.loads(row.job_state)
    state["next_run_time"] = when.astimezone(state["next_run_time"].tzinfo)
    db.execute(
        update(apscheduler_jobs)
        .where(apscheduler_jobs.c.id == job_id)
        .values(next_run_time=when.timestamp(), job_state=pickle.dumps(state))
    )
    db.commit()


def cut_lock_connection(db) -> None:  # type: ignore[no-untyped-def]
    """Terminate the PostgreSQL backend that holds the scheduler's advisory lock."""
    cut = db.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
            " AND granted AND classid = :high AND objid = :low AND objsubid = 1"
            # pg_locks shows every database's locks: only ours, never another's.
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFFFFFF},
    ).all()
    db.rollback()
    assert cut == [(True,)]


def runs_of(db, job_id: str) -> list[JobRun]:  # type: ignore[no-untyped-def]
    """Return the recorded runs of a job, oldest first."""
    db.rollback()
    return list(
        db.scalars(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.started_at))
    )


def wait_until(done: Callable[[], bool], seconds: float = WAIT) -> None:
    """Wait, in small steps, until `done()` holds; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"still not done after {seconds}s")
        time.sleep(0.05)


@pytest.fixture
def pair(database_url):  # type: ignore[no-untyped-def]
    """Start a leader and a standby process; stop both after the test."""
    started: list[Process] = []

    def start() -> tuple[Process, Process]:
        leader = Process(database_url)
        started.append(leader)
        leader.wait_for("scheduler running")
        standby = Process(database_url)
        started.append(standby)
        standby.wait_for("standing by")
        return leader, standby

    yield start
    for process in started:
        process.stop()


def test_standby_makes_up_once_the_run_that_fell_due_when_the_leader_was_killed(app, db, pair):
    leader, standby = pair()
    leader.signal(signal.SIGSTOP)  # it runs nothing more from here
    make_due(db, "release_stale", utcnow() - timedelta(minutes=25))  # due thrice since
    killed = time.monotonic()
    leader.proc.kill()
    leader.proc.wait(WAIT)
    standby.wait_for("scheduler running")
    took = time.monotonic() - killed
    wait_until(lambda: runs_of(db, "release_stale"))
    time.sleep(0.5)  # room for a second run, if one were coming
    assert [run.runner for run in runs_of(db, "release_stale")] == [standby.holder]
    # PostgreSQL's lock goes with the connection; an SQLite lease must expire first.
    limit = POLL if _db.engine.dialect.name == "postgresql" else LEASE + POLL / 3
    assert took < limit + SLACK


def test_leader_whose_lock_connection_is_cut_stops_and_the_standby_makes_up_the_run(app, db, pair):
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL holds the lock on a connection")
    leader, standby = pair()
    leader.signal(signal.SIGSTOP)
    make_due(db, "release_stale", utcnow() - timedelta(minutes=5))
    cut_lock_connection(db)
    cut = time.monotonic()
    standby.wait_for("scheduler running")
    took = time.monotonic() - cut
    wait_until(lambda: runs_of(db, "release_stale"))
    leader.signal(signal.SIGCONT)
    leader.wait_for("scheduler stopped")
    leader.wait_for("standing by")
    assert [run.runner for run in runs_of(db, "release_stale")] == [standby.holder]
    assert took < POLL + SLACK


def tick(session, now):  # type: ignore[no-untyped-def]
    """A job that takes a moment, so that two schedulers running it would overlap."""
    time.sleep(0.05)
    return {}


TICK = JobSpec(
    "tick",
    "tick",
    "tick",
    tick,
    lambda tz: IntervalTrigger(seconds=0.2, timezone=tz),
    timedelta(seconds=5),
)


def test_no_job_of_a_leader_whose_lock_connection_was_cut_overlaps_the_new_leaders(
    app, db, monkeypatch
):
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL holds the lock on a connection")
    monkeypatch.setitem(app.config, "SCHEDULER_STANDBY_POLL_SECONDS", 1)
    stops = {name: threading.Event() for name in ("old", "new")}
    threads = {
        name: threading.Thread(target=run_scheduler, args=(app, stop, name, (TICK,)))
        for name, stop in stops.items()
    }

    def ran(name: str, count: int) -> Callable[[], bool]:
        return lambda: sum(run.runner == name for run in runs_of(db, "tick")) >= count

    try:
        threads["old"].start()
        wait_until(ran("old", 3))
        threads["new"].start()
        cut_lock_connection(db)
        wait_until(ran("new", 3))
    finally:
        for name in ("old", "new"):
            stops[name].set()
            threads[name].join(WAIT)
    runs = runs_of(db, "tick")
    first_new = min(run.started_at for run in runs if run.runner == "new")
    old = [run for run in runs if run.runner == "old"]
    assert old and all(run.finished_at <= first_new for run in old)
