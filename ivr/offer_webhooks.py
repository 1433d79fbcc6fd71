"""Callback requests, voice messages and the satisfaction survey."""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.models import Call
from callcenter.phones import (
    ABROAD,
    InvalidPhoneNumber,
    RefusedNumber,
    is_korean_callable,
    to_callback_e164,
)
from callcenter.timezone import line_timezone
from ivr import booking_link, bp
from ivr.calls import (
    current_time,
    find_call,
    record_step,
)
from ivr.endings import call_again, goodbye
from ivr.offers import (
    ask_callback_number,
    offer,
    offer_korean_number,
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
    """1 a callback, 2 a voice message, 3 the booking link when offered; after wrong or no keys,
    the voice message anyway."""
    session, now = db.session, current_time()
    call = this_call()
    attempt, abroad = arg_int("attempt", 1), arg_int("abroad", 0) == 1
    digits = request.form.get("Digits", "")
    response = VoiceResponse()
    if digits == "1" and abroad:
        ask_callback_number(response, call)
    elif digits == "1":
        start_callback(response, call, now)
    elif digits == "2":
        start_voicemail(response, call, now)
    elif digits == booking_link.KEY and booking_link.offered(call):
        booking_link.send_booking_link(session, response, call, now)
    else:
        say(response, "invalid_choice" if digits else "no_input", call.language)
        if attempt >= menu_tries():
            # No key works for this caller: a message needs none.
            say(response, "voicemail_without_keys", call.language)
            start_voicemail(response, call, now)
        else:
            offer(response, call, attempt + 1, abroad)
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
    """Take a keyed-in callback number the line may call; a foreign one hears why not.

    After the last wrong number the caller is offered a voice message instead.
    """
    session, now = db.session, current_time()
    call = this_call()
    response = VoiceResponse()
    try:
        e164 = to_callback_e164(request.form.get("Digits", "").rstrip("#"))
    except InvalidPhoneNumber as error:
        abroad = isinstance(error, RefusedNumber) and error.reason == ABROAD
        tries = sum(1 for step in call.steps or () if step.get("step") == "callback_invalid")
        record_step(call, "callback_invalid", now, attempt=tries + 1, abroad=abroad)
        if tries + 1 >= menu_tries():
            say(response, "callback_korean_only" if abroad else "callback_invalid", call.language)
            say(response, "callback_number_failed", call.language)
            start_voicemail(response, call, now)
        elif abroad:
            offer_korean_number(response, call, now)
        else:
            say(response, "callback_invalid", call.language)
            ask_callback_number(response, call, tries + 2)
    else:
        request_callback(session, response, call, e164, now)
    session.commit()
    return twiml(response)


@bp.post("/voicemail/done")
@webhook
def voicemail_done() -> Response:
    """Thank the caller for a message, or say nothing was recorded and when to call."""
    session, now = db.session, current_time()
    call = this_call()
    response = VoiceResponse()
    sid, duration = request.form.get("RecordingSid"), form_int("RecordingDuration")
    if sid and duration:
        save_voicemail(session, call, sid, request.form.get("RecordingUrl"), duration, now)
        say(response, "voicemail_done", call.language)
        goodbye(response, call, "voice_message", now)
    else:
        say(response, "voicemail_empty", call.language)
        call_again(session, response, call, now, line_timezone())
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
    goodbye(response, call, "conversation", current_time())
    db.session.commit()
    return twiml(response)
