"""Scheduled jobs about shifts and live state. Each takes the session and "now"; none commits.

Each returns a small dict saying what it did, which the scheduler keeps in `job_runs`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter import audit
from callcenter.models import (
    Call,
    CallbackRequest,
    CallbackStatus,
    CallLeg,
    Counselor,
    Field,
    JobState,
    LegResult,
    ShiftNotice,
    Voicemail,
)
from callcenter.phones import InvalidPhoneNumber, can_receive_sms, to_e164
from callcenter.telephony import send_sms
from callcenter.timezone import line_timezone
from schedules import swaps
from schedules.calendar import one_working_day_after
from schedules.occurrences import Occurrence, occurrences
from schedules.oncall import coverage_gaps

log = logging.getLogger(__name__)

GAP_HORIZON_DAYS = 14
# A counselor whose shift began less than this long ago still gets the callbacks notice.
ANNOUNCE_WINDOW = timedelta(minutes=15)
WEEKDAYS_KO = "월화수목금토일"
SMS_PREFIX = "[시민 전문상담]"


def reminder_offsets() -> list[int]:
    """Return the configured reminder offsets in minutes, largest first."""
    raw = str(current_app.config.get("SHIFT_REMINDER_MINUTES") or "")
    offsets = {int(part) for part in raw.replace(" ", "").split(",") if part.strip().isdigit()}
    return sorted((o for o in offsets if o > 0), reverse=True)


def _when(occurrence: Occurrence) -> str:
    day = occurrence.day
    return (
        f"{day.month}월 {day.day}일({WEEKDAYS_KO[day.weekday()]}) "
        f"{occurrence.start:%H:%M}-{occurrence.end:%H:%M}"
    )


def _notified(
    session: Session, kind_prefix: str, start: datetime, end: datetime
) -> set[tuple[str, int, int, datetime]]:
    """Return the notices already sent for occurrences starting in a period."""
    rows = session.execute(
        select(
            ShiftNotice.kind, ShiftNotice.counselor_id, ShiftNotice.field_id, ShiftNotice.starts_at
        ).where(
            ShiftNotice.kind.startswith(kind_prefix),
            ShiftNotice.starts_at >= start,
            ShiftNotice.starts_at <= end,
        )
    )
    return {tuple(row) for row in rows}  # type: ignore[misc]


def _sms(session: Session, counselor: Counselor, body: str) -> int | None:
    """Text a counselor if their number takes SMS; return the outbox id."""
    if not can_receive_sms(counselor.phone):
        log.info("counselor %s has no mobile number; notice not sent", counselor.id)
        return None
    return send_sms(session, counselor.phone, body).outbox_id


def _notify(
    session: Session,
    occurrence: Occurrence,
    kind: str,
    starts: datetime,
    body: str,
    now: datetime,
) -> None:
    """Text a counselor about one shift occurrence and note it, so it is never sent twice."""
    session.add(
        ShiftNotice(
            kind=kind,
            counselor_id=occurrence.counselor.id,
            field_id=occurrence.field.id,
            starts_at=starts,
            sent_at=now,
            outbox_id=_sms(session, occurrence.counselor, body),
        )
    )


def send_shift_reminders(session: Session, now: datetime) -> dict[str, Any]:
    """Text counselors before their shifts, once per configured offset and occurrence.

    When several offsets are due at once (a shift added at short notice), only the nearest is
    sent: a counselor gets "in an hour", not both "tomorrow" and "in an hour".
    """
    offsets = reminder_offsets()
    if not offsets:
        return {"sent": 0}
    tz = line_timezone()
    horizon = now + timedelta(minutes=offsets[0])
    found = occurrences(session, now.astimezone(tz).date(), horizon.astimezone(tz).date(), tz)
    done = _notified(session, "reminder-", now, horizon)
    sent = 0
    for occurrence in found:
        starts = occurrence.starts_at(tz)
        lead = starts - now
        if lead <= timedelta(0) or lead > timedelta(minutes=offsets[0]) or occurrence.away:
            continue
        due = min(o for o in offsets if lead <= timedelta(minutes=o))
        kind = f"reminder-{due}"
        key = (kind, occurrence.counselor.id, occurrence.field.id, starts)
        if key in done:
            continue
        body = (
            f"{SMS_PREFIX} {occurrence.counselor.name} 님, {_when(occurrence)} "
            f"{occurrence.field.name_ko} 상담 근무가 있습니다."
        )
        _notify(session, occurrence, kind, starts, body, now)
        done.add(key)
        sent += 1
    session.flush()
    return {"sent": sent}


def open_swap_lead() -> timedelta:
    """Return how long before a shift an open request nobody took is reminded."""
    return timedelta(minutes=int(current_app.config.get("OPEN_SWAP_REMINDER_MINUTES") or 1440))


def remind_open_swaps(session: Session, now: datetime) -> dict[str, Any]:
    """Withdraw gap offers the roster now covers; remind about the rest before the shift."""
    tz = line_timezone()
    withdrawn = swaps.withdraw_covered_offers(session, now, tz)
    for swap in withdrawn:
        audit.record(
            session, None, "edit", "shift_swap", swap.id, now=now, change="withdrawn", by="covered"
        )
    return {
        "withdrawn": len(withdrawn),
        "reminded": swaps.remind_open_swaps(session, now, tz, open_swap_lead()),
    }


def coordinator_phones() -> list[str]:
    """Return the numbers coverage alerts go to (COORDINATOR_ALERT_PHONES)."""
    phones = []
    for part in str(current_app.config.get("COORDINATOR_ALERT_PHONES") or "").split(","):
        if part.strip():
            try:
                phones.append(to_e164(part))
            except InvalidPhoneNumber:
                log.warning("COORDINATOR_ALERT_PHONES has an invalid number %r", part)
    return phones


def alert_coverage_gaps(session: Session, now: datetime) -> dict[str, Any]:
    """Tell coordinators about gaps in the next 14 days, only when new ones appeared."""
    tz = line_timezone()
    first = now.astimezone(tz).date()
    last = first + timedelta(days=GAP_HORIZON_DAYS - 1)
    current: dict[str, str] = {}
    for field in session.scalars(Field.menu()):
        for gap in coverage_gaps(session, field.id, first, last, tz):
            key = f"{field.code}|{gap.day.isoformat()}|{gap.start:%H:%M}|{gap.end:%H:%M}"
            current[key] = (
                f"{field.name_ko} {gap.day.month}/{gap.day.day}"
                f"({WEEKDAYS_KO[gap.day.weekday()]}) {gap.start:%H:%M}-{gap.end:%H:%M}"
            )
    state = session.get(JobState, "coverage_gaps")
    previous = set((state.value or {}).get("gaps", [])) if state else set()
    new = sorted(set(current) - previous)
    if state is None:
        state = JobState(job_id="coverage_gaps")
        session.add(state)
    state.value, state.updated_at = {"gaps": sorted(current)}, now
    sent = 0
    if new:
        listed = ", ".join(current[k] for k in new[:5])
        more = f" 외 {len(new) - 5}건" if len(new) > 5 else ""
        body = (
            f"{SMS_PREFIX} 앞으로 {GAP_HORIZON_DAYS}일 근무표에 새 공백 {len(new)}건: "
            f"{listed}{more}. 근무표에서 확인하세요."
        )
        for phone in coordinator_phones():
            send_sms(session, phone, body)
            sent += 1
    session.flush()
    return {"gaps": len(current), "new": len(new), "sent": sent}


def announce_pending_callbacks(session: Session, now: datetime) -> dict[str, Any]:
    """Text each counselor whose shift just began how many callbacks wait in their field."""
    tz = line_timezone()
    since = now - ANNOUNCE_WINDOW
    found = occurrences(session, since.astimezone(tz).date(), now.astimezone(tz).date(), tz)
    starting = [o for o in found if since < o.starts_at(tz) <= now and not o.away]
    if not starting:
        return {"sent": 0}
    done = _notified(session, "callbacks", since, now)
    pending = dict(
        session.execute(
            select(CallbackRequest.field_id, func.count())
            .where(CallbackRequest.status == CallbackStatus.PENDING)
            .group_by(CallbackRequest.field_id)
        ).all()
    )
    sent = 0
    for occurrence in starting:
        starts = occurrence.starts_at(tz)
        count = pending.get(occurrence.field.id, 0)
        key = ("callbacks", occurrence.counselor.id, occurrence.field.id, starts)
        if not count or key in done:
            continue
        body = (
            f"{SMS_PREFIX} {occurrence.field.name_ko} 상담 근무가 시작되었습니다. "
            f"대기 중인 콜백 요청이 {count}건 있습니다."
        )
        _notify(session, occurrence, "callbacks", starts, body, now)
        done.add(key)
        sent += 1
    session.flush()
    return {"sent": sent}


def alert_overdue_voicemails(session: Session, now: datetime) -> dict[str, Any]:
    """Tell coordinators, once per message, of voice messages unhandled a working day later."""
    tz = line_timezone()
    candidates = session.scalars(
        select(Voicemail).where(
            Voicemail.status != "handled",
            Voicemail.overdue_alerted_at.is_(None),
            Voicemail.created_at <= now - timedelta(days=1),
        )
    ).all()
    overdue = [v for v in candidates if one_working_day_after(session, v.created_at, tz) <= now]
    if not overdue:
        return {"overdue": 0, "sent": 0}
    for voicemail in overdue:
        voicemail.overdue_alerted_at = now
    by_field: dict[str, int] = {}
    for voicemail in overdue:
        name = voicemail.field.name_ko if voicemail.field else "분야 미지정"
        by_field[name] = by_field.get(name, 0) + 1
    listed = ", ".join(f"{name} {count}건" for name, count in sorted(by_field.items()))
    body = (
        f"{SMS_PREFIX} 하루 넘게 처리되지 않은 음성 메시지가 {len(overdue)}건 있습니다 "
        f"({listed}). 음성 메시지함에서 확인해 주세요."
    )
    sent = 0
    for phone in coordinator_phones():
        send_sms(session, phone, body)
        sent += 1
    session.flush()
    return {"overdue": len(overdue), "sent": sent}


def warn_long_conversations(session: Session, now: datetime) -> dict[str, Any]:
    """Text each counselor whose conversation nears the conversation limit, once per call.

    The <Dial> ends the conversation at the limit and the caller hears why; the counselor
    is told beforehand, so that they can close the conversation themselves.
    """
    from ivr.calls import record_step
    from ivr.routing import conversation_limit

    warning = timedelta(
        minutes=int(current_app.config.get("IVR_CONVERSATION_WARNING_MINUTES") or 0)
    )
    limit = conversation_limit()
    if warning <= timedelta(0) or warning >= limit:
        return {"warned": 0}
    legs = session.scalars(
        select(CallLeg)
        .join(Call, Call.id == CallLeg.call_id)
        .where(
            CallLeg.result == LegResult.CONNECTED,
            CallLeg.ended_at.is_(None),
            Call.ended_at.is_(None),
            CallLeg.answered_at <= now - (limit - warning),
            CallLeg.answered_at > now - limit,
        )
    ).all()
    warned = 0
    minutes, left = int(limit.total_seconds() // 60), int(warning.total_seconds() // 60)
    for leg in legs:
        if leg.call.reached("time_warned") or leg.counselor is None:
            continue
        body = (
            f"{SMS_PREFIX} 지금 통화가 곧 상담 시간 {minutes}분에 닿습니다. "
            f"{left}분 뒤에는 시민에게 안내한 뒤 통화가 끝납니다."
        )
        _sms(session, leg.counselor, body)
        record_step(leg.call, "time_warned", now, counselor=leg.counselor_id)
        warned += 1
    session.flush()
    return {"warned": warned}


def release_stale(session: Session, now: datetime) -> dict[str, Any]:
    """Clear busy flags left by lost status callbacks, close calls that never ended, and give
    kept turns that waited too long, or whose bridge call was never heard of, to the callback
    list."""
    from ivr import kept_turn
    from ivr.housekeeping import close_unfinished_calls, release_stale_busy_flags
    from ivr.reservations import busy_timeout

    config = current_app.config
    # The same age at which the line itself stops treating the flag as a live call.
    busy = release_stale_busy_flags(session, now, busy_timeout())
    calls = close_unfinished_calls(
        session, now, timedelta(minutes=int(config.get("CALL_STALE_AFTER_MINUTES", 240)))
    )
    # Kept turns of the queue whose wait ran out, or whose call to the counselor was never
    # heard of, go to the callback list.
    kept = kept_turn.expire(session, now) + kept_turn.give_back_silent(session, now)
    if busy or calls:
        log.warning("released %s stale busy flag(s) and %s unfinished call(s)", busy, calls)
    return {"busy_flags": busy, "calls": calls, "kept_turns": kept}
