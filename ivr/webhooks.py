"""The contract endpoints: the line's Voice URL and menu, status callback and fallback URL."""

from __future__ import annotations

import logging

from flask import Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.models import CallOutcome
from callcenter.timezone import line_timezone
from ivr import bp
from ivr.cache import menu_fields
from ivr.calls import (
    FINAL_STATUSES,
    current_time,
    is_blocked,
    record_step,
    set_outcome,
)
from ivr.desk import desk_is_open
from ivr.endings import hang_up
from ivr.flow import choose_field
from ivr.menu import interpret, menu_gather, retry_or_offer
from ivr.offers import offer
from ivr.queueing import serve_freed, serve_waiters
from ivr.responses import say, twiml, webhook
from ivr.routing import (
    Ring,
    ensure_leg,
)
from ivr.status import (
    apply_call_status,
    apply_leg_status,
    release_leg_holder,
)
from ivr.twilio_form import arg_int, asked_language, this_call

log = logging.getLogger(__name__)


@bp.post("/voice")
@webhook
def voice() -> Response:
    """Answer a new call: blocklist, greeting, notices, the field menu."""
    session, now = db.session, current_time()
    caller = request.form.get("From")
    call = this_call(fresh=True)
    response = VoiceResponse()
    if is_blocked(session, caller, now):
        set_outcome(call, CallOutcome.BLOCKED)
        record_step(call, "blocked", now)
        say(response, "blocked", "ko")
        hang_up(response, call, "blocked", now)
        session.commit()
        return twiml(response)
    if not call.reached("greeting"):
        record_step(call, "greeting", now)
    say(response, "greeting", "ko")
    notices(response, "ko")
    desk_open = desk_is_open(current_app.config, now, line_timezone(), session)
    menu_gather(response, menu_fields(session), "ko", 1, desk_open)
    session.commit()
    return twiml(response)


def notices(response: VoiceResponse, language: str) -> None:
    """The notices before the menu: recording (only when it is on), then respect."""
    if current_app.config.get("RECORDING_ENABLED"):
        say(response, "recording_notice", language)
    say(response, "respect_notice", language)


@bp.post("/menu")
@webhook
def menu() -> Response:
    """Act on the caller's menu choice: a field, English, the desk, or try again."""
    session, now, tz = db.session, current_time(), line_timezone()
    language, attempt = asked_language(), arg_int("attempt", 1)
    fields = menu_fields(session)
    desk_open = desk_is_open(current_app.config, now, tz, session)
    choice = interpret(
        request.form.get("Digits", ""),
        request.form.get("SpeechResult", ""),
        fields,
        desk_open,
        language,
    )
    response = VoiceResponse()
    if choice.kind == "field" and choice.field is not None:
        # The hot path: ringing a free counselor is one statement, committed on its own.
        form = request.form
        went = choose_field(
            session,
            response,
            form.get("CallSid", ""),
            form.get("From"),
            choice.field,
            language,
            now,
            tz,
        )
        if went != "rang":
            session.commit()
        if went == "queued":
            serve_waiters(session, [choice.field.id], now, tz)
        return twiml(response)
    call = this_call()
    call.language = language
    if choice.kind in ("english", "korean"):
        call.language = "en" if choice.kind == "english" else "ko"
        record_step(call, "language", now, language=call.language)
        if call.language != language:
            # The notices heard so far were in the other language: say them in this one.
            notices(response, call.language)
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
            action=url_for("ivr.desk_done", lang=language),
            method="POST",
        )
    else:
        retry_or_offer(response, call, choice, attempt, fields, desk_open, now)
    session.commit()
    return twiml(response)


@bp.post("/desk/done")
@webhook
def desk_done() -> Response:
    """After the desk's line: goodbye, or the callback offer when nobody answered there."""
    session, now = db.session, current_time()
    call = this_call()
    response = VoiceResponse()
    if request.form.get("DialCallStatus") == "completed":
        hang_up(response, call, "conversation", now)
    else:
        record_step(call, "desk_unanswered", now, status=request.form.get("DialCallStatus", ""))
        call.outcome = None  # the desk was not reached after all: the offer decides
        say(response, "desk_unavailable", call.language)
        offer(response, call)
    session.commit()
    return twiml(response)


@bp.post("/status")
@webhook
def status() -> Response:
    """Record a call or counselor-leg status; retries and late arrivals change nothing."""
    session, now, tz = db.session, current_time(), line_timezone()
    form = request.form
    call_sid, call_status = form.get("CallSid", ""), form.get("CallStatus", "")
    ring = Ring.from_args(request.args)
    leg = ensure_leg(session, ring) if ring is not None else None
    freed: list[int] = []
    if leg is None and form.get("ParentCallSid"):
        # Not one of our counselor legs (e.g. the desk), unless a counselor is held by it.
        if call_status in FINAL_STATUSES:
            freed = release_leg_holder(session, call_sid)
    elif leg is not None:
        freed = apply_leg_status(session, leg, call_sid, call_status, form.get("CallDuration"), now)
    elif call_sid:
        _, freed = apply_call_status(
            session, call_sid, form.get("From"), call_status, form.get("CallDuration"), now
        )
    session.commit()
    serve_freed(session, freed, now, tz)
    return twiml(VoiceResponse())


@bp.post("/fallback")
@webhook
def fallback() -> Response:
    """Answer from configuration alone: apologise, then the desk when it is open."""
    config, language = current_app.config, asked_language()
    response = VoiceResponse()
    if "DialCallStatus" in request.form:
        # The desk's line dialled below has ended: answered, or the caller must call again.
        if request.form["DialCallStatus"] != "completed":
            say(response, "fallback_later", language)
        response.hangup()
        return twiml(response)
    log.warning(
        "Fallback route used",
        extra={
            "error_code": request.form.get("ErrorCode", "-"),
            "error_url": request.form.get("ErrorUrl", "-"),
        },
    )
    if request.args.get("after") != "error":
        say(response, "sorry", language)
    if desk_is_open(config, current_time(), line_timezone()):
        say(response, "fallback_desk", language)
        response.dial(
            config["ADMIN_DESK_NUMBER"],
            caller_id=config["TWILIO_PHONE_NUMBER"],
            action=url_for("ivr.fallback", lang=language),
            method="POST",
        )
    else:
        say(response, "fallback_later", language)
        response.hangup()
    return twiml(response)
