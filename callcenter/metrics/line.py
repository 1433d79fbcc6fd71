"""What the database says about the line, read at scrape time (the same for every worker).

Rolling windows rather than counters: a call's outcome is written when it ends, and a window
over the calls' start times stays right under any number of workers and restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import cast

from flask import Flask
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session

from callcenter.extensions import db
from callcenter.models import Call, CallLeg, Counselor, Field, JobRun, OutboxMessage
from callcenter.reporting.live import line_now, wallboard
from callcenter.reporting.sources import counted
from callcenter.timezone import line_timezone

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels)


class LineCollector:
    """A prometheus-client collector that reads the line's figures from the database."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def describe(self) -> list[Metric]:
        return []  # read at scrape time only: never while registering

    def collect(self) -> Iterator[Metric]:
        up = _gauge("callcenter_database_up", "1 when the database answered this scrape.")
        with self.app.app_context():
            try:
                families = list(line_metrics(db.session, self.app, line_now()))
            except SQLAlchemyError:
                log.warning("metrics: the database did not answer", exc_info=True)
                db.session.rollback()
                families = []
            finally:
                cast(scoped_session[Session], db.session).remove()
        up.add_metric([], 1 if families else 0)
        yield up
        yield from families


def line_metrics(session: Session, app: Flask, now: datetime) -> Iterator[Metric]:
    """Yield every database-backed metric family as of `now`."""
    codes = dict(session.execute(select(Field.id, Field.code)).all())
    yield from _calls(session, codes, now)
    yield from _rings(session, codes, now)
    yield from _fields_now(session, now)
    yield from _outbox(session, now)
    yield from _jobs(session, now)
    yield from _scheduler(session, now)
    yield from _numbers(session, now)
    yield from _busy_board(app)


def _code(codes: dict[int, str], field_id: int | None) -> str:
    return codes.get(field_id, "none") if field_id is not None else "none"


def _calls(session: Session, codes: dict[int, str], now: datetime) -> Iterator[Metric]:
    family = _gauge(
        "callcenter_calls_last_hour",
        "Calls that started in the last hour, by field and outcome (in_progress: no outcome yet).",
        ["field", "outcome"],
    )
    rows = session.execute(
        select(Call.field_id, Call.outcome, func.count())
        .where(Call.started_at > now - HOUR, Call.started_at <= now, counted())
        .group_by(Call.field_id, Call.outcome)
    )
    for field_id, outcome, count in rows:
        family.add_metric([_code(codes, field_id), outcome or "in_progress"], count)
    yield family


def _rings(session: Session, codes: dict[int, str], now: datetime) -> Iterator[Metric]:
    family = _gauge(
        "callcenter_rings_last_hour",
        "Counselor rings of calls that started in the last hour, by field and result "
        "(refused: busy or declined; expired: no_answer).",
        ["field", "result"],
    )
    rows = session.execute(
        select(Call.field_id, CallLeg.result, func.count())
        .join(Call, Call.id == CallLeg.call_id)
        .where(Call.started_at > now - HOUR, Call.started_at <= now, counted())
        .group_by(Call.field_id, CallLeg.result)
    )
    for field_id, result, count in rows:
        family.add_metric([_code(codes, field_id), result], count)
    yield family
    lapsed = _gauge(
        "callcenter_reservations_lapsed",
        "Counselors whose ring reservation ran out without its leg's end being heard.",
    )
    lapsed.add_metric(
        [],
        session.scalar(
            select(func.count()).where(
                Counselor.reserved_call_sid.is_not(None), Counselor.reserved_until <= now
            )
        )
        or 0,
    )
    yield lapsed


def _fields_now(session: Session, now: datetime) -> Iterator[Metric]:
    board = wallboard(session, now, line_timezone())
    on_call = _gauge(
        "callcenter_field_on_call_counselors", "Counselors on call for a field now.", ["field"]
    )
    engaged = _gauge(
        "callcenter_field_engaged_counselors",
        "On-call counselors of a field who are talking or being rung now.",
        ["field"],
    )
    waiting = _gauge("callcenter_queue_waiting", "Callers waiting in a field's queue.", ["field"])
    longest = _gauge(
        "callcenter_queue_longest_wait_seconds",
        "How long the first caller in a field's queue has waited (0: nobody waits).",
        ["field"],
    )
    for row in board.fields:
        code = [row.field.code]
        on_call.add_metric(code, len(row.counselors))
        engaged.add_metric(code, row.busy)
        waiting.add_metric(code, row.waiting)
        longest.add_metric(code, row.longest_wait or 0)
    yield from (on_call, engaged, waiting, longest)


def _outbox(session: Session, now: datetime) -> Iterator[Metric]:
    family = _gauge(
        "callcenter_outbox_last_hour",
        "SMS and REST requests (placed calls, call redirects) of the last hour, by kind and "
        "status (recorded: sandbox; sent; failed: Twilio refused or did not answer).",
        ["kind", "status"],
    )
    rows = session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count())
        .where(OutboxMessage.created_at > now - HOUR, OutboxMessage.created_at <= now)
        .group_by(OutboxMessage.kind, OutboxMessage.status)
    )
    for kind, status, count in rows:
        family.add_metric([kind, status], count)
    yield family


def _jobs(session: Session, now: datetime) -> Iterator[Metric]:
    from schedules.scheduler import JOBS, next_run_times

    runs = _gauge(
        "callcenter_job_runs_last_day",
        "Scheduled job runs started in the last 24 hours, by job and result.",
        ["job", "result"],
    )
    last_run = _gauge(
        "callcenter_job_last_run_timestamp_seconds", "When a job last started.", ["job"]
    )
    last_ok = _gauge(
        "callcenter_job_last_success_timestamp_seconds",
        "When a job last finished without error.",
        ["job"],
    )
    next_run = _gauge(
        "callcenter_job_next_run_timestamp_seconds",
        "When the running scheduler will next start a job (in the past: overdue).",
        ["job"],
    )
    ids = [spec.id for spec in JOBS]
    counted = session.execute(
        select(JobRun.job_id, JobRun.ok, func.count())
        .where(JobRun.job_id.in_(ids), JobRun.started_at > now - DAY)
        .group_by(JobRun.job_id, JobRun.ok)
    ).all()
    stored = next_run_times(session)
    for job in ids:
        for label, ok in (("ok", True), ("failed", False), ("running", None)):
            count = sum(n for found, was, n in counted if found == job and was is ok)
            runs.add_metric([job, label], count)
        newest = select(JobRun).where(JobRun.job_id == job).order_by(JobRun.started_at.desc())
        started = session.scalar(newest.with_only_columns(JobRun.started_at).limit(1))
        if started is not None:
            last_run.add_metric([job], started.timestamp())
        finished = session.scalar(
            newest.with_only_columns(JobRun.finished_at).where(JobRun.ok.is_(True)).limit(1)
        )
        if finished is not None:
            last_ok.add_metric([job], finished.timestamp())
        if stored.get(job) is not None:
            next_run.add_metric([job], stored[job].timestamp())  # type: ignore[union-attr]
    yield from (runs, last_run, last_ok, next_run)


def _scheduler(session: Session, now: datetime) -> Iterator[Metric]:
    from schedules.heartbeat import heartbeat

    beat = heartbeat(session, now)
    held = _gauge("callcenter_scheduler_lock_held", "1 when a scheduler process holds the lock.")
    held.add_metric([], 1 if beat.lock_held else 0)
    yield held


def _numbers(session: Session, now: datetime) -> Iterator[Metric]:
    from callcenter.number_checks import failing_numbers

    family = _gauge(
        "callcenter_counselor_numbers_failing",
        "Active counselors whose number failed in real calls several times in a row.",
    )
    family.add_metric([], len(failing_numbers(session, now)))
    yield family


def _busy_board(app: Flask) -> Iterator[Metric]:
    from callcenter.health import busy_board_state

    state = busy_board_state(app)
    enabled = _gauge(
        "callcenter_busy_board_enabled", "1 when workers keep a busy board (PostgreSQL)."
    )
    enabled.add_metric([], 0 if state == "off" else 1)
    yield enabled
    if state != "off":
        trusted = _gauge(
            "callcenter_busy_board_trusted",
            "1 when this scraping process's busy board hears the database's notifications.",
        )
        trusted.add_metric([], 1 if state == "trusted" else 0)
        yield trusted
