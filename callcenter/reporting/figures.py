"""The coordinators' figures, aggregated by the database for one period.

Each query groups a period's rows by local day or month (and field, channel, hour ...) and
returns a handful of rows; Python only adds buckets together and divides sums by counts.
Definitions (see docs/reports.md):

- a consultation counts when its status is not ``draft``, in the period of its start;
- a call is *offered* unless its number was blocked; *answered* when its outcome is
  ``connected``; *abandoned in the menu / in the queue* by outcome;
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

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from callcenter.models import (
    CallbackRequest,
    CallbackStatus,
    CallOutcome,
    Consultation,
    Counselor,
    Field,
    Voicemail,
)
from callcenter.models.calls import Call
from callcenter.reporting import sqltime
from callcenter.reporting.period import Period

ANSWER_TARGET_SECONDS = 30
SATISFACTION_SCORES = (1, 2, 3, 4, 5)
CHANNELS = ("phone", "visit", "callback")


@dataclass
class Scope:
    """A period bound to a session, a time zone and a dialect."""

    session: Session
    period: Period
    tz: ZoneInfo

    def __post_init__(self) -> None:
        self.dialect = self.session.get_bind().dialect.name
        self.start, self.end = self.period.bounds(self.tz)

    def local(self, column: ColumnElement) -> ColumnElement:
        """Return a stored instant as local wall-clock time."""
        return sqltime.local_timestamp(column, self.tz, self.start, self.end, self.dialect)

    def bucket(self, column: ColumnElement) -> ColumnElement:
        """Return the day or month key of a stored instant."""
        local = self.local(column)
        if self.period.unit == "month":
            return sqltime.month_key(local, self.dialect)
        return sqltime.day_key(local, self.dialect)

    def within(self, column: ColumnElement) -> ColumnElement:
        """Return the condition that an instant falls in the period."""
        return and_(column >= self.start, column < self.end)

    def key(self, value: str | datetime) -> str:
        """Return the text key of a bucket value from a result row."""
        return sqltime.key(value, self.period.unit)

    def seconds(self, earlier: ColumnElement, later: ColumnElement) -> ColumnElement:
        """Return whole seconds between two stored instants."""
        return sqltime.seconds_between(earlier, later, self.dialect)


def _count_if(condition: ColumnElement) -> ColumnElement:
    """Count the rows meeting a condition (portable conditional count)."""
    return func.count(case((condition, 1)))


def _sum_if(condition: ColumnElement, value: ColumnElement) -> ColumnElement:
    """Sum a value over the rows meeting a condition."""
    return func.coalesce(func.sum(case((condition, value))), 0)


def percentile_90(
    scope: Scope, value: ColumnElement, instant: ColumnElement, *conditions: ColumnElement
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
    answered_in_target: int = 0
    wait_seconds_total: int = 0
    p90_wait: int | None = None
    satisfaction_responses: int = 0
    satisfaction_total: int = 0

    @property
    def abandoned(self) -> int:
        """Return the calls abandoned in the menu or in the queue."""
        return self.abandoned_menu + self.abandoned_queue

    @property
    def average_wait(self) -> float | None:
        """Return the mean wait of answered calls, in seconds."""
        return self.wait_seconds_total / self.answered if self.answered else None

    @property
    def service_level(self) -> float | None:
        """Return the share of answered calls taken within the target, in percent."""
        return 100.0 * self.answered_in_target / self.answered if self.answered else None

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
            "answered_in_target",
            "wait_seconds_total",
            "satisfaction_responses",
            "satisfaction_total",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _offered() -> ColumnElement:
    return or_(Call.outcome.is_(None), Call.outcome != CallOutcome.BLOCKED)


def _wait(scope: Scope) -> ColumnElement:
    return scope.seconds(func.coalesce(Call.queue_entered_at, Call.started_at), Call.answered_at)


def call_figures(
    scope: Scope,
) -> tuple[dict[str, CallFigures], CallFigures, dict[int | None, CallFigures]]:
    """Return call figures per bucket, for the period, and per field."""
    answered = Call.outcome == CallOutcome.CONNECTED
    wait = _wait(scope)
    measures = (
        func.count().label("offered"),
        _count_if(answered).label("answered"),
        _count_if(Call.outcome == CallOutcome.ABANDONED_MENU).label("abandoned_menu"),
        _count_if(Call.outcome == CallOutcome.ABANDONED_QUEUE).label("abandoned_queue"),
        _count_if(and_(answered, wait <= ANSWER_TARGET_SECONDS)).label("answered_in_target"),
        _sum_if(answered, wait).label("wait_seconds_total"),
        func.count(Call.satisfaction).label("satisfaction_responses"),
        func.coalesce(func.sum(Call.satisfaction), 0).label("satisfaction_total"),
    )

    def figures(row) -> CallFigures:  # type: ignore[no-untyped-def]
        return CallFigures(**{m.name: int(getattr(row, m.name) or 0) for m in measures})

    where = (scope.within(Call.started_at), _offered())
    bucket = scope.bucket(Call.started_at).label("bucket")
    per_bucket: dict[str, CallFigures] = defaultdict(CallFigures)
    by_field: dict[int | None, CallFigures] = defaultdict(CallFigures)
    for row in scope.session.execute(
        select(bucket, Call.field_id, *measures).where(*where).group_by(bucket, Call.field_id)
    ):
        item = figures(row)
        per_bucket[scope.key(row.bucket)].add(item)
        by_field[row.field_id].add(item)
    p90, p90_total = percentile_90(scope, wait, Call.started_at, _offered(), answered)
    total = CallFigures(p90_wait=p90_total)
    for key, item in per_bucket.items():
        item.p90_wait = p90.get(key)
        total.add(item)
    return dict(per_bucket), total, dict(by_field)


def satisfaction_distribution(scope: Scope) -> Counter[int]:
    """Return how many callers gave each satisfaction score."""
    rows = scope.session.execute(
        select(Call.satisfaction, func.count())
        .where(scope.within(Call.started_at), Call.satisfaction.is_not(None))
        .group_by(Call.satisfaction)
    )
    return Counter({int(score): int(n) for score, n in rows})


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
    bucket = scope.bucket(Consultation.started_at).label("bucket")
    rows = scope.session.execute(
        select(
            bucket, Consultation.field_id, Consultation.channel, Consultation.outcome, func.count()
        )
        .where(scope.within(Consultation.started_at), Consultation.status != "draft")
        .group_by(bucket, Consultation.field_id, Consultation.channel, Consultation.outcome)
    )
    result = ConsultationFigures()
    for value, field_id, channel, outcome, n in rows:
        result.by_bucket[scope.key(value)][channel] += n
        result.by_field[field_id][channel] += n
        result.by_outcome[outcome] += n
        result.by_field_outcome[field_id][outcome] += n
        result.total[channel] += n
    result.drafts = (
        scope.session.scalar(
            select(func.count()).where(
                scope.within(Consultation.started_at), Consultation.status == "draft"
            )
        )
        or 0
    )
    return result


@dataclass
class CallbackFigures:
    """Callback requests of one bucket or a period."""

    requested: int = 0
    web: int = 0
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
            _count_if(done).label("completed"),
            _count_if(CallbackRequest.status == CallbackStatus.CANCELLED).label("cancelled"),
            _sum_if(and_(done, CallbackRequest.completed_at.is_not(None)), delay).label("seconds"),
        )
        .where(scope.within(CallbackRequest.requested_at))
        .group_by(bucket)
    )
    per_bucket: dict[str, CallbackFigures] = {}
    total = CallbackFigures()
    for row in rows:
        item = CallbackFigures(
            row.requested, row.web, row.completed, row.cancelled, int(row.seconds) / 60
        )
        per_bucket[scope.key(row.bucket)] = item
        for name in ("requested", "web", "completed", "cancelled", "minutes_total"):
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
    loads: dict[int, CounselorLoad] = {}
    names = dict(scope.session.execute(select(Counselor.id, Counselor.name)).all())

    def load(counselor_id: int) -> CounselorLoad:
        if counselor_id not in loads:
            loads[counselor_id] = CounselorLoad(counselor_id, names.get(counselor_id, "?"))
        return loads[counselor_id]

    for counselor_id, n, minutes in scope.session.execute(
        select(
            Consultation.counselor_id,
            func.count(),
            func.coalesce(func.sum(Consultation.duration_minutes), 0),
        )
        .where(
            scope.within(Consultation.started_at),
            Consultation.status != "draft",
            Consultation.counselor_id.is_not(None),
        )
        .group_by(Consultation.counselor_id)
    ):
        item = load(counselor_id)
        item.consultations, item.consultation_minutes = int(n), int(minutes)
    for counselor_id, n, seconds in scope.session.execute(
        select(
            Call.connected_counselor_id,
            func.count(),
            func.coalesce(func.sum(Call.duration_seconds), 0),
        )
        .where(
            scope.within(Call.started_at),
            Call.outcome == CallOutcome.CONNECTED,
            Call.connected_counselor_id.is_not(None),
        )
        .group_by(Call.connected_counselor_id)
    ):
        item = load(counselor_id)
        item.calls, item.call_minutes = int(n), int(seconds) / 60
    return sorted(loads.values(), key=lambda x: (-(x.consultations + x.calls), x.name))


def weekday_hour_calls(scope: Scope) -> list[list[int]]:
    """Return offered calls as a 7 x 24 grid: weekday (Monday first) by local hour."""
    local = scope.local(Call.started_at)
    weekday = sqltime.weekday_of(local, scope.dialect).label("weekday")
    hour = sqltime.hour_of(local, scope.dialect).label("hour")
    grid = [[0] * 24 for _ in range(7)]
    for day, hour_, n in scope.session.execute(
        select(weekday, hour, func.count())
        .where(scope.within(Call.started_at), _offered())
        .group_by(weekday, hour)
    ):
        grid[int(day)][int(hour_)] = int(n)
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
