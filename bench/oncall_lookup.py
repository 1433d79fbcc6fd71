"""Time on-call look-ups over ten years of rosters for 500 counselors.

    python bench/oncall_lookup.py                      # SQLite (temp file) and PostgreSQL
    python bench/oncall_lookup.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    python bench/oncall_lookup.py --only sqlite --lookups 5000

Every database it is given is EMPTIED and rebuilt with the migrations. The PostgreSQL URL
comes from --database-url, else BENCH_DATABASE_URL, else the local `cc_foundation` database.
Figures are per call, in milliseconds, next to a trivial `SELECT 1` through the same session
so that they can be read as a ratio on any machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time as clock
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import schema  # noqa: E402
from callcenter import create_app  # noqa: E402
from callcenter.config import normalise_database_url  # noqa: E402
from callcenter.extensions import db  # noqa: E402
from callcenter.models import (  # noqa: E402
    Counselor,
    DayOverride,
    Field,
    OneOffShift,
    Unavailability,
    WeeklyShift,
    WeeklyShiftSkip,
    counselor_fields,
)
from schedules.calendar import holiday_name  # noqa: E402
from schedules.oncall import (  # noqa: E402
    coverage_gaps,
    free_on_call,
    next_session_start,
    on_call,
    on_call_ids,
)
from schedules.patterns import week_parity  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/cc_foundation"
TZ = ZoneInfo("Asia/Seoul")
FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2029, 12, 31)
COUNSELORS = 500
PERIOD_DAYS = 182  # a roster changes about twice a year
ONE_OFFS = 40_000
SKIPS = 5_000
ABSENCES_PER_COUNSELOR = 30
CLOSURES = 150
REOPENED_HOLIDAYS = 20
# Shares of series that come monthly (n-th or last weekday) and every other week.
MONTHLY_SHARE = 0.25
FORTNIGHTLY_SHARE = 0.10


def rebuild(url: str) -> None:
    """Empty the database and build the schema with the migrations."""
    schema.rebuild()


def random_day(rng: random.Random) -> date:
    return FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))


def random_hours(rng: random.Random) -> tuple[time, time]:
    start = rng.choice((9, 10, 13, 14, 15))
    return time(start), time(min(start + rng.choice((1, 2, 3)), 18))


def populate(session: Session, rng: random.Random) -> dict[str, int]:
    """Fill the roster tables; return how many rows each got."""
    now = datetime(2026, 11, 25, tzinfo=UTC)
    field_ids = list(session.scalars(select(Field.id).order_by(Field.position)))
    counselors = [
        {
            "id": i,
            "name": f"상담위원 {i:03d}",
            "phone": f"+8210{20000000 + i:08d}",
            "active": rng.random() > 0.05,
            "auto_answer": False,
            "last_connected_at": None
            if rng.random() < 0.1
            else now - timedelta(hours=rng.random() * 900),
            "busy_since": now - timedelta(minutes=rng.random() * 300)
            if rng.random() < 0.1
            else None,
            "created_at": now,
        }
        for i in range(1, COUNSELORS + 1)
    ]
    session.execute(insert(Counselor), counselors)
    serves: dict[int, list[int]] = {}
    for c in counselors:
        mine = [field_ids[c["id"] % len(field_ids)]]
        if rng.random() < 0.2:
            mine.append(rng.choice([f for f in field_ids if f not in mine]))
        serves[c["id"]] = mine
    session.execute(
        insert(counselor_fields),
        [{"counselor_id": c, "field_id": f} for c, fs in serves.items() for f in fs],
    )

    weekly: dict[tuple[object, ...], dict[str, object]] = {}
    for c, fs in serves.items():
        period_start = FIRST_DAY
        while period_start <= LAST_DAY:
            period_end = period_start + timedelta(days=PERIOD_DAYS - 1)
            last = period_end >= LAST_DAY
            for _ in range(rng.choice((1, 2, 2, 3))):
                weekday = rng.choice((0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5))
                start, end = random_hours(rng)
                month_week, interval_weeks, valid_from = 0, 1, period_start
                kind = rng.random()
                if kind < MONTHLY_SHARE:  # the 1st-5th or the last weekday of the month
                    month_week = rng.choice((1, 2, 3, 4, 5, -1))
                elif kind < MONTHLY_SHARE + FORTNIGHTLY_SHARE:  # every other week
                    interval_weeks = 2
                    valid_from += timedelta(days=(weekday - period_start.weekday()) % 7)
                row = {
                    "counselor_id": c,
                    "field_id": rng.choice(fs),
                    "weekday": weekday,
                    "start_time": start,
                    "end_time": end,
                    "valid_from": valid_from,
                    "valid_until": None if last else period_end,
                    "month_week": month_week,
                    "interval_weeks": interval_weeks,
                    "week_parity": week_parity(valid_from) if interval_weeks == 2 else 0,
                    "created_at": now,
                }
                key = (c, row["field_id"], weekday, start, end, valid_from, month_week)
                weekly[key] = row
            period_start = period_end + timedelta(days=1)
    session.execute(insert(WeeklyShift), list(weekly.values()))

    one_offs: dict[tuple[object, ...], dict[str, object]] = {}
    while len(one_offs) < ONE_OFFS:
        c = rng.randrange(1, COUNSELORS + 1)
        start, end = random_hours(rng)
        row = {
            "counselor_id": c,
            "field_id": rng.choice(serves[c]),
            "date": random_day(rng),
            "start_time": start,
            "end_time": end,
            "created_at": now,
        }
        one_offs[(c, row["field_id"], row["date"], start, end)] = row
    session.execute(insert(OneOffShift), list(one_offs.values()))

    shifts = session.execute(
        select(WeeklyShift.id, WeeklyShift.weekday, WeeklyShift.valid_from)
    ).all()
    skips: dict[tuple[int, date], dict[str, object]] = {}
    while len(skips) < SKIPS:
        shift_id, weekday, valid_from = rng.choice(shifts)
        day = valid_from + timedelta(
            days=(weekday - valid_from.weekday()) % 7 + 7 * rng.randrange(26)
        )
        skips[(shift_id, day)] = {"weekly_shift_id": shift_id, "date": day}
    session.execute(insert(WeeklyShiftSkip), list(skips.values()))

    absences = []
    for c in range(1, COUNSELORS + 1):
        for _ in range(ABSENCES_PER_COUNSELOR):
            starts = datetime.combine(random_day(rng), time(rng.choice((0, 9, 12))), TZ)
            absences.append(
                {
                    "counselor_id": c,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=rng.choice((3, 24, 72, 240))),
                    "created_at": now,
                }
            )
    session.execute(insert(Unavailability), absences)

    overrides: dict[date, dict[str, object]] = {}
    while len(overrides) < CLOSURES:
        day = random_day(rng)
        if day.weekday() < 5 and holiday_name(day) is None:
            overrides[day] = {
                "date": day,
                "kind": "closed",
                "reason": "청사 점검",
                "created_at": now,
            }
    holidays_ = [d for d in (FIRST_DAY + timedelta(days=n) for n in range(3653)) if holiday_name(d)]
    for day in rng.sample(holidays_, REOPENED_HOLIDAYS):
        overrides[day] = {"date": day, "kind": "open", "reason": "특별 상담", "created_at": now}
    session.execute(insert(DayOverride), list(overrides.values()))
    session.commit()
    return {
        "counselors": len(counselors),
        "weekly shifts": len(weekly),
        "one-off shifts": len(one_offs),
        "skipped occurrences": len(skips),
        "unavailability periods": len(absences),
        "day overrides": len(overrides),
    }


def instants(rng: random.Random) -> Iterator[datetime]:
    """Yield instants at office hours over the ten years, when look-ups matter."""
    while True:
        day = random_day(rng)
        yield datetime.combine(day, time(8), TZ) + timedelta(seconds=rng.randrange(11 * 3600))


def timed(
    session: Session, calls: int, run: Callable[[], object], end: str, second: bool = False
) -> list[float]:
    """Time each call in its own transaction, ended by commit or rollback as a request would.

    With `second`, the request has already run a statement when the timed call starts, so the
    connection check-out and `BEGIN` are not part of the figure.
    """
    durations = []
    finish = session.commit if end == "commit" else session.rollback
    for _ in range(calls):
        if second:
            session.execute(text("SELECT 2")).scalar()
        started = clock.perf_counter()
        run()
        durations.append((clock.perf_counter() - started) * 1000)
        finish()
    return durations


def report(label: str, durations: list[float], baseline: float | None = None) -> None:
    ordered = sorted(durations)
    mean = statistics.fmean(ordered)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    ratio = f"  {mean / baseline:6.1f}x SELECT 1" if baseline else ""
    print(
        f"  {label:<34} n={len(ordered):<5} mean {mean:7.3f}  p50 {p50:7.3f}  "
        f"p99 {p99:7.3f} ms{ratio}"
    )


def profile(run: Callable[[], None], calls: int, finish: Callable[[], None]) -> None:
    """Print where the time of `calls` look-ups goes, by own time (cProfile)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        run()
        finish()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def bench(url: str, lookups: int, seed: int, profiled: bool = False) -> None:
    """Build one database and print the figures for it."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=normalise_database_url(url))
    with app.app_context():
        session = db.session
        dialect = db.engine.dialect.name
        print(f"\n== {dialect}: {db.engine.url.render_as_string(hide_password=True)}")
        started = clock.perf_counter()
        rebuild(url)
        counts = populate(session, random.Random(seed))
        print(
            "  built in {:.1f} s: {}".format(
                clock.perf_counter() - started, ", ".join(f"{v:,} {k}" for k, v in counts.items())
            )
        )
        # A table in service for years has been vacuumed and analysed by now: measure that
        # steady state (PostgreSQL's index-only scans need the visibility map VACUUM builds).
        db.session.remove()
        command = "VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(command))
        fields = list(session.scalars(select(Field.id)))
        rng = random.Random(seed + 1)
        points = instants(rng)
        # Warm up connections, statement caches and the holiday calendar.
        for _ in range(50):
            on_call(session, rng.choice(fields), next(points), TZ)
            session.rollback()

        found: list[int] = []

        def one_lookup() -> None:
            found.append(len(on_call(session, rng.choice(fields), next(points), TZ)))

        def ids_lookup() -> None:
            on_call_ids(session, rng.choice(fields), next(points), TZ)

        def one_free_lookup() -> None:
            free_on_call(session, rng.choice(fields), next(points), TZ)

        def select_one() -> None:
            session.execute(text("SELECT 1")).scalar()

        # A request that writes (the IVR records every call) ends with a commit; a read-only
        # one ends with a rollback, which also makes psycopg forget its prepared statements.
        # The first statement of a request also pays for the connection check-out and BEGIN.
        modes = (
            ("commit", False, "first statement of a request that commits"),
            ("rollback", False, "first statement of a request that rolls back"),
            ("commit", True, "second statement of a request that commits"),
            ("rollback", True, "second statement of a request that rolls back"),
        )
        baselines: dict[str, float] = {}
        for end, second, why in modes:
            print(f"  -- each look-up is the {why}")
            base = timed(session, lookups, select_one, end, second)
            baseline = statistics.fmean(base)
            baselines.setdefault(end, baseline)
            report("SELECT 1 (baseline)", base)
            report("on_call", timed(session, lookups, one_lookup, end, second), baseline)
            report("on_call_ids", timed(session, lookups, ids_lookup, end, second), baseline)
            report("free_on_call", timed(session, lookups, one_free_lookup, end, second), baseline)

        if profiled:
            print("  -- cProfile of on_call, first statement of a request that commits")
            profile(one_lookup, lookups, session.commit)
        few = max(lookups // 10, 20)
        baseline = baselines["commit"]
        print("  -- whole-roster questions, first statement of a request that commits")

        def next_start() -> None:
            next_session_start(session, rng.choice(fields), next(points), TZ)

        def gaps() -> None:
            first = next(points).date()
            coverage_gaps(session, rng.choice(fields), first, first + timedelta(days=13), TZ)

        report("next_session_start", timed(session, few, next_start, "commit"), baseline)
        report("coverage_gaps over 14 days", timed(session, few, gaps, "commit"), baseline)
        print(
            f"  on-call look-ups found {statistics.fmean(found):.1f} counselors on average "
            f"({sum(1 for n in found if n == 0) / len(found):.0%} found nobody)"
        )
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRES,
        help="PostgreSQL database to EMPTY and use (default: BENCH_DATABASE_URL or cc_foundation)",
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="run one database only")
    parser.add_argument("--lookups", type=int, default=2000, help="on-call look-ups to time")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of on_call")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            bench(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.lookups, args.seed, args.profile)
    if args.only != "sqlite":
        bench(args.database_url, args.lookups, args.seed, args.profile)


if __name__ == "__main__":
    main()
