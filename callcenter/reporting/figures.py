"""The coordinators' figures, aggregated by the database for one period.

Each query groups a period's rows by local day or month (and field, channel, hour ...) and
returns a handful of rows; Python only adds buckets together and divides sums by counts.
Definitions (see docs/reports.md):

- a consultation counts when its status is not ``draft``, in the period of its start;
- a call is *offered* unless its number was blocked; *answered* when its outcome is
  ``connected``; *abandoned in the menu / in the queue / while a counselor's phone rang* by
  outcome;
- the *wait* of an answered call runs from entering the queue (choosing a field) to the
  counselor taking it; calls without a queue time count from the start of the call;
- the 90th percentile is the nearest-rank one: the smallest wait that at least 90 % of the
  calls did not exceed;
- callbacks belong to the period they were requested in; time to callback runs from the
  request to its completion.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression

from callcenter.models import (
    Base,
    Call,
    CallbackRequest,
    CallbackStatus,
    Counselor,
    Field,
    ReportCallDay,
    ReportConsultationDay,
    ReportCounselorDay,
    ReportWaitDay,
    Voicemail,
)
from callcenter.reporting import rates, sources, sqltime
from callcenter.reporting.period import Period

ANSWER_TARGET_SECONDS = rates.ANSWER_TARGET_SECONDS
SATISFACTION_SCORES = (1, 2, 3, 4, 5)
CHANNELS = ("phone", "visit", "callback", "appt_visit", "appt_phone")


@dataclass
class Scope:
    """A period bound to a session, a time zone and a dialect."""

    session: Session
    period: Period
    tz: ZoneInfo

    def __post_init__(self) -> None:
        self.dialect = self.session.get_bind().dialect.name
        self.start, self.end = self.period.bounds(self.tz)
        self.rolled = sources.rolled_until(self.session, self.tz)

    def days(self, model: type[Base]):
        """Return the period's rows in a rollup table's daily shape (rolled up or live)."""
        return sources.daily_rows(
            model, self.period.start, self.period.end, self.tz, self.dialect, self.rolled
        )

    def day_bucket(self, day: ColumnElement) -> ColumnElement:
        """Return the month or day key of a local date column."""
        return sources.day_bucket(day, self.period.unit, self.dialect)

    def local(self, column: SQLColumnExpression) -> ColumnElement:
        """Return a stored instant as local wall-clock time."""
        return sqltime.local_timestamp(column, self.tz, self.start, self.end, self.dialect)

    def bucket(self, column: SQLColumnExpression) -> ColumnElement:
        """Return the day or month key of a stored instant."""
        local = self.local(column)
        if self.period.unit == "month":
            return sqltime.month_key(local, self.dialect)
        return sqltime.day_key(local, self.dialect)

    def within(self, column: SQLColumnExpression) -> ColumnElement:
        """Return the condition that an instant falls in the period."""
        return and_(column >= self.start, column < self.end)

    def key(self, value: str | datetime) -> str:
        """Return the text key of a bucket value from a result row."""
        return sqltime.key(value, self.period.unit)

    def seconds(self, earlier: SQLColumnExpression, later: SQLColumnExpression) -> ColumnElement:
        """Return whole seconds between two stored instants."""
        return sqltime.seconds_between(earlier, later, self.dialect)


def _count_if(condition: ColumnElement) -> ColumnElement:
    """Count the rows meeting a condition (portable conditional count)."""
    return func.count(case((condition, 1)))


def _sum_if(condition: ColumnElement, value: ColumnElement) -> ColumnElement:
    """Sum a value over the rows meeting a condition."""
    return func.coalesce(func.sum(case((condition, value))), 0)


def percentile_90(
    scope: Scope, value: ColumnElement, instant: SQLColumnExpression, *conditions: ColumnElement
) -> tuple[dict[str, int], int | None]:
    """Return the nearest-rank 90th percentile of a value per bucket and over the period."""
    where = (scope.within(instant), value.is_not(None), *conditions)
    bucket = scope.bucket(instant).label("bucket")
    if scope.dialect == "postgresql":
        # percentile_disc is the nearest-rank percentile: the same answer, one sort per group.
        p90 = func.percentile_disc(0.9).within_group(value)
        rows = scope.session.execute(select(bucket, p90).where(*where).group_by(bucket))
        total = scope.session.scalar(select(p90).where(*where))
        return {scope.key(b): int(v) for b, v in rows}, None if total is None else int(total)
    ranked = (
        select(
            bucket,
            value.label("value"),
            func.row_number().over(partition_by=bucket, order_by=value).label("rank"),
            func.count().over(partition_by=bucket).label("n"),
        )
        .where(*where)
        .subquery()
    )
    per_bucket = {
        scope.key(row.bucket): int(row.value)
        for row in scope.session.execute(
            select(ranked.c.bucket, ranked.c.value).where(
                ranked.c.rank == (ranked.c.n * 9 + 9) // 10
            )
        )
    }
    overall = (
        select(
            value.label("value"),
            func.row_number().over(order_by=value).label("rank"),
            func.count().over().label("n"),
        )
        .where(*where)
        .subquery()
    )
    total = scope.session.scalar(
        select(overall.c.value).where(overall.c.rank == (overall.c.n * 9 + 9) // 10)
    )
    return per_bucket, None if total is None else int(total)


@dataclass
class CallFigures:
    """Call figures of one bucket (or a whole period)."""

    offered: int = 0
    answered: int = 0
    abandoned_menu: int = 0
    abandoned_queue: int = 0
    abandoned_ringing: int = 0
    answered_in_target: int = 0
    wait_seconds_total: int = 0
    p90_wait: int | None = None
    satisfaction_responses: int = 0
    satisfaction_total: int = 0

    @property
    def abandoned(self) -> int:
        """Return the calls abandoned in the menu, in the queue or while a phone rang."""
        return self.abandoned_menu + self.abandoned_queue + self.abandoned_ringing

    @property
    def average_wait(self) -> float | None:
        """Return the mean wait of answered calls, in seconds."""
        return self.wait_seconds_total / self.answered if self.answered else None

    @property
    def answer_rate(self) -> float | None:
        """Return answered ÷ offered, in percent (callcenter/reporting/rates.py)."""
        return rates.answer_rate(self.answered, self.offered)

    @property
    def abandoned_rate(self) -> float | None:
        """Return abandoned ÷ offered, in percent."""
        return rates.abandoned_rate(self.abandoned, self.offered)

    @property
    def service_level(self) -> float | None:
        """Return answered within the target ÷ offered, in percent."""
        return rates.service_level(self.answered_in_target, self.offered)

    @property
    def satisfaction(self) -> float | None:
        """Return the mean satisfaction score."""
        if not self.satisfaction_responses:
            return None
        return self.satisfaction_total / self.satisfaction_responses

    def add(self, other: CallFigures) -> None:
        """Add another bucket's counts to this one (percentiles are not additive)."""
        for name in (
            "offered",
            "answered",
            "abandoned_menu",
            "abandoned_queue",
            "abandoned_ringing",
            "answered_in_target",
            "wait_seconds_total",
            "satisfaction_responses",
            "satisfaction_total",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def histogram_p90(scope: Scope, days, value: str, count: str) -> tuple[dict[str, int], int | None]:
    """Return the nearest-rank 90th percentile per bucket and overall from daily histograms.

    The smallest value whose running count reaches 90 % of all counts: 10 * running >= 9 * n.
    """
    bucket = scope.day_bucket(days.c.day).label("bucket")
    merged = (
        select(bucket, days.c[value].label("value"), func.sum(days.c[count]).label("n"))
        .group_by(bucket, days.c[value])
        .subquery()
    )
    running = select(
        merged.c.bucket,
        merged.c.value,
        func.sum(merged.c.n)
        .over(partition_by=merged.c.bucket, order_by=merged.c.value)
        .label("run"),
        func.sum(merged.c.n).over(partition_by=merged.c.bucket).label("n"),
    ).subquery()
    per_bucket = {
        scope.key(b): int(v)
        for b, v in scope.session.execute(
            select(running.c.bucket, func.min(running.c.value))
            .where(running.c.run * 10 >= running.c.n * 9)
            .group_by(running.c.bucket)
        )
    }
    overall = (
        select(merged.c.value, func.sum(merged.c.n).label("n")).group_by(merged.c.value).subquery()
    )
    running_all = select(
        overall.c.value,
        func.sum(overall.c.n).over(order_by=overall.c.value).label("run"),
        func.sum(overall.c.n).over().label("n"),
    ).subquery()
    total = scope.session.scalar(
        select(func.min(running_all.c.value)).where(running_all.c.run * 10 >= running_all.c.n * 9)
    )
    return per_bucket, None if total is None else int(total)


CALL_MEASURES = (
    "offered",
    "answered",
    "abandoned_menu",
    "abandoned_queue",
    "abandoned_ringing",
    "answered_in_target",
    "wait_seconds_total",
    "satisfaction_responses",
    "satisfaction_total",
)


def call_figures(
    scope: Scope,
) -> tuple[dict[str, CallFigures], CallFigures, dict[int | None, CallFigures]]:
    """Return call figures per bucket, for the period, and per field."""
    days = scope.days(ReportCallDay)
    bucket = scope.day_bucket(days.c.day).label("bucket")
    per_bucket: dict[str, CallFigures] = defaultdict(CallFigures)
    by_field: dict[int | None, CallFigures] = defaultdict(CallFigures)
    rows = scope.session.execute(
        select(
            bucket, days.c.field_id, *(func.sum(days.c[m]).label(m) for m in CALL_MEASURES)
        ).group_by(bucket, days.c.field_id)
    )
    for row in rows:
        item = CallFigures(**{m: int(getattr(row, m) or 0) for m in CALL_MEASURES})
        per_bucket[scope.key(row.bucket)].add(item)
        by_field[row.field_id].add(item)
    p90, p90_total = histogram_p90(scope, scope.days(ReportWaitDay), "wait_seconds", "calls")
    total = CallFigures(p90_wait=p90_total)
    for key, item in per_bucket.items():
        item.p90_wait = p90.get(key)
        total.add(item)
    return dict(per_bucket), total, dict(by_field)


def satisfaction_distribution(scope: Scope) -> Counter[int]:
    """Return how many callers gave each satisfaction score."""
    days = scope.days(ReportCallDay)
    row = scope.session.execute(
        select(*(func.sum(days.c[f"score_{n}"]) for n in SATISFACTION_SCORES))
    ).one()
    return Counter({n: int(v) for n, v in zip(SATISFACTION_SCORES, row, strict=True) if v})


@dataclass
class ConsultationFigures:
    """Consultation counts of a period, cut several ways."""

    by_bucket: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_field: dict[int | None, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_outcome: Counter[str | None] = field(default_factory=Counter)
    by_field_outcome: dict[int | None, Counter[str | None]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    total: Counter[str] = field(default_factory=Counter)
    drafts: int = 0


def consultation_figures(scope: Scope) -> ConsultationFigures:
    """Return consultations by bucket, field, channel and outcome."""
    days = scope.days(ReportConsultationDay)
    bucket = scope.day_bucket(days.c.day).label("bucket")
    rows = scope.session.execute(
        select(
            bucket,
            days.c.field_id,
            days.c.channel,
            days.c.outcome,
            func.sum(days.c.consultations),
            func.sum(days.c.drafts),
        ).group_by(bucket, days.c.field_id, days.c.channel, days.c.outcome)
    )
    result = ConsultationFigures()
    for value, field_id, channel, outcome, n, drafts in rows:
        result.drafts += int(drafts or 0)
        n = int(n or 0)
        if not n:
            continue
        result.by_bucket[scope.key(value)][channel] += n
        result.by_field[field_id][channel] += n
        result.by_outcome[outcome] += n
        result.by_field_outcome[field_id][outcome] += n
        result.total[channel] += n
    return result


@dataclass
class CallbackFigures:
    """Callback requests of one bucket or a period."""

    requested: int = 0
    web: int = 0
    kept_turns: int = 0  # callers who hung up in the queue keeping their place
    completed: int = 0
    cancelled: int = 0
    minutes_total: float = 0.0
    p90_minutes: float | None = None

    @property
    def average_minutes(self) -> float | None:
        """Return the mean time from request to completed callback, in minutes."""
        return self.minutes_total / self.completed if self.completed else None


def callback_figures(scope: Scope) -> tuple[dict[str, CallbackFigures], CallbackFigures]:
    """Return callback requests, completions and time to callback per bucket and in total."""
    done = CallbackRequest.status == CallbackStatus.DONE
    delay = scope.seconds(CallbackRequest.requested_at, CallbackRequest.completed_at)
    bucket = scope.bucket(CallbackRequest.requested_at).label("bucket")
    rows = scope.session.execute(
        select(
            bucket,
            func.count().label("requested"),
            _count_if(CallbackRequest.source == "web").label("web"),
            _count_if(Call.kept_turn_at.is_not(None)).label("kept_turns"),
            _count_if(done).label("completed"),
            _count_if(CallbackRequest.status == CallbackStatus.CANCELLED).label("cancelled"),
            _sum_if(and_(done, CallbackRequest.completed_at.is_not(None)), delay).label("seconds"),
        )
        .select_from(CallbackRequest)
        .outerjoin(Call, Call.id == CallbackRequest.call_id)
        .where(scope.within(CallbackRequest.requested_at))
        .group_by(bucket)
    )
    per_bucket: dict[str, CallbackFigures] = {}
    total = CallbackFigures()
    names = ("requested", "web", "kept_turns", "completed", "cancelled", "minutes_total")
    for row in rows:
        item = CallbackFigures(
            requested=row.requested,
            web=row.web,
            kept_turns=row.kept_turns,
            completed=row.completed,
            cancelled=row.cancelled,
            minutes_total=int(row.seconds) / 60,
        )
        per_bucket[scope.key(row.bucket)] = item
        for name in names:
            setattr(total, name, getattr(total, name) + getattr(item, name))
    p90, p90_total = percentile_90(scope, case((done, delay)), CallbackRequest.requested_at, done)
    for key, item in per_bucket.items():
        item.p90_minutes = p90[key] / 60 if key in p90 else None
    total.p90_minutes = None if p90_total is None else p90_total / 60
    return per_bucket, total


def voicemail_counts(scope: Scope) -> dict[str, int]:
    """Return voice messages left per bucket."""
    bucket = scope.bucket(Voicemail.created_at).label("bucket")
    rows = scope.session.execute(
        select(bucket, func.count()).where(scope.within(Voicemail.created_at)).group_by(bucket)
    )
    return {scope.key(value): int(n) for value, n in rows}


@dataclass
class CounselorLoad:
    """What one counselor did in a period."""

    counselor_id: int
    name: str
    consultations: int = 0
    consultation_minutes: int = 0
    calls: int = 0
    call_minutes: float = 0.0


def counselor_load(scope: Scope) -> list[CounselorLoad]:
    """Return each counselor's consultations and answered calls, busiest first."""
    names = dict(scope.session.execute(select(Counselor.id, Counselor.name)).all())
    days = scope.days(ReportCounselorDay)
    rows = scope.session.execute(
        select(
            days.c.counselor_id,
            func.sum(days.c.consultations),
            func.sum(days.c.consultation_minutes),
            func.sum(days.c.calls),
            func.sum(days.c.call_seconds),
        ).group_by(days.c.counselor_id)
    )
    loads = [
        CounselorLoad(
            counselor_id,
            names.get(counselor_id, "?"),
            int(consultations or 0),
            int(minutes or 0),
            int(calls or 0),
            int(seconds or 0) / 60,
        )
        for counselor_id, consultations, minutes, calls, seconds in rows
    ]
    return sorted(loads, key=lambda x: (-(x.consultations + x.calls), x.name))


def weekday_hour_calls(scope: Scope) -> list[list[int]]:
    """Return offered calls as a 7 x 24 grid: weekday (Monday first) by local hour."""
    days = scope.days(ReportCallDay)
    weekday = sqltime.weekday_of(days.c.day, scope.dialect).label("weekday")
    grid = [[0] * 24 for _ in range(7)]
    for day, hour, n in scope.session.execute(
        select(weekday, days.c.hour, func.sum(days.c.offered)).group_by(weekday, days.c.hour)
    ):
        grid[int(day)][int(hour)] = int(n or 0)
    return grid


@dataclass
class Report:
    """Everything the coordinators' report shows for one period."""

    period: Period
    fields: list[Field]
    consultations: ConsultationFigures
    calls: dict[str, CallFigures]
    calls_total: CallFigures
    calls_by_field: dict[int | None, CallFigures]
    callbacks: dict[str, CallbackFigures]
    callbacks_total: CallbackFigures
    voicemails: dict[str, int]
    satisfaction: Counter[int]
    counselors: list[CounselorLoad]
    heatmap: list[list[int]]

    @property
    def buckets(self) -> list[str]:
        """Return the period's day or month keys."""
        return self.period.buckets()

    @property
    def busiest_hours(self) -> list[tuple[int, int]]:
        """Return (hour, offered calls) pairs, busiest first, hours without calls left out."""
        totals = [(hour, sum(day[hour] for day in self.heatmap)) for hour in range(24)]
        return sorted((t for t in totals if t[1]), key=lambda t: (-t[1], t[0]))

    @property
    def busiest_weekdays(self) -> list[tuple[int, int]]:
        """Return (weekday, offered calls) pairs, busiest first."""
        totals = [(day, sum(self.heatmap[day])) for day in range(7)]
        return sorted((t for t in totals if t[1]), key=lambda t: (-t[1], t[0]))


def build_report(session: Session, period: Period, tz: ZoneInfo) -> Report:
    """Compute every figure of a period's report."""
    scope = Scope(session, period, tz)
    calls, calls_total, calls_by_field = call_figures(scope)
    callbacks, callbacks_total = callback_figures(scope)
    return Report(
        period=period,
        fields=list(session.scalars(select(Field).order_by(Field.position, Field.digit))),
        consultations=consultation_figures(scope),
        calls=calls,
        calls_total=calls_total,
        calls_by_field=calls_by_field,
        callbacks=callbacks,
        callbacks_total=callbacks_total,
        voicemails=voicemail_counts(scope),
        satisfaction=satisfaction_distribution(scope),
        counselors=counselor_load(scope),
        heatmap=weekday_hour_calls(scope),
    )
