"""The counselor's side of a call: the whisper, its answer, the end of each <Dial>."""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.timezone import line_timezone
from ivr import bp
from ivr.calls import current_time, find_call, note_recording
from ivr.flow import ring_next, survey_or_goodbye
from ivr.responses import twiml, webhook
from ivr.routing import (
    ensure_leg,
    leg_result_from_dial,
    whisper,
    whisper_answer,
)
from ivr.status import (
    caller_left,
    release_counselor,
)
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
    leg = ensure_leg(db.session, this_ring())
    response = whisper_answer(
        db.session,
        leg,
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
    call = leg.call
    caller_gone = request.form.get("CallStatus") == "completed"
    response = VoiceResponse()
    if leg.result in ("connected", "completed"):
        if leg.ended_at is None:
            leg.ended_at = now
            leg.result = "completed"
            leg.duration_seconds = form_int("DialCallDuration")
        if leg.counselor_id is not None and leg.leg_sid:
            release_counselor(session, leg.counselor_id, leg.leg_sid, now, tz)
        if not caller_gone:
            survey_or_goodbye(response, call, now)
        session.commit()
        return twiml(response)
    if caller_gone:  # the caller hung up while this counselor's phone rang or in the whisper
        caller_left(call, leg, now)
    else:
        if leg.result == "ringing":
            leg.result = leg_result_from_dial(request.form.get("DialCallStatus", ""))
        ring_next(session, response, call, now, tz)
    session.commit()
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
