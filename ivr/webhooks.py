"""Twilio's requests: views read the form, call the flow's functions, answer TwiML."""

from __future__ import annotations

import logging

from flask import Response, abort, current_app, request, url_for
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.models import Call, CallLeg, CallOutcome, Counselor, Field
from callcenter.phones import InvalidPhoneNumber, to_e164
from callcenter.timezone import line_timezone
from ivr import bp, prompts
from ivr.calls import (
    FINAL_STATUSES,
    current_time,
    find_call,
    is_blocked,
    open_call,
    record_step,
    set_outcome,
)
from ivr.desk import desk_is_open
from ivr.flow import goodbye, route_to_field, survey_or_goodbye
from ivr.menu import interpret, menu_gather
from ivr.offers import (
    ask_callback_number,
    offer,
    request_callback,
    save_voicemail,
    start_callback,
    start_voicemail,
)
from ivr.queueing import enqueue, waiting_music
from ivr.responses import say, twiml, webhook
from ivr.routing import dial, leg_result_from_dial, next_counselor, whisper, whisper_answer
from ivr.status import (
    apply_call_status,
    apply_leg_status,
    release_counselor,
    release_leg_holder,
)

log = logging.getLogger(__name__)


def _arg_int(name: str, default: int) -> int:
    """Read a small integer from the query string."""
    try:
        return int(request.args.get(name, default))
    except ValueError:
        return default


def _language() -> str:
    return "en" if request.args.get("lang") == "en" else "ko"


def _call() -> Call:
    """Return the record of the call making this request, creating it if it is missing."""
    return open_call(
        db.session, request.form.get("CallSid", ""), request.form.get("From"), current_time()
    )


def _menu_fields() -> list[Field]:
    return list(db.session.scalars(Field.menu()))


def _tries() -> int:
    return current_app.config["IVR_MENU_TRIES"]


@bp.post("/voice")
@webhook
def voice() -> Response:
    """Answer a new call: blocklist, greeting, notices, the field menu."""
    session, now = db.session, current_time()
    prompts.refresh_overrides(session)
    caller = request.form.get("From")
    call = _call()
    response = VoiceResponse()
    if is_blocked(session, caller):
        set_outcome(call, CallOutcome.BLOCKED)
        record_step(call, "blocked", now)
        say(response, "blocked", "ko")
        response.hangup()
        session.commit()
        return twiml(response)
    if not call.reached("greeting"):
        record_step(call, "greeting", now)
    say(response, "greeting", "ko")
    if current_app.config.get("RECORDING_ENABLED"):
        say(response, "recording_notice", "ko")
    say(response, "respect_notice", "ko")
    desk_open = desk_is_open(current_app.config, now, line_timezone(), session)
    menu_gather(response, _menu_fields(), "ko", 1, desk_open)
    session.commit()
    return twiml(response)


@bp.post("/menu")
@webhook
def menu() -> Response:
    """Act on the caller's menu choice: a field, English, the desk, or try again."""
    session, now, tz = db.session, current_time(), line_timezone()
    language, attempt = _language(), _arg_int("attempt", 1)
    call = _call()
    call.language = language
    fields = _menu_fields()
    desk_open = desk_is_open(current_app.config, now, tz, session)
    choice = interpret(
        request.form.get("Digits", ""), request.form.get("SpeechResult", ""), fields, desk_open
    )
    response = VoiceResponse()
    if choice.kind == "field" and choice.field is not None:
        route_to_field(session, response, call, choice.field, now, tz)
    elif choice.kind in ("english", "korean"):
        call.language = "en" if choice.kind == "english" else "ko"
        record_step(call, "language", now, language=call.language)
        menu_gather(response, fields, call.language, 1, desk_open)
    elif choice.kind == "repeat":
        menu_gather(response, fields, language, attempt, desk_open)
    elif choice.kind == "desk":
        set_outcome(call, CallOutcome.ADMIN_DESK)
        record_step(call, "admin_desk", now)
        say(response, "desk_connecting", language)
        response.dial(
            current_app.config["ADMIN_DESK_NUMBER"],
            caller_id=current_app.config["TWILIO_PHONE_NUMBER"],
            timeout=current_app.config["IVR_DIAL_TIMEOUT"] + 10,
        )
    else:
        reason = {"none": "no_input", "desk_closed": "desk_closed"}.get(choice.kind, "invalid")
        record_step(call, "menu_retry", now, reason=reason, attempt=attempt)
        say(response, "invalid_choice" if reason == "invalid" else reason, language)
        if attempt >= _tries():
            record_step(call, "menu_gave_up", now)
            say(response, "line_hours", language)
            response.hangup()
        else:
            menu_gather(response, fields, language, attempt + 1, desk_open)
    session.commit()
    return twiml(response)


@bp.post("/whisper", endpoint="whisper")
@webhook
def whisper_view() -> Response:
    """Speak to the counselor who answered, before the caller is bridged."""
    leg = db.session.get(CallLeg, _arg_int("leg", 0)) or abort(404)
    response = whisper(db.session, leg, request.form.get("CallSid", ""), current_time())
    db.session.commit()
    return twiml(response)


@bp.post("/whisper/answer", endpoint="whisper_answer")
@webhook
def whisper_answer_view() -> Response:
    """Bridge on 1 if the counselor is still free; otherwise end the counselor's leg."""
    leg = db.session.get(CallLeg, _arg_int("leg", 0)) or abort(404)
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
    leg = session.get(CallLeg, _arg_int("leg", 0)) or abort(404)
    call = leg.call
    caller_gone = request.form.get("CallStatus") == "completed"
    response = VoiceResponse()
    if leg.result in ("connected", "completed"):
        if leg.ended_at is None:
            leg.ended_at = now
            leg.result = "completed"
            leg.duration_seconds = _arg_form_int("DialCallDuration")
        if leg.counselor_id is not None and leg.leg_sid:
            release_counselor(session, leg.counselor_id, leg.leg_sid, now, tz)
        if not caller_gone:
            survey_or_goodbye(response, call, now)
        session.commit()
        return twiml(response)
    if leg.result == "ringing":
        leg.result = leg_result_from_dial(request.form.get("DialCallStatus", ""))
    if not caller_gone:
        counselor = next_counselor(session, call, call.field_id, now, tz) if call.field_id else None
        if counselor is not None and call.field is not None:
            say(response, "trying_next", call.language)
            dial(session, response, call, counselor, call.field, now)
        else:
            record_step(call, "nobody_answered", now)
            say(response, "nobody_answered", call.language)
            offer(response, call)
    session.commit()
    return twiml(response)


def _arg_form_int(name: str) -> int | None:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return None


@bp.post("/queue/wait")
@webhook
def queue_wait() -> Response:
    """Entertain a waiting caller; leave the queue when the wait is too long."""
    language = _language()
    waited = _arg_form_int("QueueTime") or 0
    response = waiting_music(
        language,
        _arg_form_int("QueuePosition") or 0,
        _arg_form_int("AvgQueueTime") or 0,
        waited,
    )
    if waited >= current_app.config["IVR_QUEUE_MAX_WAIT"]:
        call = _call()
        record_step(call, "queue_timeout", current_time())
        db.session.commit()
    return twiml(response)


@bp.post("/queue/key")
@webhook
def queue_key() -> Response:
    """`*` leaves the queue for a callback; any other key goes on waiting."""
    response = VoiceResponse()
    if request.form.get("Digits") == "*":
        call = _call()
        record_step(call, "queue_star", current_time())
        db.session.commit()
        response.leave()
    else:
        response.redirect(url_for("ivr.queue_wait", lang=_language()), method="POST")
    return twiml(response)


@bp.post("/queue/done")
@webhook
def queue_done() -> Response:
    """After the queue: a callback for `*`, the offer after the maximum wait."""
    session, now = db.session, current_time()
    call = _call()
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
    call = _call()
    response = VoiceResponse()
    counselor = session.get(Counselor, _arg_int("counselor", 0))
    if call.field is None:
        offer(response, call)
    elif counselor is not None and counselor.busy_since is None:
        say(response, "connecting", call.language, field=call.field.name(call.language))
        dial(session, response, call, counselor, call.field, now)
    else:
        other = next_counselor(session, call, call.field.id, now, tz)
        if other is not None:
            dial(session, response, call, other, call.field, now)
        else:
            enqueue(response, call, call.field, now)
    session.commit()
    return twiml(response)


@bp.post("/offer")
@webhook
def offer_choice() -> Response:
    """1 a callback, 2 a voice message; wrong or no key is asked again, then goodbye."""
    session, now = db.session, current_time()
    call = _call()
    attempt = _arg_int("attempt", 1)
    digits = request.form.get("Digits", "")
    response = VoiceResponse()
    if digits == "1":
        start_callback(response, call, now)
    elif digits == "2":
        start_voicemail(response, call, now)
    else:
        say(response, "invalid_choice" if digits else "no_input", call.language)
        if attempt >= _tries():
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
    call = _call()
    response = VoiceResponse()
    if request.form.get("Digits") == "1" and call.from_number:
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
    call = _call()
    attempt = _arg_int("attempt", 1)
    response = VoiceResponse()
    try:
        e164 = to_e164(request.form.get("Digits", "").rstrip("#"))
    except InvalidPhoneNumber:
        record_step(call, "callback_invalid", now, attempt=attempt)
        say(response, "callback_invalid", call.language)
        if attempt >= _tries():
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
    call = _call()
    response = VoiceResponse()
    sid, duration = request.form.get("RecordingSid"), _arg_form_int("RecordingDuration")
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
    call = session.get(Call, _arg_int("call", 0)) or find_call(
        session, request.form.get("CallSid", "")
    )
    sid = request.form.get("RecordingSid")
    if call is not None and sid and request.form.get("RecordingStatus") == "completed":
        save_voicemail(
            session,
            call,
            sid,
            request.form.get("RecordingUrl"),
            _arg_form_int("RecordingDuration"),
            now,
        )
        session.commit()
    return twiml(VoiceResponse())


@bp.post("/recording")
@webhook
def recording() -> Response:
    """Note a finished conversation recording on the call (only when recording is on)."""
    call = db.session.get(Call, _arg_int("call", 0))
    sid = request.form.get("RecordingSid")
    if call is not None and sid and request.form.get("RecordingStatus") == "completed":
        if not any(s.get("recording") == sid for s in call.steps or ()):
            record_step(call, "recording", current_time(), recording=sid)
        db.session.commit()
    return twiml(VoiceResponse())


@bp.post("/survey")
@webhook
def survey() -> Response:
    """Store the caller's 1-5 satisfaction once, then say goodbye."""
    call = _call()
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


@bp.post("/status")
@webhook
def status() -> Response:
    """Record a call or counselor-leg status; retries and late arrivals change nothing."""
    session, now, tz = db.session, current_time(), line_timezone()
    form = request.form
    call_sid, call_status = form.get("CallSid", ""), form.get("CallStatus", "")
    leg = session.get(CallLeg, _arg_int("leg", 0)) if request.args.get("leg") else None
    if leg is None and form.get("ParentCallSid"):
        leg = session.scalar(select(CallLeg).where(CallLeg.leg_sid == call_sid))
        if leg is None:
            # Not one of our counselor legs (e.g. the desk), unless a counselor is held by it.
            if call_status in FINAL_STATUSES:
                release_leg_holder(session, call_sid, now, tz)
                session.commit()
            return twiml(VoiceResponse())
    if leg is not None:
        apply_leg_status(session, leg, call_sid, call_status, form.get("CallDuration"), now, tz)
    elif call_sid:
        apply_call_status(
            session, call_sid, form.get("From"), call_status, form.get("CallDuration"), now, tz
        )
    session.commit()
    return twiml(VoiceResponse())


@bp.post("/fallback")
@webhook
def fallback() -> Response:
    """Answer from configuration alone: apologise, then the desk when it is open."""
    config, language = current_app.config, _language()
    log.warning(
        "Fallback route used",
        extra={"error_code": request.form.get("ErrorCode", "-")},
    )
    response = VoiceResponse()
    if request.args.get("after") != "error":
        say(response, "sorry", language)
    if desk_is_open(config, current_time(), line_timezone()):
        say(response, "fallback_desk", language)
        response.dial(config["ADMIN_DESK_NUMBER"], caller_id=config["TWILIO_PHONE_NUMBER"])
    else:
        say(response, "fallback_later", language)
        response.hangup()
    return twiml(response)
