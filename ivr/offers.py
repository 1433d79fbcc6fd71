"""When nobody can talk now: the next session, a callback request, or a voice message."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter import callback_limits, telephony
from callcenter.labels import label_in
from callcenter.models import (
    Call,
    CallbackRequest,
    CallbackStatus,
    CallOutcome,
    Field,
    Voicemail,
)
from callcenter.phones import ABROAD, Use, can_receive_sms, is_korean_callable, outgoing_refusal
from callcenter.timezone import line_timezone
from callcenter.voicemails import route_new
from ivr import booking_link, prompts
from ivr.calls import record_step, set_outcome
from ivr.endings import goodbye
from ivr.responses import say
from ivr.speech import spoken_minutes, spoken_number, spoken_when
from schedules.line_closures import ClosedReason, why_closed
from schedules.oncall import next_session_start


def announce_next_session(
    session: Session, response: VoiceResponse, call: Call, field: Field, now: datetime, tz: ZoneInfo
) -> None:
    """Tell the caller this field is closed now and when its next session starts."""
    why = why_closed(session, field.id, now, tz)
    record_step(call, "closed", now, field=field.code, **({"why": why.kind} if why else {}))
    language = call.language
    if why is not None:
        say_why_closed(response, why, field, language, now, tz)
    starts = next_session_start(session, field.id, now, tz)
    if starts is None:
        say(response, "closed_unknown", language, field=field.name(language))
    else:
        when = spoken_when(starts, now, tz, language)
        say(response, "closed_next", language, field=field.name(language), when=when)
    booking_link.note_bookable(session, call, field, now, tz)


def say_why_closed(
    response: VoiceResponse,
    why: ClosedReason,
    field: Field,
    language: str,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """Tell the caller why the field is closed: a coordinator's closure, a holiday, a day off."""
    if why.kind == "closed_now" and why.until is not None:
        reason = label_in("line_closure_reason", why.reason, language)
        until = spoken_when(why.until, now, tz, language)
        key = "closed_now_line" if why.whole_line else "closed_now_field"
        say(response, key, language, field=field.name(language), reason=reason, until=until)
        if why.note:
            say(response, "closed_now_note", language, note=why.note)
    elif why.kind == "holiday":
        say(response, "closed_holiday", language, holiday=why.holiday(language))
    elif why.note:
        say(response, "closed_day_reason", language, reason=why.note)
    else:
        say(response, "closed_day", language)


def offer(response: VoiceResponse, call: Call, attempt: int = 1, abroad: bool = False) -> None:
    """Offer 1 a callback and 2 a voice message.

    `abroad`: the caller was told callbacks go to Korean numbers only; 1 then asks for a
    Korean number to key in.
    """
    params: dict[str, Any] = {"attempt": attempt, "lang": call.language}
    if abroad:
        params["abroad"] = 1
    action = url_for("ivr.offer_choice", **params)
    gather = response.gather(
        num_digits=1,
        action=action,
        method="POST",
        timeout=current_app.config["IVR_GATHER_TIMEOUT"],
    )
    say(gather, "offer_abroad" if abroad else "offer", call.language)
    if booking_link.offered(call):
        say(gather, "offer_booking", call.language)
    response.redirect(action, method="POST")


def offer_korean_number(response: VoiceResponse, call: Call, now: datetime) -> None:
    """Tell the caller callbacks go to Korean numbers only; offer one, or a voice message."""
    record_step(call, "callback_abroad", now)
    say(response, "callback_korean_only", call.language)
    offer(response, call, abroad=True)


def ask_callback_number(response: VoiceResponse, call: Call, attempt: int = 1) -> None:
    """Ask the caller to key in the number to call back, ended by #."""
    action = url_for("ivr.callback_number", attempt=attempt, lang=call.language)
    gather = response.gather(
        finish_on_key="#",
        action=action,
        method="POST",
        timeout=current_app.config["IVR_GATHER_TIMEOUT"] + 4,
    )
    say(gather, "callback_enter", call.language)
    response.redirect(action, method="POST")


def start_callback(response: VoiceResponse, call: Call, now: datetime) -> None:
    """Confirm the calling number, or ask for one when it is withheld or invalid."""
    record_step(call, "callback", now)
    if outgoing_refusal(call.from_number, Use.CALL) == ABROAD:  # a foreign number
        offer_korean_number(response, call, now)
        return
    if not is_korean_callable(call.from_number):  # withheld, invalid or special
        ask_callback_number(response, call)
        return
    action = url_for("ivr.callback_confirm", lang=call.language)
    gather = response.gather(
        num_digits=1,
        action=action,
        method="POST",
        timeout=current_app.config["IVR_GATHER_TIMEOUT"],
    )
    say(gather, "callback_confirm", call.language, number=spoken_number(call.from_number))
    response.redirect(action, method="POST")


def new_ticket() -> str:
    """Return a callback ticket number a caller can read over the phone."""
    number = secrets.randbelow(10**8)
    return f"{number // 10**4:04d}-{number % 10**4:04d}"


def request_callback(
    session: Session, response: VoiceResponse, call: Call, e164: str, now: datetime
) -> CallbackRequest | None:
    """Register the callback request, confirm it by SMS to mobiles, and say goodbye.

    The web ticket's limits hold here too (`callback_limits`): over one, the caller hears
    only that no more requests are taken now. None when refused.
    """
    language = call.language
    request = register_callback(session, call, e164, now)
    if request is None:
        say(response, "callback_unavailable", language)
        goodbye(response, call, "call_again", now)
        return None
    say(response, "callback_done", language, number=spoken_number(e164))
    if call.reached("callback_sms"):
        say(response, "callback_sms_note", language)
    goodbye(response, call, "callback", now)
    return request


def register_callback(
    session: Session,
    call: Call,
    e164: str,
    now: datetime,
    status: CallbackStatus = CallbackStatus.PENDING,
    sms: str = "callback_sms",
) -> CallbackRequest | None:
    """Register the call's callback request once, within the limits; text mobiles the ticket.

    Says nothing: None when a limit refuses it (the `callback_refused` step is kept, so a
    retried request is refused alike). No commit.
    """
    language = call.language
    request = session.scalar(select(CallbackRequest).where(CallbackRequest.call_id == call.id))
    if request is None and not call.reached("callback_refused"):
        try:
            callback_limits.admit(session, e164, now)
        except callback_limits.CallbackLimitReached:
            record_step(call, "callback_refused", now)
    if request is None and call.reached("callback_refused"):
        return None
    if request is None:
        request = CallbackRequest.for_phone(
            e164,
            ticket=new_ticket(),
            source="ivr",
            field_id=call.field_id,
            call_id=call.id,
            language=language,
            requested_at=now,
            status=status,
        )
        session.add(request)
        session.flush()
        set_outcome(call, CallOutcome.CALLBACK_REQUESTED)
        record_step(call, "callback_requested", now, request=request.id)
        if can_receive_sms(e164):
            field_name = call.field.name(language) if call.field else ""
            body = prompts.text(sms, language, field=field_name, ticket=request.ticket)
            telephony.send_sms(session, e164, body)
            record_step(call, "callback_sms", now)
    return request


def start_voicemail(response: VoiceResponse, call: Call, now: datetime) -> None:
    """Record a voice message, with a notice and a length limit."""
    record_step(call, "voicemail", now)
    limit = current_app.config["IVR_VOICEMAIL_MAX_SECONDS"]
    say(response, "voicemail_prompt", call.language, minutes=spoken_minutes(limit))
    response.record(
        max_length=limit,
        action=url_for("ivr.voicemail_done", lang=call.language),
        method="POST",
        finish_on_key="#",
        play_beep=True,
        timeout=5,
        recording_status_callback=url_for("ivr.voicemail_saved", call=call.id),
        recording_status_callback_method="POST",
    )
    # Twilio goes on here when nothing was said: the done view says when to call instead.
    response.redirect(url_for("ivr.voicemail_done", lang=call.language), method="POST")


def save_voicemail(
    session: Session,
    call: Call,
    recording_sid: str,
    url: str | None,
    duration: int | None,
    now: datetime,
) -> Voicemail:
    """Store a voice message once, whichever of its two callbacks comes first. No commit."""
    existing = session.scalar(select(Voicemail).where(Voicemail.recording_sid == recording_sid))
    if existing is None:
        existing = Voicemail(
            call_id=call.id,
            field_id=call.field_id,
            recording_sid=recording_sid,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(existing)
        except IntegrityError:  # the other callback stored it a moment ago
            existing = session.scalar(
                select(Voicemail).where(Voicemail.recording_sid == recording_sid)
            )
            assert existing is not None
        else:  # stored by this request: only this one gives it to someone
            route_new(session, existing, now, line_timezone())
    existing.recording_url = existing.recording_url or url
    if duration is not None:
        existing.duration_seconds = duration
    if set_outcome(call, CallOutcome.VOICE_MESSAGE):
        record_step(call, "voice_message", now)
    return existing
