"""Metrics under gunicorn: several workers' figures added up, and the metrics port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ivr.walker import CallWalker, HttpTransport, Script

ROOT = Path(__file__).resolve().parent.parent
AUTH_TOKEN = "gunicorn-test-auth-token"
METRICS_TOKEN = "gunicorn-test-metrics-token"
WAIT = 60  # seconds a process may take to start on a loaded machine
CALLS = 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        assert process.poll() is None, "the process exited before it answered"
        try:
            if get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {WAIT} s")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def environment(database_url, db, tmp_path):  # type: ignore[no-untyped-def]
    """Return the environment of a production deployment over the test database."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    return {
        **os.environ,
        "CALLCENTER_ENV": "production",
        "SECRET_KEY": "gunicorn-test-secret-key-" + "x" * 32,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "DATABASE_URL": database_url,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "METRICS_TOKEN": METRICS_TOKEN,
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "LOG_LEVEL": "WARNING",
        "IVR_BUSY_BOARD": "0",
    }


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_metrics_of_several_gunicorn_workers_show_the_played_calls(environment, tmp_path):
    web_port, metrics_port = free_port(), free_port()
    web = start(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        {**environment, "BIND": f"127.0.0.1:{web_port}"},
        tmp_path / "gunicorn.log",
    )
    metrics = start(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "metrics",
            "serve",
            "--bind",
            f"127.0.0.1:{metrics_port}",
        ],
        environment,
        tmp_path / "metrics.log",
    )
    try:
        base = f"http://127.0.0.1:{web_port}"
        wait_until_up(base + "/healthz", web)
        wait_until_up(f"http://127.0.0.1:{metrics_port}/metrics", metrics)
        walker = CallWalker(HttpTransport(base), AUTH_TOKEN)
        for n in range(CALLS):
            # Nobody is rostered: half the callers hear that legal advice is closed, the
            # other half press nothing until the menu gives up.
            keys = ["1"] if n % 2 else []
            walker.call(Script(caller=f"+8210555500{n:02d}", keys=keys))
        status, through_web = get(base + "/metrics", METRICS_TOKEN)
        assert status == 200
        _, through_port = get(f"http://127.0.0.1:{metrics_port}/metrics")
    finally:
        stop(web, signal.SIGINT)  # gunicorn's quick shutdown: nothing is left to finish
        stop(metrics)
    pids = {
        p.stem.rsplit("_", 1)[-1]
        for p in Path(environment["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db")
    }
    assert len(pids) >= 2, "only one worker answered: the sums prove nothing"
    for text in (through_web, through_port):
        found = samples(text)
        assert (
            value(found, "callcenter_webhook_responses_total", endpoint="ivr.voice", status="200")
            == CALLS
        )
        assert (
            value(found, "callcenter_webhook_duration_seconds_count", endpoint="ivr.menu")
            >= CALLS / 2
        )
        outcomes = {
            labels: n for (name, labels), n in found.items() if name == "callcenter_calls_last_hour"
        }
        assert outcomes == {
            (("field", "legal"), ("outcome", "closed")): CALLS / 2,
            (("field", "none"), ("outcome", "abandoned_menu")): CALLS / 2,
        }


def test_metrics_port_does_not_start_on_a_port_in_use(environment):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi",
                "metrics",
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
    assert result.returncode != 0
    assert "metrics on" not in result.stdout
