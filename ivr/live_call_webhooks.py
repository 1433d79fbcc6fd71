"""Where the back office sends a caller out of a live conversation: the abuse notice."""

from __future__ import annotations

from flask import Response
from twilio.twiml.voice_response import VoiceResponse  # type: ignore[import-untyped]

from callcenter.extensions import db
from ivr import bp
from ivr.responses import say, twiml, webhook
from ivr.twilio_form import asked_language, this_call


@bp.post("/ended/abuse")
@webhook
def ended_for_abuse() -> Response:
    """Tell the caller the call is ended for abuse, then hang up."""
    this_call()
    response = VoiceResponse()
    say(response, "ended_for_abuse", asked_language())
    response.hangup()
    db.session.commit()
    return twiml(response)
