"""Load of the whole voice line: overlapping calls played as Twilio plays them, on PostgreSQL.

Builds a database (the migrations, then counselors on call now in every field, on one-off
shifts dated today in the line's time zone), starts gunicorn with `gunicorn.conf.py` and the
scheduler (`flask --app wsgi scheduler run`) on loopback, and plays two scenarios with the
signed Twilio-like driver of `bench/twilio_driver.py`: a steady arrival of calls (default
2 a second for 60 seconds, most of them for one field so that its queue is used), then a
burst of concurrent calls (default 150 at once, spread over the fields). Talk, ring and hold
times are scaled down (talk 3-8 s, a hold round every 2 s) so that a run lasts minutes.

    python bench/line_load.py --database-url postgresql://postgres@127.0.0.1:5432/DB
    python bench/line_load.py --database-url ... --seconds 30 --calls 100 --workers 2

The database given is emptied first (its public schema is dropped). Only the processes this
script starts are ended, by their pid. Every loop is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.schema import free_port, rebuild_at  # noqa: E402
from bench.twilio_driver import CallRecord, Driver, Leg, Mix, Timing, Wait, new_sid  # noqa: E402

TOKEN = "bench-auth-token"
FIELDS = ("legal", "construction", "tax", "labor")  # keypad digits 1-4
SETTLE_SECONDS = 12  # PostgreSQL publishes an idle backend's statistics within 10 s
GRACE = 0.5  # seconds for a redirect to be seen by the driver (it polls every 0.1 s)
# The line's timings, scaled down like the people's (bench/twilio_driver.Timing); the
# environment overrides each. The reservation's margin is left at its default (25 s): it
# covers webhook latency, which is not scaled down (Twilio waits up to 15 s for a webhook).
LINE_SETTINGS = {
    "IVR_DIAL_TIMEOUT": "5",
    "IVR_WHISPER_TIMEOUT": "3",
    "IVR_QUEUE_PAUSE": "2",
    "IVR_QUEUE_MAX_WAIT": "600",
    "IVR_CACHE_SECONDS": "5",
    "IVR_GATHER_TIMEOUT": "3",
}


def build_database(url: str, counselors: int, tz: ZoneInfo) -> dict[str, set[str]]:
    """Migrate an emptied database and put counselors on call now; return phones by field."""
    from sqlalchemy import insert, select

    from callcenter.models import Counselor, Field, OneOffShift, counselor_fields

    if not url.startswith("postgresql"):
        raise SystemExit("line_load runs on PostgreSQL: give a postgresql:// URL")
    engine = rebuild_at(url)
    now = datetime.now(UTC)
    today = now.astimezone(tz).date()
    roster: dict[str, set[str]] = {code: set() for code in FIELDS}
    with engine.begin() as conn:
        field_ids = dict(conn.execute(select(Field.code, Field.id)).all())
        rows = []
        for n in range(counselors):
            phone = f"+8210{6000_0000 + n}"
            roster[FIELDS[n % len(FIELDS)]].add(phone)
            rows.append(
                {"name": f"상담위원 {n}", "phone": phone, "active": True, "created_at": now}
            )
        conn.execute(insert(Counselor), rows)
        ids = dict(conn.execute(select(Counselor.phone, Counselor.id)).all())
        links, shifts = [], []
        for code, phones in roster.items():
            for phone in phones:
                links.append({"counselor_id": ids[phone], "field_id": field_ids[code]})
                # One-off shifts: they count on closure days too, so a holiday changes nothing.
                for day in (today, today + timedelta(days=1)):
                    shifts.append(
                        {
                            "counselor_id": ids[phone],
                            "field_id": field_ids[code],
                            "date": day,
                            "start_time": clock(0),
                            "end_time": clock(23, 59, 59),
                            "created_at": now,
                        }
                    )
        conn.execute(insert(counselor_fields), links)
        conn.execute(insert(OneOffShift), shifts)
    engine.dispose()
    return roster


class Processes:
    """The web workers and the scheduler, started here and ended here by their pid."""

    def __init__(self, url: str, workers: int, threads: int, folder: Path) -> None:
        self.port = free_port()
        self.web_log = folder / "web.log"
        self.scheduler_log = folder / "scheduler.log"
        self.env = dict(
            os.environ,
            DATABASE_URL=url,
            CALLCENTER_ENV="production",
            SECRET_KEY="bench-" + os.urandom(16).hex(),
            TWILIO_AUTH_TOKEN=TOKEN,
            LOG_LEVEL="WARNING",
            LOG_FORMAT="json",
            BIND=f"127.0.0.1:{self.port}",
            WEB_CONCURRENCY=str(workers),
            GUNICORN_THREADS=str(threads),
            PYTHONPATH=str(ROOT),
        )
        for name, value in LINE_SETTINGS.items():
            self.env.setdefault(name, value)
        for name in ("TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL", "ADMIN_DESK_NUMBER"):
            self.env.pop(name, None)  # sandbox mode, signatures over the loopback URL
        self.started: list[subprocess.Popen] = []

    def start(self) -> None:
        """Start gunicorn and the scheduler; wait until the web answers."""
        web = open(self.web_log, "ab")  # noqa: SIM115 (kept open for the process's life)
        self.started.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=self.env,
                stdout=web,
                stderr=subprocess.STDOUT,
            )
        )
        scheduler = open(self.scheduler_log, "ab")  # noqa: SIM115
        self.started.append(
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=scheduler,
                stderr=subprocess.STDOUT,
            )
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{self.base_url}/", timeout=1).close()
                return
            except urllib.error.HTTPError:
                return  # any answer: the workers are up
            except OSError:
                time.sleep(0.1)
        self.stop()
        tail = self.web_log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"gunicorn did not start:\n{tail}")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.started)

    def stop(self) -> None:
        """End the processes this script started, by pid: TERM, then KILL after 20 s."""
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


class RedirectPoller:
    """Reads the sandbox's REST redirects (`call_update` outbox rows) as Twilio acts on them."""

    def __init__(self, url: str, driver: Driver) -> None:
        import psycopg

        from callcenter.config import normalise_database_url

        conninfo = normalise_database_url(url).replace("postgresql+psycopg://", "postgresql://")
        self.connection = psycopg.connect(conninfo, autocommit=True)
        self.driver = driver
        self.seen: set[int] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        highest = 0
        while not self.stop.is_set():
            # Rows commit out of id order: look back a little and skip what was seen.
            rows = self.connection.execute(
                "SELECT id, body FROM outbox_messages WHERE kind = 'call_update' AND id > %s"
                " ORDER BY id",
                (max(0, highest - 1000),),
            ).fetchall()
            for row_id, body in rows:
                if row_id in self.seen or not body or " -> " not in body:
                    continue
                self.seen.add(row_id)
                highest = max(highest, row_id)
                sid, target = body.split(" -> ", 1)
                self.driver.deliver(sid, target)
            self.stop.wait(0.1)

    def __enter__(self) -> RedirectPoller:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.connection.close()


TICKS = os.sysconf("SC_CLK_TCK")


def _process_ticks(pid: int) -> int:
    """Return the user and system CPU ticks a process has used (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _postgres_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class CpuMeter:
    """CPU seconds used during a scenario, by the machine and by the line's processes.

    Read from /proc: the web workers (gunicorn's master and its children), the scheduler,
    PostgreSQL's processes (all of them: other databases of the same server count too),
    this process (the driver) and the whole machine, so that what the other work on a
    shared machine took is visible as the rest.
    """

    def __init__(self, processes: Processes) -> None:
        self.web, self.scheduler = processes.started[0].pid, processes.started[1].pid

    def read(self) -> dict[str, Any]:
        """Return cumulative CPU seconds now, per part."""
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        busy = sum(values) - values[3] - values[4]  # all but idle and iowait
        web = [self.web, *_children(self.web)]
        return {
            "machine": busy / TICKS,
            "cores": float(os.cpu_count() or 1),
            "web": sum(_process_ticks(p) for p in web) / TICKS,
            "scheduler": _process_ticks(self.scheduler) / TICKS,
            "postgres": {p: _process_ticks(p) / TICKS for p in _postgres_pids()},
            "driver": time.process_time(),
            "wall": time.monotonic(),
        }

    @staticmethod
    def spent(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
        """Return the CPU seconds of each part between two readings, and the rest."""
        # PostgreSQL's processes come and go (a backend a connection): count each one's use
        # since the first reading, or since it started.
        used = {k: after[k] - before[k] for k in before if k not in ("cores", "postgres")}
        used["postgres"] = sum(
            ticks - before["postgres"].get(pid, 0.0) for pid, ticks in after["postgres"].items()
        )
        used["rest"] = used["machine"] - sum(
            used[k] for k in ("web", "scheduler", "postgres", "driver")
        )
        used["cores"] = before["cores"]
        return used


@dataclass
class Scenario:
    name: str
    calls: int
    spacing: float  # seconds between two arrivals; 0 for all at once
    weights: tuple[float, ...]  # share of callers per field


def run_scenario(
    scenario: Scenario,
    url: str,
    processes: Processes,
    roster: dict[str, set[str]],
    timing: Timing,
    mix: Mix,
    seed: int,
    limit: float,
) -> dict:
    """Play one scenario; return its figures."""
    from sqlalchemy import create_engine

    from callcenter.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    before = database_state(engine, set())
    log_offset = processes.web_log.stat().st_size
    meter = CpuMeter(processes)
    cpu_before = meter.read()
    busiest: list[dict[str, Any]] = []
    began = time.monotonic()
    driver = Driver(processes.base_url, TOKEN, roster, timing, mix, seed, deadline=began + limit)
    rng = random.Random(f"{seed}-{scenario.name}")
    records = []
    for _ in range(scenario.calls):
        code = rng.choices(FIELDS, weights=scenario.weights)[0]
        records.append(CallRecord(new_sid(), code, str(FIELDS.index(code) + 1)))
    threads = [threading.Thread(target=driver.play, args=(r,), daemon=True) for r in records]
    with RedirectPoller(url, driver):
        for n, thread in enumerate(threads):
            if scenario.spacing:
                pause = began + n * scenario.spacing - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            thread.start()
        # The first seconds after the last arrival are the busiest of a burst.
        first = meter.read()
        time.sleep(10)
        busiest.append(CpuMeter.spent(first, meter.read()))
        ends = began + limit + 60
        for thread in threads:
            thread.join(timeout=max(0.0, ends - time.monotonic()))
        unfinished = sum(thread.is_alive() for thread in threads)
        stuck_helpers = driver.join_helpers(30)
        played = time.monotonic() - began
        cpu = CpuMeter.spent(cpu_before, meter.read())
        time.sleep(SETTLE_SECONDS)
    after = database_state(engine, {r.sid for r in records})
    keep_records(processes.web_log.parent / f"{scenario.name.split()[0]}.json", records, driver)
    engine.dispose()
    logged = app_log(processes.web_log, log_offset)
    result = figures(
        scenario, driver, records, before, after, logged, played, unfinished, stuck_helpers
    )
    result["cpu"], result["cpu_busiest"] = cpu, busiest[0]
    return result


def keep_records(path: Path, records: list[CallRecord], driver: Driver) -> None:
    """Write the calls' records and redirects (driver's clock, its offset to the wall clock)."""
    offset = time.time() - time.monotonic()
    calls = [dataclasses.asdict(record) for record in records]
    redirects = [dataclasses.asdict(r) for items in driver.redirects.values() for r in items]
    kept = {"wall_clock_offset": offset, "calls": calls, "redirects": redirects}
    path.write_text(json.dumps(kept, indent=1))


def database_state(engine, sids: set[str]) -> dict:  # type: ignore[no-untyped-def]
    """Return deadlocks so far and what the run's calls left unfinished."""
    from sqlalchemy import text

    with engine.connect() as conn:
        state = {
            "deadlocks": conn.execute(
                text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            ).scalar_one(),
            "held": conn.execute(
                text(
                    "SELECT count(*) FROM counselors WHERE busy_since IS NOT NULL"
                    " OR reserved_call_sid IS NOT NULL"
                )
            ).scalar_one(),
        }
        if sids:
            params = {"sids": list(sids)}
            state["calls_open"] = conn.execute(
                text("SELECT count(*) FROM calls WHERE call_sid = ANY(:sids) AND ended_at IS NULL"),
                params,
            ).scalar_one()
            state["calls_without_outcome"] = conn.execute(
                text("SELECT count(*) FROM calls WHERE call_sid = ANY(:sids) AND outcome IS NULL"),
                params,
            ).scalar_one()
            state["legs_open"] = conn.execute(
                text(
                    "SELECT count(*) FROM call_legs JOIN calls ON calls.id = call_legs.call_id"
                    " WHERE calls.call_sid = ANY(:sids) AND call_legs.ended_at IS NULL"
                ),
                params,
            ).scalar_one()
            state["legs_ringing"] = conn.execute(
                text(
                    "SELECT count(*) FROM call_legs JOIN calls ON calls.id = call_legs.call_id"
                    " WHERE calls.call_sid = ANY(:sids) AND call_legs.result = 'ringing'"
                ),
                params,
            ).scalar_one()
            state["outcomes"] = dict(
                conn.execute(
                    text(
                        "SELECT coalesce(outcome, '-'), count(*) FROM calls"
                        " WHERE call_sid = ANY(:sids) GROUP BY 1"
                    ),
                    params,
                ).all()
            )
            state["calls_recorded"] = sum(state["outcomes"].values())
    return state


def app_log(path: Path, offset: int) -> dict[str, Counter]:
    """Count what the app logged since `offset`: warnings and errors, and 5xx access lines."""
    messages: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    with open(path, encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        for line in log:
            line = line.strip()
            if line.startswith("{"):
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("level") in ("WARNING", "ERROR", "CRITICAL"):
                    where = entry.get("path", "-")
                    messages[f"{entry['level']} {entry.get('message', '')[:90]} ({where})"] += 1
            elif '" 5' in line and "HTTP/1" in line:
                statuses[line.split('"')[2].split()[0]] += 1  # gunicorn's access log
            elif "Traceback" in line or "[ERROR]" in line:
                messages[line[:100]] += 1
    return {"messages": messages, "statuses": statuses}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def decided(record: CallRecord, leg: Leg, driver: Driver) -> tuple[float, float]:
    """Return the window in which the line reserved a leg's counselor, by the driver's clock.

    A ring from the queue was decided by the dispatch: in a request of another call that was
    in flight when the REST redirect was seen, or in the caller's last hold round. Any other
    ring was decided by the request that answered with the <Dial>.
    """
    index = record.legs.index(leg)
    before = [w for w in record.waits if w.left_at is not None and w.left_at <= leg.asked_at]
    stay = before[-1] if before else None
    earlier_leg = record.legs[index - 1].rung_at if index else 0.0
    if stay is not None and stay.left_at >= earlier_leg:
        if stay.how == "redirect" and leg.via == "/ivr/queue/connect":
            return driver.in_flight_since(stay.redirect_seen), stay.redirect_seen
        if stay.how == "leave" and leg.via == "/ivr/queue/done":
            return stay.round_sent, stay.left_at
    return leg.asked_at, leg.rung_at


def taken_at(stay: Wait, driver: Driver) -> float:
    """Return the earliest instant the line may have taken a caller out of this wait."""
    if stay.how == "redirect":
        return driver.in_flight_since(stay.redirect_seen)
    if stay.how == "leave":
        return stay.round_sent
    return stay.left_at if stay.left_at is not None else float("inf")


def overtakes(records: list[CallRecord], driver: Driver) -> list[tuple[str, str, str]]:
    """Return (overtaken call, call served first, counselor) by the driver's own clock.

    A call X whose counselor was reserved while an earlier caller Y of the same field was
    surely in the queue (Y's <Enqueue> answered before the reservation could have been
    decided) and stayed there until after it, overtook Y, unless Y had already rung that
    counselor. Y is earlier only when its menu choice was answered before X's was sent.
    """
    found = []
    by_field: dict[str, list[CallRecord]] = {}
    for record in records:
        by_field.setdefault(record.field, []).append(record)
    for calls in by_field.values():
        for x in calls:
            for leg in x.legs:
                if leg.accepted_at is None:
                    continue
                starts, ends = decided(x, leg, driver)
                for y in calls:
                    if y is x or not y.choice_answered or y.choice_answered >= x.choice_sent:
                        continue
                    waiting = any(
                        w.entered_at < starts and taken_at(w, driver) > ends + GRACE
                        for w in y.waits
                    )
                    rang = any(
                        other.phone == leg.phone and other.rung_at < ends + GRACE
                        for other in y.legs
                    )
                    if waiting and not rang:
                        found.append((y.sid, x.sid, leg.phone))
    return found


def figures(
    scenario: Scenario,
    driver: Driver,
    records: list[CallRecord],
    before: dict,
    after: dict,
    logged: dict,
    played: float,
    unfinished: int,
    stuck_helpers: int,
) -> dict:
    """Compute a scenario's figures from the driver's books and the database."""
    connected = [r for r in records if r.connected_at is not None]
    to_connect = [r.connected_at - r.choice_sent for r in connected]
    first_ring = []  # a counselor was free at the choice and the first one rung took it
    for r in connected:
        first = r.legs[0] if r.legs else None
        if first and first.via == "/ivr/menu" and first.accepted_at is not None:
            extra = r.connected_at - r.choice_sent - first.ring_delay - first.whisper_delay
            first_ring.append(extra)
    queued = [r for r in records if r.waits]
    ways_out = Counter(w.how for r in records for w in r.waits)
    rings = sum(len(r.legs) for r in records)
    overtaken = overtakes(records, driver)
    strays = driver.stray_redirects({r.sid for r in records})
    offered = Counter(r.offered for r in records if r.offered)
    latencies = {
        endpoint: (len(values), percentile(values, 50) * 1000, percentile(values, 99) * 1000)
        for endpoint, values in sorted(driver.latencies.items())
    }
    return {
        "scenario": scenario,
        "played": played,
        "calls": len(records),
        "unfinished": unfinished,
        "stuck_helpers": stuck_helpers,
        "connected": len(connected),
        "queued": len(queued),
        "ways_out": ways_out,
        "ended": Counter(r.ended for r in records),
        "engaged_rings": driver.engaged_rings,
        "taken_in_whisper": sum(leg.taken for r in records for leg in r.legs),
        "offered": offered,
        "overtakes": overtaken,
        "strays": strays,
        "http_5xx": driver.server_errors,
        "transport_errors": driver.transport_errors,
        "fell_back": sum(r.fell_back for r in records),
        "apologies": driver.apologies,
        "oddities": driver.oddities,
        "log": logged,
        "deadlocks": after["deadlocks"] - before["deadlocks"],
        "held_before": before["held"],
        "db": after,
        "to_connect": (percentile(to_connect, 50), percentile(to_connect, 95)),
        "first_ring": (len(first_ring), percentile(first_ring, 50), percentile(first_ring, 95)),
        "rings_per_connected": rings / len(connected) if connected else float("nan"),
        "rings": rings,
        "orderings": driver.orderings,
        "latencies": latencies,
    }


def report(result: dict) -> None:
    """Print one scenario's figures."""
    s = result["scenario"]
    db = result["db"]
    print(f"\n== {s.name}: {result['calls']} calls, played in {result['played']:.0f} s ==")
    print(
        f"connected {result['connected']}, queued at least once {result['queued']} "
        f"(ways out of the queue: {dict(result['ways_out'])}), "
        f"unfinished calls {result['unfinished']}, callbacks still running "
        f"{result['stuck_helpers']}"
    )
    print(f"how calls ended (driver): {dict(result['ended'])}")
    print(f"outcomes (database): {db.get('outcomes')}")
    print(f"final-status orderings of legs: {dict(result['orderings'])}")
    target = "target 0"
    print(f"rings to an engaged counselor: {len(result['engaged_rings'])} ({target})")
    for ring in result["engaged_rings"][:10]:
        print(f"    {ring}")
    print(f"whispers that found the counselor taken: {result['taken_in_whisper']}")
    on_duty = result["offered"].get("while on duty", 0)
    print(
        f"callers offered a callback while counselors of their field were on duty: "
        f"{on_duty} ({target}); all offers {dict(result['offered'])}"
    )
    print(f"queue overtakes: {len(result['overtakes'])} ({target})")
    for overtaken, first, phone in result["overtakes"][:10]:
        print(f"    {first} was given {phone} while {overtaken} (earlier) waited")
    print(
        f"REST redirects seen while the call was not in the queue: {len(result['strays'])} "
        f"{dict(Counter(r.state for r in result['strays']))}"
    )
    for stray in result["strays"][:10]:
        print(f"    {stray.sid} while in state {stray.state!r}: {stray.url}")
    errors = Counter(f"{e} {s_}" for e, s_, _ in result["http_5xx"])
    print(
        f"HTTP 5xx answers: {len(result['http_5xx'])} {dict(errors)}; apologies "
        f"{len(result['apologies'])}"
    )
    unanswered = Counter(
        f"{endpoint} ({why.split(':')[0]})" for endpoint, why in result["transport_errors"]
    )
    print(
        f"requests without an answer within 15 s or refused: {len(result['transport_errors'])} "
        f"{dict(unanswered)}; the call's own requests that went to the fallback URL: "
        f"{result['fell_back']}"
    )
    print(f"pg_stat_database deadlocks during the run: {result['deadlocks']}")
    print(f"app log warnings and errors: {dict(result['log']['messages']) or 'none'}")
    print(f"5xx in gunicorn's access log: {dict(result['log']['statuses']) or 'none'}")
    if result["oddities"]:
        print(f"driver oddities ({len(result['oddities'])}): {Counter(result['oddities'])}")
    print(
        f"lost callbacks: legs without an end {db['legs_open']} (still 'ringing' "
        f"{db['legs_ringing']}), calls without an end {db['calls_open']}, calls without an "
        f"outcome {db['calls_without_outcome']}, of {db['calls_recorded']} recorded; "
        f"counselors still busy or reserved {db['held']} (before the run {result['held_before']})"
    )
    p50, p95 = result["to_connect"]
    print(f"time to connect (menu choice to whisper accepted): p50 {p50:.2f} s, p95 {p95:.2f} s")
    n, e50, e95 = result["first_ring"]
    verdict = "met" if e95 <= 2.0 else "NOT met"
    print(
        f"  first ring taken, counselor free ({n} calls): beyond the ring and whisper time "
        f"p50 {e50:.2f} s, p95 {e95:.2f} s (target p95 <= 2 s: {verdict})"
    )
    print(
        f"rings per connected call: {result['rings_per_connected']:.2f} ({result['rings']} rings)"
    )
    for label, cpu in (
        ("whole run", result["cpu"]),
        ("10 s after the last arrival", result["cpu_busiest"]),
    ):
        seconds = cpu["wall"] * cpu["cores"]
        shares = ", ".join(
            f"{part} {cpu[part] / seconds:.0%}"
            for part in ("web", "postgres", "driver", "scheduler", "rest")
        )
        print(f"CPU, {label}: machine busy {cpu['machine'] / seconds:.0%} ({shares})")
    print("webhook latency (requests, p50 ms, p99 ms):")
    for endpoint, (count, l50, l99) in result["latencies"].items():
        print(f"    {endpoint:<22} {count:>6} {l50:8.1f} {l99:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="PostgreSQL URL (emptied first); default $BENCH_DATABASE_URL",
    )
    parser.add_argument("--seconds", type=int, default=60, help="length of the steady arrival")
    parser.add_argument("--rate", type=float, default=2.0, help="steady calls a second")
    parser.add_argument("--calls", type=int, default=150, help="calls of the burst")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--counselors", type=int, default=64, help="on call, over 4 fields")
    parser.add_argument("--only", choices=("steady", "burst"), help="one scenario only")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--logs", help="keep the servers' logs and the calls' records here")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url postgresql://... (or set BENCH_DATABASE_URL)")
    tz = ZoneInfo(os.environ.get("CALLCENTER_TIMEZONE", "Asia/Seoul"))
    line = {name: os.environ.get(name, value) for name, value in LINE_SETTINGS.items()}
    timing = Timing(
        dial_timeout=float(line["IVR_DIAL_TIMEOUT"]),
        whisper_timeout=float(line["IVR_WHISPER_TIMEOUT"]),
        hold_round=float(line["IVR_QUEUE_PAUSE"]),
    )
    mix = Mix()
    roster = build_database(args.database_url, args.counselors, tz)
    print(
        f"database: {args.counselors} counselors on call now "
        f"({', '.join(f'{c} {len(p)}' for c, p in roster.items())}); gunicorn -c gunicorn.conf.py "
        f"with {args.workers} workers x {args.threads} threads, the scheduler, "
        f"{os.cpu_count()} cores; line settings {line}"
    )
    scenarios = [
        Scenario(
            f"steady {args.rate:g} calls/s for {args.seconds} s",
            int(args.rate * args.seconds),
            1 / args.rate,
            (0.7, 0.1, 0.1, 0.1),
        ),
        Scenario(f"burst of {args.calls} calls", args.calls, 0.0, (0.25, 0.25, 0.25, 0.25)),
    ]
    if args.only:
        scenarios = [s for s in scenarios if s.name.startswith(args.only)]
    with tempfile.TemporaryDirectory(prefix="line-load-") as scratch:
        folder = Path(args.logs or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        processes = Processes(args.database_url, args.workers, args.threads, folder)
        processes.start()
        try:
            time.sleep(2)  # the busy boards load every counselor before they are trusted
            for scenario in scenarios:
                limit = scenario.calls * scenario.spacing + 240
                result = run_scenario(
                    scenario,
                    args.database_url,
                    processes,
                    roster,
                    timing,
                    mix,
                    args.seed,
                    limit,
                )
                report(result)
                if not processes.alive():
                    print("a server process ended during the run; see its log")
                    break
            scheduler_errors = [
                line
                for line in processes.scheduler_log.read_text(errors="replace").splitlines()
                if '"ERROR"' in line or "Traceback" in line
            ]
            print(f"\nscheduler errors: {len(scheduler_errors)}")
        finally:
            processes.stop()


if __name__ == "__main__":
    main()
