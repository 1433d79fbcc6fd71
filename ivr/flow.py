"""Where a call goes once the caller has chosen a field, and how it ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter.models import Call, CallLeg, Field, LegResult
from ivr import unanswered
from ivr.cache import MenuField, rostered_ids
from ivr.calls import open_call, record_step
from ivr.endings import goodbye
from ivr.live_calls import was_moved
from ivr.offers import announce_next_session, offer
from ivr.queueing import enqueue
from ivr.reader import reserve_in_dial_order
from ivr.reservations import held_for
from ivr.responses import say
from ivr.routing import (
    Ring,
    conversation_limit,
    dial,
    leg_result_from_dial,
    note_arrival,
    reached_limit,
    reserve_next,
    tried_counselors,
)
from ivr.status import caller_left, end_call_holds, end_leg_hold


def choose_field(
    session: Session,
    response: VoiceResponse,
    call_sid: str,
    caller: str | None,
    field: MenuField,
    language: str,
    now: datetime,
    tz: ZoneInfo,
) -> str:
    """Ring a free counselor of the field, else queue behind engaged ones, else say when.

    Returns what became of the caller: `rang` (one statement reserved the counselor and was
    committed with it; nothing else is written), `queued` or `closed` (the call record is
    written and the view commits it).
    """
    ids = rostered_ids(session, field.id, now, tz)
    found = reserve_in_dial_order(ids, field.id, call_sid, 0, now) if ids else None
    if found is not None:
        counselor_id, phone = found
        say(response, "connecting", language, field=field.name(language))
        dial(response, Ring(call_sid, counselor_id, field.id, 0, now, language), phone)
        return "rang"
    call = open_call(session, call_sid, caller, now)
    call.language = language
    call.field_id = field.id
    note_arrival(call, field.id, now)
    row = session.get(Field, field.id)
    assert row is not None
    call.field = row
    if ids:  # on duty, but all talking or being rung, or earlier callers wait: the queue
        enqueue(response, call, row, now)
        return "queued"
    announce_next_session(session, response, call, row, now, tz)
    offer(response, call)
    return "closed"


def ring_next(
    session: Session, response: VoiceResponse, call: Call, now: datetime, tz: ZoneInfo
) -> bool:
    """Ring the next free counselor this call has not rung yet, else queue, else the offer.

    A caller whose field still has on-duty counselors they have not rung (talking, being rung
    for someone else, or kept for an earlier caller) waits in the queue in the place of their
    first arrival; one who has rung everyone on duty is offered a callback or a voice message.
    Returns whether the caller was queued (the view then serves the queue once committed).
    """
    ring = None
    if call.field_id is not None:
        ring = reserve_next(session, call, call.field_id, now, tz)
    if ring is not None:
        say(response, "trying_next", call.language)
        dial(response, ring, ring.phone)
        return False
    if call.field_id is not None and call.field is not None:
        tried = tried_counselors(session, call)
        if any(i not in tried for i in rostered_ids(session, call.field_id, now, tz)):
            enqueue(response, call, call.field, now)
            return True
    record_step(call, "nobody_answered", now)
    say(response, "nobody_answered", call.language)
    offer(response, call)
    return False


def arrive_transferred(
    session: Session,
    response: VoiceResponse,
    call: Call,
    field: Field,
    waited: int,
    wants_callback: bool,
    now: datetime,
    tz: ZoneInfo,
) -> bool:
    """Take a caller a counselor handed to another field; return whether they were queued.

    They join that field as if they had waited there already (`waited` seconds before the
    conversation), so the queue's first-come order puts them where that wait belongs; or,
    when asked, they hear the callback and voice message offer of the new field.
    """
    call.field_id, call.field = field.id, field
    say(response, "transfer_announce", call.language, field=field.name(call.language))
    if wants_callback:
        offer(response, call)
        return False
    call.queue_entered_at = now - timedelta(seconds=waited)
    call.queue_left_at = None
    ring = reserve_next(session, call, field.id, now, tz)
    if ring is not None:
        dial(response, ring, ring.phone)
        return False
    if rostered_ids(session, field.id, now, tz):
        enqueue(response, call, field, now)
        return True
    announce_next_session(session, response, call, field, now, tz)
    offer(response, call)
    return False


def connect_reserved(
    session: Session, response: VoiceResponse, call: Call, now: datetime, tz: ZoneInfo
) -> bool:
    """Ring the counselor the queue reserved for this caller, or the next one free.

    Returns whether the caller went back to the queue (see `ring_next`).
    """
    held = held_for(session, call.call_sid, now)
    if held is None or call.field_id is None or call.field is None:
        return ring_next(session, response, call, now, tz)
    counselor_id, phone, position = held
    record_step(call, "from_queue", now, counselor=counselor_id)
    say(response, "connecting", call.language, field=call.field.name(call.language))
    ring = Ring(call.call_sid, counselor_id, call.field_id, position, now, call.language)
    dial(response, ring, phone)
    return False


def after_dial(
    session: Session,
    response: VoiceResponse,
    leg: CallLeg,
    caller_gone: bool,
    dial_status: str,
    duration: int | None,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[list[int], bool]:
    """Decide what follows a counselor leg's <Dial>; return (counselors freed, queued).

    A conversation ends with the survey or goodbye; a leg nobody took frees its counselor,
    and the caller rings the next one, waits in the queue, or hears the offer. A caller who
    hung up while the phone rang or in the whisper is recorded as such.
    """
    call = leg.call
    if leg.result in (LegResult.CONNECTED, LegResult.COMPLETED):
        if leg.ended_at is None:
            leg.ended_at = now
            leg.result = LegResult.COMPLETED
            leg.duration_seconds = duration
        freed = end_leg_hold(session, leg, call.call_sid, leg.leg_sid)
        if was_moved(call):  # the back office moved the caller; Twilio ignores this answer
            return freed, False
        if not caller_gone:
            if reached_limit(duration):
                end_at_time_limit(response, call, now)
            survey_or_goodbye(response, call, now)
        return freed, False
    if leg.result == LegResult.RINGING:
        leg.result = LegResult.CALLER_LEFT if caller_gone else leg_result_from_dial(dial_status)
        unanswered.note_leg(session, leg, now, tz)
    freed = end_leg_hold(session, leg, call.call_sid, leg.leg_sid)
    if caller_gone:  # the caller hung up while this counselor's phone rang or in the whisper
        caller_left(call, leg, now)
        return freed + end_call_holds(session, call), False
    return freed, ring_next(session, response, call, now, tz)


def end_at_time_limit(response: VoiceResponse, call: Call, now: datetime) -> None:
    """Tell the caller the conversation reached its limit: the Dial's timeLimit ended it."""
    call.end_reason = "time_limit"
    record_step(call, "time_limit", now)
    minutes = int(conversation_limit().total_seconds() // 60)
    say(response, "conversation_time_limit", call.language, minutes=minutes)


def survey_or_goodbye(response: VoiceResponse, call: Call, now: datetime) -> None:
    """Ask the one satisfaction question after a conversation, when the survey is on."""
    if not current_app.config.get("IVR_SURVEY_ENABLED"):
        goodbye(response, call, "conversation", now)
        return
    record_step(call, "survey_asked", now)
    action = url_for("ivr.survey", lang=call.language)
    gather = response.gather(
        num_digits=1, action=action, method="POST", timeout=current_app.config["IVR_GATHER_TIMEOUT"]
    )
    say(gather, "survey", call.language)
    goodbye(response, call, "conversation", now)
