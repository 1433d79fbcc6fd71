"""Throughput of the menu-choice webhook against a bare Flask route, under gunicorn.

Builds a database with 500 counselors and ten years of shifts, starts the app and a bare
Flask app (constant TwiML) under the same gunicorn settings on loopback, then drives signed
menu-choice requests at 16 and at 4 concurrent clients. Every loop is bounded.

Each menu choice that rings reserves its counselor (ivr.reservations) until the leg ends,
which these requests never tell the line. So that every timed choice finds a free
counselor and rings, as a caller of a field with someone free does, 120 counselors (30 a
field) are on call all day, a round sends at most that many choices, and the reservations
are ended between rounds (outside the timed part). A choice answered without a <Dial>
(queued) is counted as failed.

    python bench/ivr_throughput.py                      # SQLite file in a temporary folder
    python bench/ivr_throughput.py --database-url postgresql://postgres@127.0.0.1:5432/DB

The PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.schema import free_port, rebuild_at  # noqa: E402

TOKEN = "bench-auth-token"
FIELDS = ("legal", "construction", "tax", "labor")
COVER = 120  # counselors on call all day; a round's choices each reserve one of them


def build_database(url: str) -> None:
    """Migrate an empty database and fill it with 500 counselors and ten years of shifts."""
    from sqlalchemy import insert, select

    from callcenter.models import (
        Counselor,
        Field,
        OneOffShift,
        Unavailability,
        WeeklyShift,
        counselor_fields,
    )

    engine = rebuild_at(url)
    rng = random.Random(7)
    today = datetime.now(UTC).date()
    first_year = today.year - 9
    with engine.begin() as conn:
        field_ids = dict(conn.execute(select(Field.code, Field.id)).all())
        now = datetime.now(UTC)
        conn.execute(
            insert(Counselor),
            [
                {
                    "name": f"상담위원 {n}",
                    "phone": f"+8210{5000_0000 + n}",
                    "active": True,
                    "auto_answer": False,
                    "created_at": now,
                }
                for n in range(500)
            ],
        )
        counselors = [row[0] for row in conn.execute(select(Counselor.id).order_by(Counselor.id))]
        field_of = {c: FIELDS[i % 4] for i, c in enumerate(counselors)}
        conn.execute(
            insert(counselor_fields),
            [{"counselor_id": c, "field_id": field_ids[f]} for c, f in field_of.items()],
        )
        weekly, one_off, away = [], [], []
        # A counselor's weekly slots differ from term to term (one row per slot and hours).
        slots = {
            c: iter(rng.sample([(d, h) for d in range(5) for h in range(8, 20)], 40))
            for c in counselors
        }
        for year in range(first_year, today.year + 1):
            for half, (start, end) in enumerate(((1, 6), (7, 12))):
                valid_from = date(year, start, 1)
                valid_until = date(year, end, 30 if end == 6 else 31)
                for c in counselors:
                    for _ in range(2):
                        weekday, hour = next(slots[c])
                        weekly.append(
                            {
                                "counselor_id": c,
                                "field_id": field_ids[field_of[c]],
                                "weekday": weekday,
                                "start_time": clock(hour),
                                "end_time": clock(hour + 3),
                                "valid_from": valid_from,
                                "valid_until": valid_until,
                                "created_at": now,
                            }
                        )
                    day = valid_from + timedelta(days=rng.randrange(170))
                    one_off.append(
                        {
                            "counselor_id": c,
                            "field_id": field_ids[field_of[c]],
                            "date": day,
                            "start_time": clock(18),
                            "end_time": clock(20),
                            "created_at": now,
                        }
                    )
                    if half == 0:
                        begins = datetime.combine(day, clock(0), UTC) + timedelta(days=3)
                        away.append(
                            {
                                "counselor_id": c,
                                "starts_at": begins,
                                "ends_at": begins + timedelta(days=2),
                                "created_at": now,
                            }
                        )
        # Round-the-clock cover today, so every menu choice of a round reaches a <Dial>.
        for c in counselors[:COVER]:
            for d in (today - timedelta(days=1), today, today + timedelta(days=1)):
                one_off.append(
                    {
                        "counselor_id": c,
                        "field_id": field_ids[field_of[c]],
                        "date": d,
                        "start_time": clock(0),
                        "end_time": clock(23, 59, 59),
                        "created_at": now,
                    }
                )
        for table, rows in ((WeeklyShift, weekly), (OneOffShift, one_off), (Unavailability, away)):
            for i in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[i : i + 5000])
    print(
        f"database: 500 counselors, {len(weekly)} weekly shifts over ten years, "
        f"{len(one_off)} one-off shifts, {len(away)} unavailability periods"
    )
    engine.dispose()


def start(app: str, port: int, env: dict[str, str], gunicorn_args: list[str]) -> subprocess.Popen:
    """Start gunicorn on loopback and wait until it answers."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *gunicorn_args,
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn {app} did not start")


def signed_requests(port: int, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Prepare signed menu-choice posts, each a new call choosing one of the fields."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    path = "/ivr/menu?lang=ko&attempt=1"
    url = f"http://127.0.0.1:{port}{path}"
    prepared = []
    for n in range(count):
        form = {
            "CallSid": f"CA{os.urandom(16).hex()}",
            "From": f"+8210{7000_0000 + n % 9999}",
            "To": "+827000000000",
            "CallStatus": "in-progress",
            "Digits": str(n % 4 + 1),
            "AccountSid": "AC" + "0" * 32,
        }
        headers = {
            "X-Twilio-Signature": validator.compute_signature(url, form),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        prepared.append((urllib.parse.urlencode(form).encode(), headers))
    return prepared


def release_reservations(url: str) -> None:
    """End every ring's reservation, as the legs' final status callbacks would have."""
    from sqlalchemy import create_engine, text

    from callcenter.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE counselors SET reserved_call_sid = NULL, reserved_position = NULL,"
                " reserved_until = NULL WHERE reserved_call_sid IS NOT NULL"
            )
        )
    engine.dispose()
    time.sleep(0.3)  # the workers' busy boards hear of it a moment after the commit


def drive(port: int, requests: list, concurrency: int) -> tuple[float, list[float], int]:
    """Post every request from `concurrency` threads; return rate, latencies, failures."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    work = iter(requests)

    def client() -> None:
        while True:
            with lock:
                item = next(work, None)
            if item is None:
                return
            body, headers = item
            began = time.perf_counter()
            ok = False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", "/ivr/menu?lang=ko&attempt=1", body=body, headers=headers)
                response = conn.getresponse()
                ok = response.status == 200 and b"<Dial" in response.read()
                conn.close()
            except OSError:
                pass  # counted as a failure below
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                failures[0] += not ok

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(requests) / (time.perf_counter() - began), latencies, failures[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (emptied); default SQLite file")
    parser.add_argument("--requests", type=int, default=3000, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=30, help="alternating rounds per measurement")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers (one a core)"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ivr-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    try:
        build_database(url)
        app_port, bare_port = free_port(), free_port()
        env = dict(
            os.environ,
            DATABASE_URL=url,
            CALLCENTER_ENV="production",
            SECRET_KEY="bench-" + os.urandom(8).hex(),
            TWILIO_AUTH_TOKEN=TOKEN,
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        env.pop("PUBLIC_BASE_URL", None)
        # The same settings for both, as in production: gunicorn also reads gunicorn.conf.py
        # from this folder (its access log included); the defaults here are its defaults.
        gunicorn_args = ["--workers", str(args.workers), "--threads", str(args.threads)]
        gunicorn_args += ["--worker-class", "gthread" if args.threads > 1 else "sync"]
        servers = [
            start("wsgi:app", app_port, env, gunicorn_args),
            start("bench.bare_app:app", bare_port, env, gunicorn_args),
        ]
        try:
            print(
                f"database {url.split('://')[0]}, gunicorn {' '.join(gunicorn_args)}, "
                f"{os.cpu_count()} cores"
            )
            targets = (("menu choice", app_port), ("bare route", bare_port))
            for _, port in targets:
                for _ in range(3):  # warm up every worker
                    drive(port, signed_requests(port, COVER), 4)
                    release_reservations(url)
            for concurrency in (16, 4):
                # Alternate short rounds of both, so that load from elsewhere on the machine
                # weighs on both sides alike.
                totals = {name: [0.0, [], 0] for name, _ in targets}
                per_round = min(max(args.requests // args.rounds, 50), COVER)
                for _ in range(args.rounds):
                    for name, port in targets:
                        release_reservations(url)
                        requests = signed_requests(port, per_round)
                        began = time.perf_counter()
                        _, latencies, failed = drive(port, requests, concurrency)
                        totals[name][0] += time.perf_counter() - began
                        totals[name][1] += latencies
                        totals[name][2] += failed
                rates = {}
                for name, (elapsed, latencies, failed) in totals.items():
                    rates[name] = len(latencies) / elapsed
                    print(
                        f"{concurrency:>2} clients  {name:<12} {rates[name]:8.0f} req/s  "
                        f"p50 {percentile(latencies, 50):6.1f} ms  "
                        f"p99 {percentile(latencies, 99):6.1f} ms  failed {failed}"
                    )
                ratio = rates["menu choice"] / rates["bare route"]
                print(f"{concurrency:>2} clients  throughput ratio {ratio:.2f}")
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
