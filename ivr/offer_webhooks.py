"""Callback requests, voice messages and the satisfaction survey."""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.models import Call
from callcenter.phones import InvalidPhoneNumber, is_korean_callable, to_callback_e164
from ivr import booking_link, bp
from ivr.calls import (
    current_time,
    find_call,
    record_step,
)
from ivr.flow import goodbye
from ivr.offers import (
    ask_callback_number,
    offer,
    request_callback,
    save_voicemail,
    start_callback,
    start_voicemail,
)
from ivr.responses import say, twiml, webhook
from ivr.twilio_form import arg_int, form_int, menu_tries, this_call

log = logging.getLogger(__name__)


@bp.post("/offer")
@webhook
def offer_choice() -> Response:
    """1 a callback, 2 a voice message, 3 the booking link when offered; else asked again."""
    session, now = db.session, current_time()
    call = this_call()
    attempt = arg_int("attempt", 1)
    digits = request.form.get("Digits", "")
    response = VoiceResponse()
    if digits == "1":
        start_callback(response, call, now)
    elif digits == "2":
        start_voicemail(response, call, now)
    elif digits == booking_link.KEY and booking_link.offered(call):
        booking_link.send_booking_link(session, response, call, now)
    else:
        say(response, "invalid_choice" if digits else "no_input", call.language)
        if attempt >= menu_tries():
            goodbye(response, call)
        else:
            offer(response, call, attempt + 1)
    session.commit()
    return twiml(response)


@bp.post("/callback/confirm")
@webhook
def callback_confirm() -> Response:
    """1 keeps the calling number for the callback; anything else asks for another."""
    session, now = db.session, current_time()
    call = this_call()
    response = VoiceResponse()
    if request.form.get("Digits") == "1" and is_korean_callable(call.from_number):
        request_callback(session, response, call, call.from_number, now)
    else:
        ask_callback_number(response, call)
    session.commit()
    return twiml(response)


@bp.post("/callback/number")
@webhook
def callback_number() -> Response:
    """Take a keyed-in callback number if it is a valid phone number."""
    session, now = db.session, current_time()
    call = this_call()
    attempt = arg_int("attempt", 1)
    response = VoiceResponse()
    try:
        e164 = to_callback_e164(request.form.get("Digits", "").rstrip("#"))
    except InvalidPhoneNumber:
        record_step(call, "callback_invalid", now, attempt=attempt)
        say(response, "callback_invalid", call.language)
        if attempt >= menu_tries():
            goodbye(response, call)
        else:
            ask_callback_number(response, call, attempt + 1)
    else:
        request_callback(session, response, call, e164, now)
    session.commit()
    return twiml(response)


@bp.post("/voicemail/done")
@webhook
def voicemail_done() -> Response:
    """Thank the caller for a message, or say nothing was recorded."""
    session, now = db.session, current_time()
    call = this_call()
    response = VoiceResponse()
    sid, duration = request.form.get("RecordingSid"), form_int("RecordingDuration")
    if sid and duration:
        save_voicemail(session, call, sid, request.form.get("RecordingUrl"), duration, now)
        say(response, "voicemail_done", call.language)
    else:
        say(response, "voicemail_empty", call.language)
    goodbye(response, call)
    session.commit()
    return twiml(response)


@bp.post("/voicemail/saved")
@webhook
def voicemail_saved() -> Response:
    """Store a finished recording reported by Twilio's recording status callback."""
    session, now = db.session, current_time()
    call = session.get(Call, arg_int("call", 0)) or find_call(
        session, request.form.get("CallSid", "")
    )
    sid = request.form.get("RecordingSid")
    if call is not None and sid and request.form.get("RecordingStatus") == "completed":
        save_voicemail(
            session,
            call,
            sid,
            request.form.get("RecordingUrl"),
            form_int("RecordingDuration"),
            now,
        )
        session.commit()
    return twiml(VoiceResponse())


@bp.post("/survey")
@webhook
def survey() -> Response:
    """Store the caller's 1-5 satisfaction once, then say goodbye."""
    call = this_call()
    digits = request.form.get("Digits", "")
    response = VoiceResponse()
    if len(digits) == 1 and digits in "12345":
        if call.satisfaction is None:
            call.satisfaction = int(digits)
            record_step(call, "survey", current_time(), score=int(digits))
        say(response, "survey_thanks", call.language)
    goodbye(response, call)
    db.session.commit()
    return twiml(response)
