"""Requests from a field's queue: hold rounds, keys pressed while waiting, leaving it."""

from __future__ import annotations

import logging

from flask import Response, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.models import Call, CallOutcome
from callcenter.timezone import line_timezone
from ivr import bp
from ivr.calls import (
    current_time,
    record_step,
    set_outcome,
)
from ivr.flow import connect_reserved
from ivr.kept_turn import KEY as KEEP_TURN_KEY
from ivr.kept_turn import can_keep_turn, keep_turn
from ivr.offers import (
    announce_next_session,
    offer,
    start_callback,
)
from ivr.queueing import (
    QueuePlace,
    enqueue,
    hold_round,
    queue_position,
    quiet_round,
    serve_freed,
    serve_waiters,
    waiting_music,
)
from ivr.reservations import held_for
from ivr.responses import say, twiml, webhook
from ivr.status import end_call_holds
from ivr.twilio_form import arg_int, asked_language, form_int, this_call

log = logging.getLogger(__name__)


@bp.post("/queue/wait")
@webhook
def queue_wait() -> Response:
    """Entertain a waiting caller; leave when a counselor is theirs or the wait is too long."""
    session, now, tz = db.session, current_time(), line_timezone()
    language, field_id = asked_language(), arg_int("field", 0)
    queue_time, average = form_int("QueueTime") or 0, form_int("AvgQueueTime") or 0
    quiet = quiet_round(session, request.form.get("CallSid", ""), field_id, queue_time, now, tz)
    if quiet is not None:  # nothing can move the caller: their place, read without a lock
        return twiml(waiting_music(language, quiet.position, average, field_id, quiet.keep_turn))
    call = this_call()
    place, keep_turn = QueuePlace.of(call), can_keep_turn(call)  # before the round commits
    leave_for = hold_round(session, call, field_id, queue_time, now, tz)
    if leave_for is not None:
        response = VoiceResponse()
        response.leave()
        return twiml(response)
    position = queue_position(session, place, now)
    response = waiting_music(language, position, average, field_id, keep_turn)
    session.commit()
    return twiml(response)


@bp.post("/queue/key")
@webhook
def queue_key() -> Response:
    """`*` leaves the queue for a callback, `1` keeps the turn for one; other keys wait on.

    A caller the line cannot call back hears so at `1` and waits on in the same place.
    """
    response = VoiceResponse()
    digits = request.form.get("Digits")
    if digits == "*":
        call = this_call()
        record_step(call, "queue_star", current_time())
        db.session.commit()
        response.leave()
    elif digits == KEEP_TURN_KEY and can_keep_turn(call := this_call()):
        record_step(call, "queue_keep_turn", current_time())
        db.session.commit()
        response.leave()
    else:
        if digits == KEEP_TURN_KEY:
            say(response, "kept_turn_unavailable", asked_language())
        wait = url_for("ivr.queue_wait", lang=asked_language(), field=arg_int("field", 0))
        response.redirect(wait, method="POST")
    return twiml(response)


@bp.post("/queue/done")
@webhook
def queue_done() -> Response:
    """After the queue: a counselor came free, `*` asked for a callback, `1` kept the turn
    for one, or it took too long."""
    session, now, tz = db.session, current_time(), line_timezone()
    call = this_call()
    result = request.form.get("QueueResult", "")
    response = VoiceResponse()
    if result in ("bridged", "bridging-in-process", "redirected", "redirected-from-bridged"):
        return twiml(response)
    reason = _why_the_queue_was_left(call)
    keeping = result == "leave" and reason == "queue_keep_turn"
    if call.queue_left_at is None and not keeping:  # a kept turn stays in the queue
        call.queue_left_at = now
    queued, freed = False, []
    if result == "hangup":
        set_outcome(call, CallOutcome.ABANDONED_QUEUE)
        freed = end_call_holds(session, call)
    elif result != "leave":  # queue-full, error, system-error: the queue could not hold them
        record_step(call, "queue_unavailable", now, result=result)
        say(response, "queue_unavailable", call.language)
        offer(response, call)
    elif reason == "queue_star":
        start_callback(response, call, now)
    elif keeping and held_for(session, call.call_sid, now) is not None and call.field:
        # The dispatch gave them a counselor as they pressed: put them through now.
        queued = connect_reserved(session, response, call, now, tz)
    elif keeping and not keep_turn(session, response, call, now):
        if call.field is not None:
            enqueue(response, call, call.field, now)  # the same place in line
        else:
            offer(response, call)
    elif reason == "queue_counselor_free" and call.field is not None:
        queued = connect_reserved(session, response, call, now, tz)
    elif reason == "queue_closed" and call.field is not None:
        announce_next_session(session, response, call, call.field, now, tz)
        offer(response, call)
    elif reason == "queue_all_paused":
        say(response, "nobody_answered", call.language)
        offer(response, call)
    else:
        say(response, "queue_too_long", call.language)
        offer(response, call)
    session.commit()
    serve_freed(session, freed, now, tz)
    if queued and call.field_id is not None:
        serve_waiters(session, [call.field_id], now, tz)
    return twiml(response)


def _why_the_queue_was_left(call: Call) -> str | None:
    """Return the queue step that made the caller leave this time in the queue, if any.

    Only steps since the caller last entered the queue count: an older reason (a counselor who
    was free an hour ago) must not decide again. None when the wait music failed.
    """
    for step in reversed(call.steps or []):
        if step["step"] == "queue":
            return None
        if step["step"].startswith("queue_"):
            return step["step"]
    return None


@bp.post("/queue/connect")
@webhook
def queue_connect() -> Response:
    """Ring the counselor reserved for the caller taken out of the queue (a REST redirect)."""
    session, now, tz = db.session, current_time(), line_timezone()
    call = this_call()
    response = VoiceResponse()
    queued = False
    if call.field is None:
        offer(response, call)
    else:
        queued = connect_reserved(session, response, call, now, tz)
    session.commit()
    if queued and call.field_id is not None:
        serve_waiters(session, [call.field_id], now, tz)
    return twiml(response)
