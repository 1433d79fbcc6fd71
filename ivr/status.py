"""Call status callbacks: idempotent and safe out of order, for calls and counselor legs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from callcenter.models import Call, CallLeg, Counselor, LegResult
from callcenter.timezone import line_timezone
from ivr import reservations, unanswered
from ivr.calls import (
    FINAL_STATUSES,
    default_outcome,
    open_call,
    record_step,
    set_abandoned_ringing,
    set_outcome,
)
from ivr.routing import leg_result_from_dial


def release_counselor(session: Session, counselor_id: int, leg_sid: str) -> bool:
    """Clear a counselor's busy flag held by this leg; True when it freed them.

    Only the leg that set the flag clears it, so a late callback of an old leg cannot free
    a counselor who is on another call. The caller of this offers the freed counselor to the
    queue once the request has committed (`ivr.queueing.serve_freed`).
    """
    result = session.execute(
        update(Counselor)
        .where(Counselor.id == counselor_id, Counselor.busy_call_sid == leg_sid)
        .values(busy_since=None, busy_call_sid=None)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def release_leg_holder(session: Session, leg_sid: str) -> list[int]:
    """Free whichever counselor this ended leg holds busy; return who was freed."""
    counselor_id = session.scalar(select(Counselor.id).where(Counselor.busy_call_sid == leg_sid))
    if counselor_id is None or not release_counselor(session, counselor_id, leg_sid):
        return []
    return [counselor_id]


def end_leg_hold(session: Session, leg: CallLeg, call_sid: str, leg_sid: str | None) -> list[int]:
    """End what a finished leg holds of its counselor (reservation, busy flag); who is freed."""
    if leg.counselor_id is None:
        return []
    freed = []
    if reservations.release(session, leg.counselor_id, call_sid, leg.position):
        freed.append(leg.counselor_id)
    if leg_sid and release_counselor(session, leg.counselor_id, leg_sid):
        freed.append(leg.counselor_id)
    return freed


def caller_left(call: Call, leg: CallLeg, now: datetime) -> None:
    """Record that the caller hung up before this counselor leg was taken."""
    if leg.result == LegResult.RINGING:
        leg.result = LegResult.CALLER_LEFT
    if set_abandoned_ringing(call):
        record_step(call, "caller_left", now, position=leg.position)


def leave_ringing_legs(session: Session, call: Call, now: datetime) -> bool:
    """Settle the legs of an ended call that were still ringing: the caller left them."""
    if call.id is None:
        return False
    legs = session.scalars(
        select(CallLeg).where(CallLeg.call_id == call.id, CallLeg.result == LegResult.RINGING)
    ).all()
    for leg in legs:
        caller_left(call, leg, now)
    return bool(legs)


def _settle_untaken_leg(leg: CallLeg, status: str, now: datetime) -> None:
    """Give a leg that ended before it was taken the result its own final status tells.

    `canceled`: the caller hung up while it rang. `completed`: the counselor answered but
    neither took nor declined the call, so whoever hung up during the whisper did; if the
    caller's call has not ended, the Dial action, which says whether they are still there,
    settles it.
    """
    if status == "canceled" or (status == "completed" and leg.call.ended_at is not None):
        caller_left(leg.call, leg, now)
    elif status != "completed":
        leg.result = leg_result_from_dial(status)


def _seconds(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def apply_leg_status(
    session: Session,
    leg: CallLeg,
    leg_sid: str,
    status: str,
    duration: str | None,
    now: datetime,
) -> list[int]:
    """Record a counselor leg's progress; its final status frees the counselor (returned)."""
    leg.leg_sid = leg.leg_sid or leg_sid
    if leg.ended_at is not None:
        return []  # already final: retries and late callbacks change nothing
    if status in ("in-progress", "answered"):
        leg.answered_at = leg.answered_at or now
        return []
    if status not in FINAL_STATUSES:
        return []
    leg.ended_at = now
    leg.duration_seconds = _seconds(duration)
    if leg.result == LegResult.CONNECTED:
        leg.result = LegResult.COMPLETED
    elif leg.result == LegResult.RINGING:
        _settle_untaken_leg(leg, status, now)
        unanswered.note_leg(session, leg, now, line_timezone())
    return end_leg_hold(session, leg, leg.call.call_sid, leg.leg_sid or leg_sid)


def apply_call_status(
    session: Session,
    call_sid: str,
    caller: str | None,
    status: str,
    duration: str | None,
    now: datetime,
) -> tuple[Call, list[int]]:
    """Record a caller's call progress; the first final status closes the record.

    Returns the call and the counselors its end freed.
    """
    call = open_call(session, call_sid, caller, now)
    if call.ended_at is not None:
        return call, []
    if status not in FINAL_STATUSES:
        if status in ("in-progress", "ringing", "queued"):
            call.status = status
        return call, []
    call.status = status
    call.ended_at = now
    call.duration_seconds = _seconds(duration)
    if not leave_ringing_legs(session, call, now):
        set_outcome(call, default_outcome(call))
    if call.queue_entered_at is not None and call.queue_left_at is None and not call.kept_turn_at:
        call.queue_left_at = now  # a kept turn's entry stays: its caller hung up keeping it
    return call, end_call_holds(session, call)


def end_call_holds(session: Session, call: Call) -> list[int]:
    """Free every counselor an ended call still reserves or holds busy; return them.

    A lost leg callback must not keep a counselor reserved or busy once the caller is gone.
    A kept turn's reservations are the dispatch's for its bridge call (`ivr.kept_turn`): the
    caller hung up on purpose, and they stay until the bridge or their expiry ends them.
    """
    freed = (
        [] if call.kept_turn_at is not None else reservations.release_call(session, call.call_sid)
    )
    if call.id is not None:
        for counselor_id, leg_sid in session.execute(
            select(CallLeg.counselor_id, CallLeg.leg_sid).where(
                CallLeg.call_id == call.id, CallLeg.leg_sid.is_not(None)
            )
        ).all():
            if (
                counselor_id is not None
                and leg_sid is not None
                and release_counselor(session, counselor_id, leg_sid)
            ):
                freed.append(counselor_id)
    return freed
