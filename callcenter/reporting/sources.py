"""The report's rows in daily shape: rolled-up days from the rollup tables, later days
aggregated from the raw tables on the fly, as one UNION ALL the figures group further.

Both halves have the same columns, so the figures never care where a day came from, and
`flask reports rollup` fills the rollup tables with exactly the live half's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression

from callcenter.models import (
    Base,
    CallOutcome,
    Consultation,
    ReportCallDay,
    ReportConsultationDay,
    ReportCounselorDay,
    ReportRollupState,
    ReportWaitDay,
)
from callcenter.models.calls import Call
from callcenter.reporting import sqltime
from callcenter.reporting.rates import ANSWER_TARGET_SECONDS


def _count_if(condition: ColumnElement) -> ColumnElement:
    """Count the rows meeting a condition (portable conditional count)."""
    return func.count(case((condition, 1)))


def _sum_if(condition: ColumnElement, value: ColumnElement) -> ColumnElement:
    """Sum a value over the rows meeting a condition."""
    return func.coalesce(func.sum(case((condition, value))), 0)


@dataclass
class Span:
    """Raw rows to aggregate: instants from start to end, seen in a time zone."""

    tz: ZoneInfo
    start: datetime
    end: datetime
    dialect: str

    @classmethod
    def of_days(cls, first: date, last: date, tz: ZoneInfo, dialect: str) -> Span:
        """Return local days first (inclusive) to last (exclusive) as instants."""
        return cls(
            tz, datetime.combine(first, time.min, tz), datetime.combine(last, time.min, tz), dialect
        )

    def local(self, column: SQLColumnExpression) -> ColumnElement:
        return sqltime.local_timestamp(column, self.tz, self.start, self.end, self.dialect)

    def day(self, column: SQLColumnExpression) -> ColumnElement:
        """Return the local date of a stored instant."""
        local = self.local(column)
        return func.date(local) if self.dialect == "sqlite" else cast(local, Date)

    def within(self, column: SQLColumnExpression) -> ColumnElement:
        return and_(column >= self.start, column < self.end)

    def seconds(self, earlier: SQLColumnExpression, later: SQLColumnExpression) -> ColumnElement:
        return sqltime.seconds_between(earlier, later, self.dialect)


def counted() -> ColumnElement:
    """Calls that count in figures: all but the browser phone's practice calls.

    Every figure of calls (reports and their rollups, the wallboard, the line's metrics, the
    roster report) filters with this, so a practice call never shows in any of them.
    """
    return Call.practice.is_(False)


def offered() -> ColumnElement:
    """Calls that reached the line: all but those of blocked numbers and practice calls."""
    return and_(counted(), or_(Call.outcome.is_(None), Call.outcome != CallOutcome.BLOCKED))


def answered() -> ColumnElement:
    """Calls a counselor took (practice calls left out)."""
    return and_(counted(), Call.outcome == CallOutcome.CONNECTED)


def wait(span: Span) -> ColumnElement:
    """Seconds from entering the queue (or the start of the call) to the answer."""
    return span.seconds(func.coalesce(Call.queue_entered_at, Call.started_at), Call.answered_at)


def live_call_days(span: Span) -> Select:
    """Aggregate raw calls into ReportCallDay rows."""
    day = span.day(Call.started_at).label("day")
    hour = sqltime.hour_of(span.local(Call.started_at), span.dialect).label("hour")
    waited = wait(span)
    return (
        select(
            day,
            hour,
            Call.field_id.label("field_id"),
            func.count().label("offered"),
            _count_if(answered()).label("answered"),
            _count_if(Call.outcome == CallOutcome.ABANDONED_MENU).label("abandoned_menu"),
            _count_if(Call.outcome == CallOutcome.ABANDONED_QUEUE).label("abandoned_queue"),
            _count_if(Call.outcome == CallOutcome.ABANDONED_RINGING).label("abandoned_ringing"),
            _count_if(and_(answered(), waited <= ANSWER_TARGET_SECONDS)).label(
                "answered_in_target"
            ),
            _sum_if(answered(), waited).label("wait_seconds_total"),
            func.count(Call.satisfaction).label("satisfaction_responses"),
            func.coalesce(func.sum(Call.satisfaction), 0).label("satisfaction_total"),
            *(_count_if(Call.satisfaction == n).label(f"score_{n}") for n in range(1, 6)),
        )
        .where(span.within(Call.started_at), offered())
        .group_by(day, hour, Call.field_id)
    )


def live_wait_days(span: Span) -> Select:
    """Aggregate answered calls into ReportWaitDay rows: a histogram of waits per day."""
    day = span.day(Call.started_at).label("day")
    waited = wait(span).label("wait_seconds")
    return (
        select(day, waited, func.count().label("calls"))
        .where(span.within(Call.started_at), offered(), answered(), Call.answered_at.is_not(None))
        .group_by(day, waited)
    )


def live_consultation_days(span: Span) -> Select:
    """Aggregate raw consultations into ReportConsultationDay rows."""
    day = span.day(Consultation.started_at).label("day")
    draft = Consultation.status == "draft"
    return (
        select(
            day,
            Consultation.field_id.label("field_id"),
            Consultation.channel.label("channel"),
            Consultation.outcome.label("outcome"),
            _count_if(~draft).label("consultations"),
            _count_if(draft).label("drafts"),
        )
        .where(span.within(Consultation.started_at))
        .group_by(day, Consultation.field_id, Consultation.channel, Consultation.outcome)
    )


def live_counselor_days(span: Span) -> Select:
    """Aggregate consultations and answered calls into ReportCounselorDay rows."""
    consult_day = span.day(Consultation.started_at).label("day")
    consultations = (
        select(
            consult_day,
            Consultation.counselor_id.label("counselor_id"),
            func.count().label("consultations"),
            func.coalesce(func.sum(Consultation.duration_minutes), 0).label("consultation_minutes"),
            literal(0).label("calls"),
            literal(0).label("call_seconds"),
        )
        .where(
            span.within(Consultation.started_at),
            Consultation.status != "draft",
            Consultation.counselor_id.is_not(None),
        )
        .group_by(consult_day, Consultation.counselor_id)
    )
    call_day = span.day(Call.started_at).label("day")
    calls = (
        select(
            call_day,
            Call.connected_counselor_id.label("counselor_id"),
            literal(0).label("consultations"),
            literal(0).label("consultation_minutes"),
            func.count().label("calls"),
            func.coalesce(func.sum(Call.duration_seconds), 0).label("call_seconds"),
        )
        .where(span.within(Call.started_at), answered(), Call.connected_counselor_id.is_not(None))
        .group_by(call_day, Call.connected_counselor_id)
    )
    both = union_all(consultations, calls).subquery()
    return select(
        both.c.day,
        both.c.counselor_id,
        func.sum(both.c.consultations).label("consultations"),
        func.sum(both.c.consultation_minutes).label("consultation_minutes"),
        func.sum(both.c.calls).label("calls"),
        func.sum(both.c.call_seconds).label("call_seconds"),
    ).group_by(both.c.day, both.c.counselor_id)


LIVE = {
    ReportCallDay: live_call_days,
    ReportWaitDay: live_wait_days,
    ReportConsultationDay: live_consultation_days,
    ReportCounselorDay: live_counselor_days,
}


def shape_columns(model: type[Base]) -> list[str]:
    """Return a rollup table's columns in the order its live select produces them."""
    return [c.name for c in model.__table__.columns if c.name != "id"]


def rolled_until(session: Session, tz: ZoneInfo) -> date | None:
    """Return the first local day not in the rollup (None: no rollup for this time zone)."""
    state = session.scalar(select(ReportRollupState).order_by(ReportRollupState.id).limit(1))
    if state is None or state.time_zone != tz.key:
        return None
    return state.rolled_until


def daily_rows(
    model: type[Base], first: date, last: date, tz: ZoneInfo, dialect: str, rolled: date | None
):
    """Return days first..last (exclusive) in a rollup table's shape, as a subquery."""
    parts = []
    split = min(max(rolled, first), last) if rolled else first
    names = shape_columns(model)
    if split > first:
        table = model.__table__
        day = table.c.day
        parts.append(select(*(table.c[n] for n in names)).where(and_(day >= first, day < split)))
    if split < last:
        parts.append(LIVE[model](Span.of_days(split, last, tz, dialect)))
    if len(parts) == 1:
        return parts[0].subquery()
    return union_all(*parts).subquery()


def day_bucket(day: ColumnElement, unit: str, dialect: str) -> ColumnElement:
    """Return the month or day key of a local date column."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m" if unit == "month" else "%Y-%m-%d", day)
    return func.date_trunc(unit, cast(day, DateTime))
