"""gunicorn with gunicorn.conf.py: workers forked ready from a master that loaded the app."""

from __future__ import annotations

import http.client
import os
import queue
import re
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60  # seconds gunicorn may take to start on a loaded machine
READY = re.compile(r"worker (\d+) ready in ([\d.]+) s \(app preloaded in the master: (\w+)\)")
# A worker forked from a master that holds the app is ready in milliseconds; importing the
# app takes seconds (about 2 s on the development machine, 5-9 s under load).
READY_WITHIN = 0.5


def free_port() -> int:
    """Return a loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py wsgi:app` on loopback, in production mode."""

    def __init__(self, folder: Path, workers: int) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "CALLCENTER_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
            "DATABASE_URL": f"sqlite:///{folder / 'line.sqlite3'}",
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": "2",
            "LOG_LEVEL": "WARNING",
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "--no-control-socket",  # the default path is one per machine, not ours
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # the access log
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def wait_for(self, pattern: re.Pattern[str]) -> re.Match[str]:
        """Return the next log line matching pattern; fail after WAIT seconds."""
        deadline = time.monotonic() + WAIT
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if found := pattern.search(line):
                return found
        pytest.fail(f"no {pattern.pattern!r} within {WAIT}s; log: {''.join(self.seen)}")

    def get(self, path: str) -> tuple[int, float]:
        """Request a path; return the status and the seconds the answer took."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        started = time.monotonic()
        try:
            connection.request("GET", path)
            status = connection.getresponse().status
        finally:
            connection.close()
        return status, time.monotonic() - started

    def stop(self) -> None:
        """Stop the master (its workers with it) by its pid, without waiting on them."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            self.proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(WAIT)


@pytest.fixture
def serve(tmp_path):  # type: ignore[no-untyped-def]
    """Return a function that starts gunicorn; stop it after the test."""
    started: list[Gunicorn] = []

    def start(workers: int = 2) -> Gunicorn:
        server = Gunicorn(tmp_path, workers)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def assert_ready_at_once(found: re.Match[str]) -> None:
    assert found.group(3) == "yes", found.group(0)
    assert float(found.group(2)) < READY_WITHIN, found.group(0)


def test_workers_are_forked_ready_from_a_master_that_loaded_the_app(serve):
    server = serve(workers=2)
    for _ in range(2):
        assert_ready_at_once(server.wait_for(READY))
    status, took = server.get("/healthz")
    assert status == 200
    assert took < 1.0
    assert not any("forking over" in line for line in server.seen)


def test_a_worker_that_died_is_replaced_by_one_ready_at_once(serve):
    server = serve(workers=1)
    first = int(server.wait_for(READY).group(1))
    os.kill(first, signal.SIGKILL)  # a child of the master this test started
    replacement = server.wait_for(READY)
    assert int(replacement.group(1)) != first
    assert_ready_at_once(replacement)
    assert server.get("/healthz")[0] == 200


def test_workers_are_never_recycled_by_their_request_count():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["preload_app"] is True
    assert settings["max_requests"] == 0


def test_what_the_master_prepares_opens_no_connection_and_no_thread(tmp_path):
    from callcenter import create_app
    from callcenter.forking import open_connections, warm_up

    threads = set(threading.enumerate())
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    warm_up(app)
    assert open_connections(app) == 0
    assert set(threading.enumerate()) == threads
    assert app.jinja_env.cache  # the templates were compiled


def test_a_master_serving_another_app_prepares_nothing_for_it():
    from flask import Flask

    from callcenter.forking import warm_up

    bare = Flask("bare")  # the benchmark's baseline route, served with these settings
    warm_up(bare)
    assert not bare.jinja_env.cache
