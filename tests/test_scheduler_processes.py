"""Exactly one scheduler runs jobs: the lock, and two real `flask scheduler run` processes."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from callcenter.extensions import db as _db
from callcenter.models import apscheduler_jobs, utcnow
from schedules.leader import LeaderLock
from schedules.scheduler import JOBS

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60  # seconds a process may take to start on a loaded machine


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
            "SCHEDULER_STANDBY_POLL_SECONDS": "1",
            "SCHEDULER_LEASE_SECONDS": "6",
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

    def stop(self) -> int:
        """Send SIGTERM and return the exit code."""
        if self.proc.poll() is None:
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
