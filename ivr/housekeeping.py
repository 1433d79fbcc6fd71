"""Repairs for lost callbacks, for the scheduler to call: stale busy flags, unfinished calls."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callcenter.models import Call, Counselor
from ivr.calls import default_outcome, set_outcome
from ivr.status import leave_ringing_legs
from schedules.oncall import DEFAULT_BUSY_TIMEOUT


def release_stale_busy_flags(
    session: Session, now: datetime, timeout: timedelta = DEFAULT_BUSY_TIMEOUT
) -> int:
    """Clear busy flags older than the timeout (their final callback was lost). No commit."""
    result = session.execute(
        update(Counselor)
        .where(Counselor.busy_since.is_not(None), Counselor.busy_since <= now - timeout)
        .values(busy_since=None, busy_call_sid=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def close_unfinished_calls(
    session: Session, now: datetime, older_than: timedelta = timedelta(hours=4)
) -> int:
    """Give calls whose final status never came an end and an outcome. Does not commit."""
    stale = session.scalars(
        select(Call).where(Call.ended_at.is_(None), Call.started_at <= now - older_than)
    ).all()
    for call in stale:
        call.ended_at = now
        call.status = "unknown"
        if not leave_ringing_legs(session, call, now):
            set_outcome(call, default_outcome(call))
        if call.queue_entered_at is not None and call.queue_left_at is None:
            call.queue_left_at = now
    session.flush()
    return len(stale)
