"""The call record: one row per CallSid, every step reached, the outcome set once."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from callcenter import clock
from callcenter.crypto import keyring
from callcenter.models import BlockedNumber, Call, CallOutcome
from callcenter.models.base import Base
from callcenter.phones import last4, try_e164

log = logging.getLogger(__name__)

_Row = TypeVar("_Row", bound=Base)

FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


def current_time() -> datetime:
    """Return now, from the app's one clock (`callcenter.clock`)."""
    return clock.now()


def find_call(session: Session, call_sid: str) -> Call | None:
    """Return the call record of a CallSid, if any."""
    return session.scalar(select(Call).where(Call.call_sid == call_sid))


# Built once: every webhook of a call runs it first.
_LOCKED_CALL = (
    select(Call)
    .where(Call.call_sid == bindparam("call_sid"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def open_call(
    session: Session, call_sid: str, caller: str | None, now: datetime, fresh: bool = False
) -> Call:
    """Return the call record of a CallSid, locked for this transaction; create it if new.

    Every webhook that writes a call or its legs takes the call's row first, so requests
    about one call (a leg's final status, the Dial's action, the call's own final status)
    run one after the other and never lock rows in opposite orders. Two first requests about
    a new call both insert it at once; the database keeps one row, and both lock it.
    `fresh` (the call's first request) tries the insert before looking: one round trip less.
    """
    e164 = try_e164(caller)
    call = None if fresh else session.scalar(_LOCKED_CALL, {"call_sid": call_sid})
    if call is None:
        values: dict[str, Any] = {
            "call_sid": call_sid,
            "from_number": e164,
            "from_digest": keyring.digest(e164) if e164 else None,
            "from_last4": last4(e164),
            "started_at": now,
            "steps": [],
            "status": "in-progress",
        }
        # The row this transaction inserts is its own until it commits; a row another
        # request inserted first is read and locked.
        call = insert_new(session, Call, values) or session.scalar(
            _LOCKED_CALL, {"call_sid": call_sid}
        )
        assert call is not None
    if call.from_number is None and e164 is not None:
        # The first request about the call came from a counselor's leg, without it.
        call.from_number, call.from_last4 = e164, last4(e164)
        call.from_digest = keyring.digest(e164)
    return call  # not committed


def insert_new(session: Session, model: type[_Row], values: dict[str, Any]) -> _Row | None:
    """Insert a row unless a unique key already holds one; return the new entity, else None.

    One statement on both databases (INSERT ... ON CONFLICT DO NOTHING RETURNING), so two
    requests recording the same row at once keep one without a savepoint or an error.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(model).values(values).on_conflict_do_nothing().returning(model)
    return session.scalars(statement).first()


def mark_practice(session: Session, call_sid: str) -> None:
    """Mark a call as practice (the browser phone's): out of the figures, no draft. No commit."""
    session.execute(update(Call).where(Call.call_sid == call_sid).values(practice=True))


def record_step(call: Call, step: str, now: datetime, **detail: Any) -> None:
    """Note a step of the flow on the call, with its instant."""
    entry = {"step": step, "at": now.isoformat(timespec="seconds"), **detail}
    call.steps = [*(call.steps or []), entry]  # a new list, so the JSON column is saved


def note_recording(
    call: Call, recording_sid: str, url: str | None, seconds: int | None, now: datetime
) -> bool:
    """Keep a call's finished conversation recording, once; False when nothing changed."""
    if not recording_sid or call.recording_sid == recording_sid:
        return False  # nothing to keep, or Twilio retried the callback
    if call.recording_sid is not None:
        # One bridged conversation per call: a second recording would be a flow change.
        log.warning("Call %s already has recording %s", call.call_sid, call.recording_sid)
        return False
    call.recording_sid, call.recording_url, call.recording_seconds = recording_sid, url, seconds
    record_step(call, "recording", now, recording=recording_sid)
    return True


def set_outcome(call: Call, outcome: CallOutcome) -> bool:
    """Record how the call ended unless an outcome is already recorded."""
    if call.outcome is not None:
        return False
    call.outcome = outcome
    return True


def set_abandoned_ringing(call: Call) -> bool:
    """Record that the caller hung up while a counselor's phone rang or played the whisper.

    This outcome may replace `abandoned_menu`: ringing writes nothing, so the caller's final
    status can arrive before any request about the leg and take the call for one left in the
    menu.
    """
    if call.outcome not in (None, CallOutcome.ABANDONED_MENU):
        return False
    call.outcome = CallOutcome.ABANDONED_RINGING
    return True


def is_blocked(session: Session, caller: str | None, now: datetime) -> bool:
    """Whether the calling number is on the blocklist at this instant (expired entries not)."""
    e164 = try_e164(caller)
    if e164 is None:
        return False
    digest = keyring.digest(e164)
    statement = select(BlockedNumber.id).where(
        BlockedNumber.digest == digest,
        or_(BlockedNumber.expires_at.is_(None), BlockedNumber.expires_at > now),
    )
    return session.scalar(statement) is not None


def blocked_entry(session: Session, e164: str) -> BlockedNumber | None:
    """Return the blocklist entry of an E.164 number, if it has one (expired or not)."""
    digest = keyring.digest(e164)
    return session.scalar(select(BlockedNumber).where(BlockedNumber.digest == digest))


def block_number(
    session: Session,
    number: str,
    reason: str | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> BlockedNumber:
    """Put a number on the blocklist, until `expires_at` or for good. Does not commit.

    A number already blocked keeps the longer of the two blocks; an entry that ran out is
    renewed with the new period and reason.
    """
    e164 = try_e164(number)
    if e164 is None:
        raise ValueError(f"{number!r} is not a phone number")
    existing = blocked_entry(session, e164)
    if existing is None:
        blocked = BlockedNumber(
            digest=keyring.digest(e164), last4=last4(e164), reason=reason, expires_at=expires_at
        )
        session.add(blocked)
        return blocked
    ran_out = now is not None and not existing.active(now)
    longer = existing.expires_at is not None and (
        expires_at is None or expires_at > existing.expires_at
    )
    if ran_out or longer:
        existing.expires_at = expires_at
        existing.reason = reason or existing.reason
    return existing


def unblock_number(session: Session, blocked_id: int) -> BlockedNumber | None:
    """Take an entry off the blocklist; return it, or None when it was gone. Does not commit."""
    blocked = session.get(BlockedNumber, blocked_id)
    if blocked is not None:
        session.delete(blocked)
    return blocked


def default_outcome(call: Call) -> CallOutcome:
    """Say how a call that ended without a recorded outcome went."""
    if call.queue_entered_at is not None and call.queue_left_at is None:
        return CallOutcome.ABANDONED_QUEUE
    if call.reached("closed"):
        return CallOutcome.CLOSED
    return CallOutcome.ABANDONED_MENU
