"""Keeping the turn: a waiting caller hangs up and is called back when their place comes.

In a field's queue, `1` asks for it, offered only to callers the line may call back (Korean
phones: `callcenter.phones`, the rule every callback follows). The caller's callback request
is registered with the status `in_queue` and the caller hears that the line will call when
their turn comes; the call stays in the queue with its first arrival (`queue_entered_at`),
marked `kept_turn_at`, with no live call (`ivr.reservations.in_queue`).

The queue's one dispatch (`ivr.queueing.serve_waiters`) serves the entry in its turn like any
waiter, with the same conditional take and the same reservation; then, instead of moving a
caller, the line rings the reserved counselor as the callback bridge does
(`ivr.callback_bridge`): the counselor presses 1, the reservation becomes the busy flag, and
the citizen is dialled from the line's number. A turn that cannot be given this way (the
counselor's phone is not reached or they do not press 1, the citizen does not answer, the
longest wait passes first, the bridge call gives no sign at all within `BRIDGE_SILENCE`)
becomes an ordinary pending callback request of the field, in the callback list like any
other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter import callbacks
from callcenter.models import Call, CallbackRequest, CallbackStatus, Counselor
from callcenter.phones import is_korean_callable
from ivr.calls import record_step
from ivr.endings import goodbye
from ivr.offers import register_callback
from ivr.reservations import held_for, in_queue, release, release_call
from ivr.responses import absolute, say
from ivr.speech import spoken_number

KEY = "1"  # pressed in the queue's hold round; `queue_keep_turn_hint` announces it
BATCH = 200  # entries whose wait ran out given back by one sweep; the next goes on
# Longer than a bridge call can ring and ask for 1 (30 s and 8 s) with Twilio's retries of its
# final status: a kept turn's counselor who has neither pressed 1 nor been reported by then
# was never reached (Twilio did not answer the request that placed the call, for one).
BRIDGE_SILENCE = timedelta(minutes=5)
BRIDGE_SWEEP_WINDOW = timedelta(days=1)  # how far back the sweep looks for silent bridges


def can_keep_turn(call: Call) -> bool:
    """Whether the line offers this waiting caller to keep their turn for a callback."""
    return may_keep_turn(call.field_id, call.from_number)


def may_keep_turn(field_id: int | None, caller: str | None) -> bool:
    """Whether a caller of this number waiting for this field may keep their turn."""
    return field_id is not None and is_korean_callable(caller)


def keep_turn(session: Session, response: VoiceResponse, call: Call, now: datetime) -> bool:
    """Register the callback, keep the call's place in the queue, confirm and hang up.

    False when the line cannot call the caller back (their number, a callback limit): they
    have heard so and go back to waiting in the same place. No commit.
    """
    language = call.language
    e164 = call.from_number
    request = None
    if can_keep_turn(call) and e164 is not None:
        request = register_callback(
            session, call, e164, now, CallbackStatus.IN_QUEUE, sms="kept_turn_sms"
        )
    if request is None or e164 is None:
        record_step(call, "kept_turn_unavailable", now)
        say(response, "kept_turn_unavailable", language)
        return False
    if call.kept_turn_at is None:
        call.kept_turn_at = now
        record_step(call, "kept_turn", now, request=request.id)
    say(response, "kept_turn_done", language, number=spoken_number(e164))
    if call.reached("callback_sms"):
        say(response, "callback_sms_note", language)
    goodbye(response, call, "callback", now)
    return True


def waiting_request(session: Session, call: Call) -> CallbackRequest | None:
    """Return the callback request that keeps this call's place, locked; None if closed."""
    return session.scalar(
        select(CallbackRequest)
        .where(
            CallbackRequest.call_id == call.id, CallbackRequest.status == CallbackStatus.IN_QUEUE
        )
        .with_for_update()
    )


def assign(callback: CallbackRequest, counselor_id: int, now: datetime) -> None:
    """Give the kept turn's request to the counselor the dispatch reserved. No commit."""
    callback.status = CallbackStatus.CLAIMED
    callback.claimed_by_id = counselor_id
    callback.claimed_at = now


def ring_counselor(
    session: Session,
    callback_id: int,
    call_id: int,
    counselor_id: int,
    position: int,
    now: datetime,
) -> None:
    """Place the bridge call to the counselor reserved for a kept turn. No commit.

    When Twilio or the numbers rule refuses the call, the reservation ends (the dispatch
    then offers the counselor to the next waiter) and the request becomes pending. When
    Twilio does not answer the call may have been placed: the counselor keeps the request,
    and the bridge call's final status settles it, or `give_back_silent` does.
    """
    callback = session.get(CallbackRequest, callback_id)
    counselor = session.get(Counselor, counselor_id)
    call = session.get(Call, call_id)
    if callback is None or counselor is None or call is None:
        return
    bridge = absolute(url_for("ivr.callback_bridge_answer", callback_id=callback_id))
    status = absolute(url_for("ivr.callback_bridge_status", callback_id=callback_id))
    sent = callbacks.call_back(session, callback, counselor, bridge, status_callback=status)
    record_step(call, "kept_turn_called", now, counselor=counselor_id)
    if not sent.ok and (sent.refused or sent.not_allowed):
        release(session, counselor_id, call.call_sid, position)
        give_back(session, callback, call, now)


def kept_call(session: Session, callback: CallbackRequest) -> Call | None:
    """Return the call whose kept turn this request is, if it is one."""
    if callback.call_id is None:
        return None
    call = session.get(Call, callback.call_id)
    return call if call is not None and call.kept_turn_at is not None else None


def reservation(
    session: Session, callback: CallbackRequest, now: datetime
) -> tuple[str, int] | None:
    """Return (call, position) of the reservation the dispatch made for this request's counselor.

    The bridge's claim turns it into the busy flag, as accepting a ring does. None when the
    request is not a kept turn, or the reservation has run out (the counselor is then
    claimed like any callback bridge's).
    """
    call = kept_call(session, callback)
    if call is None:
        return None
    held = held_for(session, call.call_sid, now)
    if held is None or held[0] != callback.claimed_by_id:
        return None
    return call.call_sid, held[2]


def note_connected(session: Session, callback: CallbackRequest, now: datetime) -> None:
    """Note on a kept turn's call that its counselor took the bridge call and pressed 1."""
    call = kept_call(session, callback)
    if call is not None and not call.reached("kept_turn_connected"):
        record_step(call, "kept_turn_connected", now, counselor=callback.claimed_by_id)


def give_back(session: Session, callback: CallbackRequest, call: Call, now: datetime) -> None:
    """Make a kept turn's request an ordinary pending callback of its field. No commit."""
    callbacks.release(session, callback)
    record_step(call, "kept_turn_pending", now, request=callback.id)


def expire(session: Session, now: datetime) -> int:
    """Give back kept turns that waited `IVR_QUEUE_MAX_WAIT`; return how many. No commit.

    A caller on the line gets the offer then; a kept turn becomes a pending callback
    request, so that the counselors' callback list takes it on.
    """
    from ivr.queueing import take_from_queue  # the queue's one conditional take

    waited = timedelta(seconds=current_app.config["IVR_QUEUE_MAX_WAIT"])
    calls = session.scalars(
        select(Call)
        .where(
            Call.kept_turn_at.is_not(None),
            Call.queue_entered_at <= now - waited,
            in_queue(),
        )
        .order_by(Call.queue_entered_at)
        .limit(BATCH)
    ).all()
    given = 0
    for call in calls:
        if not take_from_queue(session, call.id, now):
            continue
        callback = waiting_request(session, call)
        if callback is not None:
            give_back(session, callback, call, now)
            given += 1
    session.flush()
    return given


def give_back_silent(session: Session, now: datetime) -> int:
    """Give back kept turns whose bridge call gave no sign for `BRIDGE_SILENCE`; return how
    many. No commit.

    Only the dispatch's own claim is given back (`_claimed_by_the_dispatch`): not a counselor
    who pressed 1 (the bridge goes on to the citizen), not one who took the request from the
    callback list since. Claims older than `BRIDGE_SWEEP_WINDOW` are left to the list, so that
    requests a sweep skips (pressed 1, result not yet noted) never crowd out newer ones.
    """
    rows = session.execute(
        select(CallbackRequest, Call)
        .join(Call, Call.id == CallbackRequest.call_id)
        .where(
            CallbackRequest.status == CallbackStatus.CLAIMED,
            CallbackRequest.claimed_at <= now - BRIDGE_SILENCE,
            CallbackRequest.claimed_at > now - BRIDGE_SWEEP_WINDOW,
            Call.kept_turn_at.is_not(None),
            Call.queue_left_at.is_not(None),
        )
        .order_by(CallbackRequest.claimed_at)
        .limit(BATCH * 5)
    ).all()
    given = 0
    for callback, call in rows:
        if not _claimed_by_the_dispatch(call, callback):
            continue
        if call.reached("kept_turn_connected") or call.reached("kept_turn_pending"):
            continue
        release_call(session, call.call_sid)  # long expired; the row is tidied all the same
        give_back(session, callback, call, now)
        given += 1
    session.flush()
    return given


def _claimed_by_the_dispatch(call: Call, callback: CallbackRequest) -> bool:
    """Whether the request's claim is the one the dispatch made when it rang for the turn.

    The dispatch claims and notes `kept_turn_called` at the same instant; a counselor who
    released the request and a counselor who claimed it afterwards made a later claim.
    """
    called = [entry for entry in call.steps or () if entry.get("step") == "kept_turn_called"]
    if not called or callback.claimed_at is None:
        return False
    last = called[-1]
    noted = datetime.fromisoformat(last["at"])  # to the second
    same_claim = callback.claimed_at < noted + timedelta(seconds=1)
    return last.get("counselor") == callback.claimed_by_id and same_claim
