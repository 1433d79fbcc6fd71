"""Requests from a field's queue: hold rounds, keys pressed while waiting, leaving it."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.models import Call, CallOutcome, Counselor
from callcenter.timezone import line_timezone
from ivr import bp
from ivr.calls import (
    current_time,
    record_step,
    set_outcome,
)
from ivr.flow import ring_next
from ivr.offers import (
    offer,
    start_callback,
)
from ivr.queueing import enqueue, take_from_queue, waiting_music
from ivr.responses import say, twiml, webhook
from ivr.routing import (
    Ring,
    dial,
    dial_order,
    next_position,
    tried_counselors,
)
from ivr.twilio_form import arg_int, asked_language, form_int, this_call

log = logging.getLogger(__name__)


@bp.post("/queue/wait")
@webhook
def queue_wait() -> Response:
    """Entertain a waiting caller; leave when a counselor is free or the wait is too long."""
    session, now = db.session, current_time()
    language, call = asked_language(), this_call()
    position, field_id = form_int("QueuePosition") or 0, arg_int("field", 0)
    # Twilio's QueueTime restarts when a caller is put back in the queue; the wait that
    # counts towards IVR_QUEUE_MAX_WAIT is the one since the caller first queued.
    waited = form_int("QueueTime") or 0
    if call.queue_entered_at is not None:
        waited = max(waited, int((now - call.queue_entered_at).total_seconds()))
    leave_for = None
    if position == 1 and field_id and _free_for(call, field_id, now):
        # A counselor is free (a shift began, or a call ended without freeing anyone to us):
        # the caller at the head of the queue goes to them.
        leave_for = "queue_counselor_free"
    elif waited >= current_app.config["IVR_QUEUE_MAX_WAIT"]:
        leave_for = "queue_timeout"
    # When the take fails, a freed counselor's redirect has just taken the caller: hold on.
    if leave_for is not None and take_from_queue(session, call.id, now):
        call.queue_left_at = now
        record_step(call, leave_for, now)
        session.commit()
        response = VoiceResponse()
        response.leave()
        return twiml(response)
    response = waiting_music(language, position, form_int("AvgQueueTime") or 0, field_id)
    session.commit()
    return twiml(response)


def _free_for(call: Call, field_id: int, now: datetime) -> bool:
    """Whether a counselor of the field is free whom this call has not rung already."""
    return bool(
        dial_order(db.session, field_id, now, line_timezone(), tried_counselors(db.session, call))
    )


@bp.post("/queue/key")
@webhook
def queue_key() -> Response:
    """`*` leaves the queue for a callback; any other key goes on waiting."""
    response = VoiceResponse()
    if request.form.get("Digits") == "*":
        call = this_call()
        record_step(call, "queue_star", current_time())
        db.session.commit()
        response.leave()
    else:
        wait = url_for("ivr.queue_wait", lang=asked_language(), field=arg_int("field", 0))
        response.redirect(wait, method="POST")
    return twiml(response)


@bp.post("/queue/done")
@webhook
def queue_done() -> Response:
    """After the queue: a counselor came free, `*` asked for a callback, or it took too long."""
    session, now, tz = db.session, current_time(), line_timezone()
    call = this_call()
    result = request.form.get("QueueResult", "")
    response = VoiceResponse()
    if result in ("bridged", "bridging-in-process", "redirected", "redirected-from-bridged"):
        return twiml(response)
    if call.queue_left_at is None:
        call.queue_left_at = now
    reason = _why_the_queue_was_left(call)
    if result == "hangup":
        set_outcome(call, CallOutcome.ABANDONED_QUEUE)
    elif result != "leave":  # queue-full, error, system-error: the queue could not hold them
        record_step(call, "queue_unavailable", now, result=result)
        say(response, "queue_unavailable", call.language)
        offer(response, call)
    elif reason == "queue_star":
        start_callback(response, call, now)
    elif reason == "queue_counselor_free" and call.field is not None:
        if dial_order(session, call.field.id, now, tz, tried_counselors(session, call)):
            ring_next(session, response, call, now, tz)
        else:
            enqueue(response, call, call.field, now)
    else:
        say(response, "queue_too_long", call.language)
        offer(response, call)
    session.commit()
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
    """Ring the counselor who came free for the caller taken out of the queue."""
    session, now, tz = db.session, current_time(), line_timezone()
    call = this_call()
    response = VoiceResponse()
    counselor = session.get(Counselor, arg_int("counselor", 0))
    if call.field is None:
        offer(response, call)
    elif counselor is not None and counselor.busy_since is None:
        record_step(call, "from_queue", now, counselor=counselor.id)
        say(response, "connecting", call.language, field=call.field.name(call.language))
        position = next_position(session, call)
        ring = Ring(call.call_sid, counselor.id, call.field.id, position, now, call.language)
        dial(response, ring, counselor.phone)
    elif dial_order(session, call.field.id, now, tz, tried_counselors(session, call)):
        ring_next(session, response, call, now, tz)
    else:
        enqueue(response, call, call.field, now)
    session.commit()
    return twiml(response)
