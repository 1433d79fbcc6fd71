"""Requests from a field's queue: hold rounds, keys pressed while waiting, leaving it."""

from __future__ import annotations

import logging

from flask import Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.models import CallOutcome, Counselor
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
from ivr.queueing import enqueue, waiting_music
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
    """Entertain a waiting caller; leave the queue when the wait is too long."""
    language = asked_language()
    waited = form_int("QueueTime") or 0
    response = waiting_music(
        language,
        form_int("QueuePosition") or 0,
        form_int("AvgQueueTime") or 0,
        waited,
    )
    if waited >= current_app.config["IVR_QUEUE_MAX_WAIT"]:
        call = this_call()
        record_step(call, "queue_timeout", current_time())
        db.session.commit()
    return twiml(response)


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
        response.redirect(url_for("ivr.queue_wait", lang=asked_language()), method="POST")
    return twiml(response)


@bp.post("/queue/done")
@webhook
def queue_done() -> Response:
    """After the queue: a callback for `*`, the offer after the maximum wait."""
    session, now = db.session, current_time()
    call = this_call()
    result = request.form.get("QueueResult", "")
    response = VoiceResponse()
    if result in ("bridged", "redirected"):
        return twiml(response)
    if call.queue_left_at is None:
        call.queue_left_at = now
    if result == "hangup":
        set_outcome(call, CallOutcome.ABANDONED_QUEUE)
    elif call.reached("queue_star"):
        start_callback(response, call, now)
    else:
        say(response, "queue_too_long", call.language)
        offer(response, call)
    session.commit()
    return twiml(response)


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
