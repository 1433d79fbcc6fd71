"""Putting a caller through to a counselor: fair dialing, the whisper, the atomic claim."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter.models import (
    Call,
    CallLeg,
    CallOutcome,
    Channel,
    Consultation,
    Counselor,
    Field,
    LegResult,
)
from ivr.calls import record_step, set_outcome
from ivr.responses import say
from schedules.oncall import free_on_call

# What Twilio's DialCallStatus says about a leg nobody took.
DIAL_RESULTS = {
    "no-answer": LegResult.NO_ANSWER,
    "busy": LegResult.BUSY,
    "failed": LegResult.FAILED,
    "canceled": LegResult.NO_ANSWER,
    "completed": LegResult.DECLINED,  # answered, but the whisper was not accepted
}


def busy_timeout() -> timedelta:
    """Return how long a busy flag holds before it is taken to be stale."""
    return timedelta(minutes=current_app.config.get("IVR_BUSY_TIMEOUT_MINUTES", 120))


def tried_counselors(session: Session, call: Call) -> set[int]:
    """Return the counselors this call has already rung."""
    rows = session.scalars(select(CallLeg.counselor_id).where(CallLeg.call_id == call.id))
    return {counselor_id for counselor_id in rows if counselor_id is not None}


def next_counselor(
    session: Session, call: Call, field_id: int, now: datetime, tz: ZoneInfo
) -> Counselor | None:
    """Return the free on-call counselor to ring next for this call, in fair order."""
    free = free_on_call(session, field_id, now, tz, busy_timeout=busy_timeout())
    if not free:
        return None
    tried = tried_counselors(session, call) if call.id is not None else set()
    return next((c for c in free if c.id not in tried), None)


def dial(
    session: Session,
    response: VoiceResponse,
    call: Call,
    counselor: Counselor,
    field: Field,
    now: datetime,
) -> CallLeg:
    """Ring one counselor: a <Dial> with the whisper on the counselor's leg. Does not commit."""
    position = session.scalar(
        select(CallLeg.position)
        .where(CallLeg.call_id == call.id)
        .order_by(CallLeg.position.desc())
        .limit(1)
    )
    leg = CallLeg(
        call=call,
        counselor_id=counselor.id,
        position=0 if position is None else position + 1,
        result=LegResult.RINGING,
        started_at=now,
    )
    session.add(leg)
    session.flush()
    record_step(call, "dial", now, leg=leg.id, counselor=counselor.id)
    config = current_app.config
    options = {}
    if config.get("RECORDING_ENABLED"):
        options = {
            "record": "record-from-answer-dual",
            "recording_status_callback": url_for("ivr.recording", call=call.id),
            "recording_status_callback_method": "POST",
        }
    dial_verb = response.dial(
        caller_id=config["TWILIO_PHONE_NUMBER"],
        timeout=config["IVR_DIAL_TIMEOUT"],
        action=url_for("ivr.dial_done", leg=leg.id, lang=call.language),
        method="POST",
        **options,
    )
    dial_verb.number(
        counselor.phone,
        url=url_for("ivr.whisper", leg=leg.id),
        method="POST",
        status_callback=url_for("ivr.status", leg=leg.id),
        status_callback_event="initiated ringing answered completed",
        status_callback_method="POST",
    )
    return leg


def claim_counselor(session: Session, counselor_id: int, leg_sid: str, now: datetime) -> bool:
    """Mark a counselor busy with this leg unless another live call holds them.

    One conditional UPDATE decides, so two whispers accepted at once cannot both win.
    """
    result = session.execute(
        update(Counselor)
        .where(
            Counselor.id == counselor_id,
            or_(Counselor.busy_since.is_(None), Counselor.busy_since <= now - busy_timeout()),
        )
        .values(busy_since=now, busy_call_sid=leg_sid)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def whisper(session: Session, leg: CallLeg, leg_sid: str, now: datetime) -> VoiceResponse:
    """Tell the counselor what the call is about; ask for 1 unless they auto-answer."""
    response = VoiceResponse()
    leg.leg_sid = leg.leg_sid or leg_sid
    leg.answered_at = leg.answered_at or now
    counselor = leg.counselor
    field_name = leg.call.field.name_ko if leg.call.field else ""
    if counselor is not None and counselor.auto_answer:
        if accept(session, leg, leg_sid, now):
            say(response, "whisper_auto", "ko", field=field_name)
        else:
            say(response, "whisper_taken", "ko")
            response.hangup()
        return response
    gather = response.gather(
        num_digits=1,
        action=url_for("ivr.whisper_answer", leg=leg.id),
        method="POST",
        timeout=current_app.config["IVR_WHISPER_TIMEOUT"],
        action_on_empty_result=True,
    )
    say(gather, "whisper", "ko", field=field_name)
    return response


def whisper_answer(
    session: Session, leg: CallLeg, leg_sid: str, digits: str, now: datetime
) -> VoiceResponse:
    """Bridge the call when the counselor pressed 1 and is still free; else end their leg."""
    response = VoiceResponse()
    if leg.result in (LegResult.CONNECTED, LegResult.COMPLETED):
        return response  # a retried request: the leg is already bridged
    if digits != "1":
        leg.result = LegResult.DECLINED
        say(response, "whisper_declined", "ko")
        response.hangup()
        return response
    if not accept(session, leg, leg_sid, now):
        say(response, "whisper_taken", "ko")
        response.hangup()
    return response  # an empty document bridges the two parties


def accept(session: Session, leg: CallLeg, leg_sid: str, now: datetime) -> bool:
    """Claim the counselor for this leg and record the connection, once."""
    if leg.counselor_id is None or not claim_counselor(session, leg.counselor_id, leg_sid, now):
        leg.result = LegResult.BUSY
        return False
    call = leg.call
    leg.leg_sid = leg.leg_sid or leg_sid
    leg.result = LegResult.CONNECTED
    leg.answered_at = leg.answered_at or now
    call.connected_counselor_id = leg.counselor_id
    call.answered_at = call.answered_at or now
    if call.queue_entered_at is not None and call.queue_left_at is None:
        call.queue_left_at = now
    set_outcome(call, CallOutcome.CONNECTED)
    record_step(call, "connected", now, leg=leg.id, counselor=leg.counselor_id)
    session.execute(
        update(Counselor)
        .where(Counselor.id == leg.counselor_id)
        .values(last_connected_at=now)
        .execution_options(synchronize_session=False)
    )
    start_draft_consultation(session, call, leg.counselor_id, now)
    return True


def start_draft_consultation(
    session: Session, call: Call, counselor_id: int, now: datetime
) -> Consultation:
    """Open the draft consultation of a connected call, once per call. Does not commit."""
    existing = session.scalar(select(Consultation).where(Consultation.call_id == call.id))
    if existing is not None:
        return existing
    draft = Consultation(
        status="draft",
        channel=Channel.PHONE,
        field_id=call.field_id,
        counselor_id=counselor_id,
        started_at=now,
        citizen_phone=call.from_number,
        citizen_phone_last4=call.from_last4,
        call_id=call.id,
    )
    session.add(draft)
    return draft


def leg_result_from_dial(status: str) -> LegResult:
    """Translate Twilio's DialCallStatus for a leg that was never bridged."""
    return DIAL_RESULTS.get(status, LegResult.FAILED)
