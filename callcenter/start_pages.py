"""What each role's start page shows, read from the rules that already decide it.

A counselor's page: their next shifts, drafts to finish, their callbacks (today's booked ones
first) and voice messages. A coordinator's page: today's roster by field with its gaps and
who is on a call (the wallboard's live state), the queue, open follow-ups and alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter import callbacks, consultations, voicemails
from callcenter.models import (
    CallbackRequest,
    CallbackStatus,
    Consultation,
    Counselor,
    Field,
    OutboxMessage,
    User,
    Voicemail,
)
from callcenter.number_checks import failing_numbers
from callcenter.reporting.live import Wallboard, wallboard
from schedules.occurrences import Occurrence, occurrences
from schedules.oncall import Gap, coverage_gaps

NEXT_SHIFTS = 5
SHIFT_HORIZON_DAYS = 30
LIST_LIMIT = 10
# Gaps the coordinator is warned of: today and the days just ahead.
GAP_HORIZON_DAYS = 7
# Messages that failed to go out recently enough to still matter.
FAILED_MESSAGES_SINCE = timedelta(days=1)


@dataclass
class CounselorStart:
    """A counselor's start page."""

    next_shifts: list[Occurrence]
    drafts: list[Consultation]
    my_callbacks: list[CallbackRequest]
    todays_callbacks: list[CallbackRequest]
    open_callbacks: int  # pending in my fields, claimed by nobody yet
    voicemails: list[Voicemail]


def counselor_start(session: Session, user: User, now: datetime, tz: ZoneInfo) -> CounselorStart:
    """Return what the signed-in counselor has to do next."""
    counselor = user.counselor
    if counselor is None:
        return CounselorStart([], [], [], [], 0, [])
    today = now.astimezone(tz).date()
    upcoming = [
        o
        for o in occurrences(
            session,
            today,
            today + timedelta(days=SHIFT_HORIZON_DAYS),
            tz,
            counselor_id=counselor.id,
        )
        if o.ends_at(tz) > now
    ][:NEXT_SHIFTS]
    open_items = cast(list[CallbackRequest], list(session.scalars(callbacks.queue(user))))
    mine = [c for c in open_items if c.claimed_by_id == counselor.id]
    booked_today = [c for c in open_items if c.preferred_date == today]
    return CounselorStart(
        next_shifts=upcoming,
        drafts=list(session.scalars(consultations.drafts_of(counselor.id).limit(LIST_LIMIT))),
        my_callbacks=[c for c in mine if c not in booked_today][:LIST_LIMIT],
        todays_callbacks=booked_today,
        open_callbacks=sum(1 for c in open_items if c.claimed_by_id is None),
        voicemails=list(session.scalars(voicemails.inbox(user, None, False).limit(LIST_LIMIT))),
    )


@dataclass
class FieldToday:
    """One field on the coordinator's page: today's shifts and gaps."""

    field: Field
    shifts: list[Occurrence]
    gaps: list[Gap]


@dataclass
class Alerts:
    """What a coordinator should act on."""

    gaps_ahead: dict[str, int] = dc_field(default_factory=dict)  # field name -> gaps this week
    failed_messages: int = 0
    not_answering: list[tuple[Counselor, int]] = dc_field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.gaps_ahead or self.failed_messages or self.not_answering)


@dataclass
class CoordinatorStart:
    """A coordinator's start page."""

    board: Wallboard
    fields: list[FieldToday]
    alerts: Alerts
    oldest_callback: datetime | None


def coordinator_start(
    session: Session, now: datetime, tz: ZoneInfo, language: str
) -> CoordinatorStart:
    """Return the line today: roster and gaps by field, the live queue, follow-ups, alerts."""
    today = now.astimezone(tz).date()
    board = wallboard(session, now, tz)
    shifts = occurrences(session, today, today, tz)
    rows = [
        FieldToday(
            item.field,
            [o for o in shifts if o.field.id == item.field.id],
            coverage_gaps(session, item.field.id, today, today, tz),
        )
        for item in board.fields
    ]
    return CoordinatorStart(
        board=board,
        fields=rows,
        alerts=_alerts(session, [r.field for r in rows], today, now, tz, language),
        oldest_callback=session.scalar(
            select(func.min(CallbackRequest.requested_at)).where(
                CallbackRequest.status == CallbackStatus.PENDING
            )
        ),
    )


def _alerts(
    session: Session, fields: list[Field], today: date, now: datetime, tz: ZoneInfo, language: str
) -> Alerts:
    """Return this week's gaps per field, recent failed messages, counselors not answering."""
    last = today + timedelta(days=GAP_HORIZON_DAYS - 1)
    gaps = {f.name(language): len(coverage_gaps(session, f.id, today, last, tz)) for f in fields}
    failing = failing_numbers(session, now)
    counselors = session.scalars(select(Counselor).where(Counselor.id.in_(failing))).all()
    return Alerts(
        gaps_ahead={name: n for name, n in gaps.items() if n},
        failed_messages=session.scalar(
            select(func.count()).where(
                OutboxMessage.status == "failed",
                OutboxMessage.created_at > now - FAILED_MESSAGES_SINCE,
            )
        )
        or 0,
        not_answering=sorted(((c, failing[c.id]) for c in counselors), key=lambda p: p[0].name),
    )
