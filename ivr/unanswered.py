"""Counselors who keep not answering: counted, paused for the rest of their shift, resumed.

After `IVR_PAUSE_AFTER_MISSED` rings in a row that a counselor let ring out, the line sets
their pause (`counselors.paused_until`) to the end of the shift they are on. The pause is part
of the one busy rule (`ivr.reservations.FREE_SQL`), so no ring of any kind picks them until it
ends or they resume from their phone's browser. They and the coordinators are texted.
Answering a call starts the count again.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from callcenter.models import CallLeg, Counselor, LegResult
from callcenter.phones import can_receive_sms
from callcenter.telephony import send_sms
from schedules.oncall import shift_end

log = logging.getLogger(__name__)
SMS_PREFIX = "[시민 전문상담]"


def pause_after() -> int:
    """Return how many unanswered rings in a row pause a counselor (0: never)."""
    return int(current_app.config.get("IVR_PAUSE_AFTER_MISSED") or 0)


def note_missed(session: Session, counselor_id: int, now: datetime, tz: ZoneInfo) -> bool:
    """Count a ring the counselor let ring out; pause them at the limit. True when paused."""
    limit = pause_after()
    missed = session.scalar(
        update(Counselor)
        .where(Counselor.id == counselor_id)
        .values(missed_rings=Counselor.missed_rings + 1)
        .returning(Counselor.missed_rings)
        .execution_options(synchronize_session=False)
    )
    if not limit or missed is None or missed < limit:
        return False
    until = pause_until(session, counselor_id, now, tz)
    session.execute(
        update(Counselor)
        .where(Counselor.id == counselor_id)
        .values(paused_until=until, missed_rings=0)
        .execution_options(synchronize_session=False)
    )
    counselor = session.get(Counselor, counselor_id)
    if counselor is not None:
        session.refresh(counselor)
        _announce(session, counselor, missed, until.astimezone(tz))
    return True


def note_leg(session: Session, leg: CallLeg, now: datetime, tz: ZoneInfo) -> bool:
    """Count a leg just settled as unanswered against its counselor; True when it paused them."""
    if leg.result != LegResult.NO_ANSWER or leg.counselor_id is None:
        return False
    return note_missed(session, leg.counselor_id, now, tz)


def everyone_paused(session: Session, field_id: int, now: datetime, tz: ZoneInfo) -> bool:
    """Whether every counselor on duty for the field is paused: nobody to wait for."""
    from ivr.cache import rostered_ids
    from ivr.reader import busy_board

    ids = rostered_ids(session, field_id, now, tz)
    if not ids:
        return False
    board = busy_board()
    known = board.all_paused(ids, now) if board is not None else None
    if known is not None:
        return known
    paused = session.scalar(
        select(func.count())
        .select_from(Counselor)
        .where(Counselor.id.in_(ids), Counselor.paused_until > now)
    )
    return paused == len(ids)


def pause_until(session: Session, counselor_id: int, now: datetime, tz: ZoneInfo) -> datetime:
    """Return the end of the counselor's shift at `now`, or the end of the day without one."""
    end = shift_end(session, counselor_id, now, tz)
    if end is not None:
        return end
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tz)


def resume(session: Session, counselor: Counselor) -> bool:
    """End a counselor's pause now; True when they were paused. Does not commit."""
    was_paused = counselor.paused_until is not None
    counselor.paused_until = None
    counselor.missed_rings = 0
    return was_paused


def _resume_link() -> str:
    """Return the address of the page where a counselor resumes, for an SMS."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for("backoffice.availability")
    return url_for("backoffice.availability", _external=True)


def _announce(session: Session, counselor: Counselor, missed: int, until: datetime) -> None:
    """Text the paused counselor (with the page to resume) and the coordinators."""
    from schedules.jobs import coordinator_phones

    ends = f"{until:%H:%M}"
    if can_receive_sms(counselor.phone):
        send_sms(
            session,
            counselor.phone,
            f"{SMS_PREFIX} {counselor.name} 님, 상담 전화를 {missed}번 연속 받지 않으셔서 "
            f"{ends}까지 전화 연결을 멈췄습니다. 다시 받으시려면: {_resume_link()}",
        )
    else:
        log.info("counselor %s has no mobile number; pause not announced", counselor.id)
    for phone in coordinator_phones():
        send_sms(
            session,
            phone,
            f"{SMS_PREFIX} {counselor.name} 상담위원이 전화를 {missed}번 연속 받지 않아 "
            f"{ends}까지 연결을 멈췄습니다.",
        )
