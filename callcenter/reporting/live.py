"""The line right now: who is on call, who waits, today's traffic, open follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from callcenter import clock
from callcenter.models import (
    CallbackRequest,
    CallbackStatus,
    CallOutcome,
    Counselor,
    Field,
    Voicemail,
)
from callcenter.models.calls import Call
from callcenter.reporting import rates, sqltime
from callcenter.reporting.sources import answered, counted, offered
from schedules.oncall import on_call

# A queue entry older than this belongs to a call whose end we never heard about.
STALE_QUEUE_ENTRY = timedelta(hours=2)


def line_now() -> datetime:
    """Return now, from the app's one clock (`callcenter.clock`)."""
    return clock.now()


def is_busy(counselor: Counselor, now: datetime) -> bool:
    """Whether a counselor may not be rung now (talking, being rung, paused): the line's rule."""
    from ivr.reservations import busy_timeout, is_free

    stale_before = now - busy_timeout()
    return not is_free(
        counselor.busy_since, counselor.reserved_until, counselor.paused_until, now, stale_before
    )


def is_paused(counselor: Counselor, now: datetime) -> bool:
    """Whether the line has paused a counselor who kept not answering."""
    from ivr.reservations import is_paused as paused

    return paused(counselor.paused_until, now)


def waiting_calls(session: Session, now: datetime) -> dict[int | None, tuple[int, datetime | None]]:
    """Return, per field, how many callers wait in the queue and since when the first one."""
    from ivr.reservations import in_queue

    rows = session.execute(
        select(Call.field_id, func.count(), func.min(Call.queue_entered_at))
        .where(
            Call.queue_entered_at.is_not(None),
            Call.queue_entered_at > now - STALE_QUEUE_ENTRY,
            Call.answered_at.is_(None),
            in_queue(),  # kept turns too: they hold their place
            counted(),
        )
        .group_by(Call.field_id)
    )
    return {field_id: (int(n), oldest) for field_id, n, oldest in rows}


@dataclass
class TodayCounts:
    """Calls since local midnight."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_in_target: int = 0

    @property
    def answer_rate(self) -> float | None:
        """Return answered ÷ offered today, in percent."""
        return rates.answer_rate(self.answered, self.offered)

    @property
    def abandoned_rate(self) -> float | None:
        """Return abandoned ÷ offered today, in percent."""
        return rates.abandoned_rate(self.abandoned, self.offered)

    @property
    def service_level(self) -> float | None:
        """Return answered within the target ÷ offered today, in percent."""
        return rates.service_level(self.answered_in_target, self.offered)


def today_counts(session: Session, now: datetime, tz: ZoneInfo) -> TodayCounts:
    """Return today's offered, answered and abandoned calls."""
    midnight = datetime.combine(now.astimezone(tz).date(), time.min, tz)
    connected = Call.outcome == CallOutcome.CONNECTED
    # The same wait as the reports': from choosing a field (or the call's start) to the answer.
    waited = sqltime.seconds_between(
        func.coalesce(Call.queue_entered_at, Call.started_at),
        Call.answered_at,
        session.get_bind().dialect.name,
    )
    row = session.execute(
        select(
            func.count(),
            func.count(case((Call.outcome == CallOutcome.CONNECTED, 1))),
            func.count(case((Call.outcome.in_(CallOutcome.abandoned()), 1))),
            func.count(case((and_(connected, waited <= rates.ANSWER_TARGET_SECONDS), 1))),
        ).where(
            Call.started_at >= midnight,
            Call.started_at <= now,
            offered(),
        )
    ).one()
    return TodayCounts(*(int(v) for v in row))


def open_follow_ups(session: Session) -> tuple[dict[int | None, int], dict[int | None, int]]:
    """Return pending callback requests and unhandled voice messages per field."""
    callbacks = dict(
        session.execute(
            select(CallbackRequest.field_id, func.count())
            .where(CallbackRequest.status == CallbackStatus.PENDING)
            .group_by(CallbackRequest.field_id)
        ).all()
    )
    voicemails = dict(
        session.execute(
            select(Voicemail.field_id, func.count())
            .where(Voicemail.status == "new")
            .group_by(Voicemail.field_id)
        ).all()
    )
    return callbacks, voicemails


@dataclass
class FieldNow:
    """One field on the wallboard."""

    field: Field
    counselors: list[tuple[Counselor, bool]]  # (counselor, on a call or paused)
    waiting: int
    longest_wait: int | None  # seconds
    pending_callbacks: int
    new_voicemails: int
    paused: frozenset[int] = frozenset()  # counselors the line paused for unanswered rings

    @property
    def busy(self) -> int:
        """Return how many on-call counselors are on a call."""
        return sum(1 for c, busy in self.counselors if busy and c.id not in self.paused)


@dataclass
class Wallboard:
    """Everything the coordinators' wallboard shows."""

    at: datetime
    fields: list[FieldNow]
    today: TodayCounts
    pending_callbacks: int
    new_voicemails: int
    unassigned_waiting: int = 0

    @property
    def waiting(self) -> int:
        """Return every caller waiting in a queue."""
        return sum(f.waiting for f in self.fields) + self.unassigned_waiting


def wallboard(session: Session, now: datetime, tz: ZoneInfo) -> Wallboard:
    """Return the line's live state for the wallboard."""
    waiting = waiting_calls(session, now)
    callbacks, voicemails = open_follow_ups(session)
    rows = []
    for item in session.scalars(Field.menu()):
        count, oldest = waiting.get(item.id, (0, None))
        rostered = on_call(session, item.id, now, tz)
        rows.append(
            FieldNow(
                field=item,
                counselors=[(c, is_busy(c, now)) for c in rostered],
                paused=frozenset(c.id for c in rostered if is_paused(c, now)),
                waiting=count,
                longest_wait=max(0, int((now - oldest).total_seconds())) if oldest else None,
                pending_callbacks=callbacks.get(item.id, 0),
                new_voicemails=voicemails.get(item.id, 0),
            )
        )
    known = {row.field.id for row in rows}
    return Wallboard(
        at=now,
        fields=rows,
        today=today_counts(session, now, tz),
        pending_callbacks=sum(callbacks.values()),
        new_voicemails=sum(voicemails.values()),
        unassigned_waiting=sum(n for fid, (n, _) in waiting.items() if fid not in known),
    )


def average_handle_seconds(session: Session, now: datetime, days: int = 30) -> dict[int, float]:
    """Return each field's mean talk time of answered calls over the last days."""
    rows = session.execute(
        select(Call.field_id, func.avg(Call.duration_seconds))
        .where(
            and_(Call.started_at >= now - timedelta(days=days), Call.started_at <= now),
            answered(),
            Call.duration_seconds.is_not(None),
            Call.field_id.is_not(None),
        )
        .group_by(Call.field_id)
    )
    return {field_id: float(avg) for field_id, avg in rows if avg is not None}
