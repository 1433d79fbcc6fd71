"""Repairs for lost callbacks, for the scheduler to call: stale holds, unfinished calls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from callcenter import telephony
from callcenter.models import Call, Counselor
from ivr import reservations
from ivr.calls import FINAL_STATUSES, default_outcome, set_outcome
from ivr.status import end_call_holds, leave_ringing_legs
from schedules.oncall import DEFAULT_BUSY_TIMEOUT

# A call with no news for this long, neither talking nor waiting in the queue, has ended:
# menus, rings, whispers and voice messages take a few minutes at most.
QUIET_LIMIT = timedelta(minutes=15)
# Calls looked at in one run; the next run goes on.
BATCH = 200


def release_stale_busy_flags(
    session: Session, now: datetime, timeout: timedelta = DEFAULT_BUSY_TIMEOUT
) -> int:
    """Clear busy flags older than the timeout and expired reservations. No commit."""
    result = session.execute(
        update(Counselor)
        .where(Counselor.busy_since.is_not(None), Counselor.busy_since <= now - timeout)
        .values(busy_since=None, busy_call_sid=None)
        .execution_options(synchronize_session=False)
    )
    reservations.release_expired(session, now)
    return cast(CursorResult[Any], result).rowcount


def close_unfinished_calls(
    session: Session, now: datetime, older_than: timedelta = timedelta(hours=4)
) -> int:
    """Give calls whose final status never came an end and an outcome. Does not commit.

    A call is closed when Twilio says it has ended (live mode), when nothing has happened on
    it for longer than its state allows (a conversation: the longest one; the queue: the
    longest wait; anything else: `QUIET_LIMIT`), and in any case `older_than` after it began.
    """
    candidates = session.scalars(
        select(Call)
        .where(Call.ended_at.is_(None), Call.started_at <= now - timedelta(minutes=5))
        .order_by(Call.started_at)
        .limit(BATCH)
    ).all()
    closed = 0
    for call in candidates:
        state = telephony.call_state(call.call_sid)
        if state is not None and state[0] in FINAL_STATUSES:
            _close(session, call, now, state[0], state[1])
        elif state is None and (
            call.started_at <= now - older_than or _last_news(call) <= now - _quiet_limit(call)
        ):
            _close(session, call, now, "unknown", None)
        else:
            continue
        closed += 1
    session.flush()
    return closed


def _close(session: Session, call: Call, now: datetime, status: str, seconds: int | None) -> None:
    """Close a call as its final status callback would have."""
    call.ended_at, call.status, call.duration_seconds = now, status, seconds
    if not leave_ringing_legs(session, call, now):
        set_outcome(call, default_outcome(call))
    if call.queue_entered_at is not None and call.queue_left_at is None and not call.kept_turn_at:
        call.queue_left_at = now  # a kept turn's entry stays: its caller hung up keeping it
    end_call_holds(session, call)


def _last_news(call: Call) -> datetime:
    """Return the instant of the last step recorded on a call."""
    for step in reversed(call.steps or []):
        if "at" in step:
            return datetime.fromisoformat(step["at"])
    return call.started_at


def _quiet_limit(call: Call) -> timedelta:
    """Return how long a call in its present state may go without news."""
    if call.connected_counselor_id is not None:
        minutes = current_app.config.get("IVR_BUSY_TIMEOUT_MINUTES", 120)
        return timedelta(minutes=minutes) + timedelta(minutes=5)
    if call.queue_entered_at is not None and call.queue_left_at is None:
        return reservations.queue_window()
    return QUIET_LIMIT
