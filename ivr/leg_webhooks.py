"""The counselor's leg of a call: the whisper they hear and answer, the end of each <Dial>."""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.timezone import line_timezone
from ivr import bp
from ivr.calls import current_time, find_call, note_recording
from ivr.flow import after_dial
from ivr.queueing import serve_freed, serve_waiters
from ivr.responses import twiml, webhook
from ivr.routing import ensure_leg, whisper, whisper_answer
from ivr.twilio_form import form_int, this_ring

log = logging.getLogger(__name__)


@bp.post("/whisper", endpoint="whisper")
@webhook
def whisper_view() -> Response:
    """Speak to the counselor who answered, before the caller is bridged."""
    ring = this_ring()
    leg = ensure_leg(db.session, ring)
    response = whisper(db.session, leg, ring, request.form.get("CallSid", ""), current_time())
    db.session.commit()
    return twiml(response)


@bp.post("/whisper/answer", endpoint="whisper_answer")
@webhook
def whisper_answer_view() -> Response:
    """Bridge on 1 if the counselor is still free; otherwise end the counselor's leg."""
    ring = this_ring()
    leg = ensure_leg(db.session, ring)
    response = whisper_answer(
        db.session,
        leg,
        ring,
        request.form.get("CallSid", ""),
        request.form.get("Digits", ""),
        current_time(),
    )
    db.session.commit()
    return twiml(response)


@bp.post("/dial/done")
@webhook
def dial_done() -> Response:
    """After a counselor leg: the survey if they talked, else the next counselor or the offer."""
    session, now, tz = db.session, current_time(), line_timezone()
    ring = this_ring()
    leg = ensure_leg(session, ring)
    response = VoiceResponse()
    freed, queued = after_dial(
        session,
        response,
        leg,
        caller_gone=request.form.get("CallStatus") == "completed",
        dial_status=request.form.get("DialCallStatus", ""),
        duration=form_int("DialCallDuration"),
        now=now,
        tz=tz,
    )
    session.commit()
    serve_freed(session, freed, now, tz)
    if queued and leg.call.field_id is not None:
        serve_waiters(session, [leg.call.field_id], now, tz)
    return twiml(response)


@bp.post("/recording")
@webhook
def recording() -> Response:
    """Keep a finished conversation recording on its call (only when recording is on)."""
    form = request.form
    call = find_call(db.session, request.args.get("call") or form.get("CallSid", ""))
    if call is not None and form.get("RecordingStatus") == "completed":
        note_recording(
            call,
            form.get("RecordingSid", ""),
            form.get("RecordingUrl"),
            form_int("RecordingDuration"),
            current_time(),
        )
        db.session.commit()
    return twiml(VoiceResponse())
