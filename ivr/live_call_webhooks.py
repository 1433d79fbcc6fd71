"""Where the back office sends a caller out of a live conversation: the abuse notice, or
another field."""

from __future__ import annotations

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.models import Field
from callcenter.timezone import line_timezone
from ivr import bp
from ivr.calls import current_time
from ivr.endings import call_again, hang_up
from ivr.flow import arrive_transferred
from ivr.queueing import serve_waiters
from ivr.responses import say, twiml, webhook
from ivr.twilio_form import arg_int, asked_language, this_call


@bp.post("/ended/abuse")
@webhook
def ended_for_abuse() -> Response:
    """Tell the caller the call is ended for abuse, then hang up."""
    call = this_call()
    response = VoiceResponse()
    say(response, "ended_for_abuse", asked_language())
    # The caller talked to a counselor; the notice says why it ends.
    hang_up(response, call, "conversation", current_time())
    db.session.commit()
    return twiml(response)


@bp.post("/transferred")
@webhook
def transferred() -> Response:
    """Put a handed-over caller through to the other field, its queue, or its offer."""
    session, now, tz = db.session, current_time(), line_timezone()
    call = this_call()
    field = session.get(Field, arg_int("field", 0))
    response = VoiceResponse()
    if field is None:
        call_again(session, response, call, now, tz)
        session.commit()
        return twiml(response)
    wants_callback = request.args.get("mode") == "callback"
    waited = max(0, arg_int("waited", 0))
    queued = arrive_transferred(session, response, call, field, waited, wants_callback, now, tz)
    session.commit()
    if queued:
        serve_waiters(session, [field.id], now, tz)
    return twiml(response)
