"""Where a call goes once the caller has chosen a field, and how it ends."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter.models import Call, Counselor, Field
from ivr.cache import MenuField, rostered_ids
from ivr.calls import open_call, record_step
from ivr.offers import announce_next_session, offer
from ivr.queueing import enqueue
from ivr.responses import say
from ivr.routing import Ring, busy_timeout, dial, dial_order, next_position, tried_counselors


def choose_field(
    session: Session,
    response: VoiceResponse,
    call_sid: str,
    caller: str | None,
    field: MenuField,
    language: str,
    now: datetime,
    tz: ZoneInfo,
) -> bool:
    """Ring a free counselor of the field, else queue behind busy ones, else say when to call.

    Returns whether the database was written to (ringing writes nothing: see `Ring`).
    """
    # One autocommit read on its own connection: no transaction to open and roll back.
    free = dial_order(session, field.id, now, tz, own_connection=True)
    if free:
        counselor_id, phone = free[0]
        say(response, "connecting", language, field=field.name(language))
        dial(response, Ring(call_sid, counselor_id, field.id, 0, now, language), phone)
        return False
    call = open_call(session, call_sid, caller, now)
    call.language = language
    call.field_id = field.id
    record_step(call, "field", now, field=field.id)
    row = session.get(Field, field.id)
    assert row is not None
    call.field = row
    if _someone_busy(session, field.id, now, tz):
        enqueue(response, call, row, now)
    else:
        announce_next_session(session, response, call, row, now, tz)
        offer(response, call)
    return True


def ring_next(
    session: Session, response: VoiceResponse, call: Call, now: datetime, tz: ZoneInfo
) -> None:
    """Ring the next free counselor this call has not rung yet, or make the offer.

    A caller who came from the queue goes back to it while counselors of the field are busy:
    their place is kept, since the queue is served in order of first arrival.
    """
    free = []
    if call.field_id is not None:
        free = dial_order(session, call.field_id, now, tz, tried_counselors(session, call))
    if call.field_id is None or not free:
        record_step(call, "nobody_answered", now)
        if (
            call.queue_entered_at is not None
            and call.field is not None
            and _someone_busy(session, call.field_id, now, tz)
        ):
            enqueue(response, call, call.field, now)
            return
        say(response, "nobody_answered", call.language)
        offer(response, call)
        return
    counselor_id, phone = free[0]
    say(response, "trying_next", call.language)
    position = next_position(session, call)
    ring = Ring(call.call_sid, counselor_id, call.field_id, position, now, call.language)
    dial(response, ring, phone)


def _someone_busy(session: Session, field_id: int, now: datetime, tz: ZoneInfo) -> bool:
    """Whether a counselor on call for the field is on a live call (so waiting makes sense)."""
    ids = rostered_ids(session, field_id, now, tz)
    if not ids:
        return False
    stale_before = now - busy_timeout()
    return any(
        c.busy_since is not None and c.busy_since > stale_before
        for c in session.scalars(select(Counselor).where(Counselor.id.in_(ids)))
    )


def survey_or_goodbye(response: VoiceResponse, call: Call, now: datetime) -> None:
    """Ask the one satisfaction question after a conversation, when the survey is on."""
    if not current_app.config.get("IVR_SURVEY_ENABLED"):
        goodbye(response, call)
        return
    record_step(call, "survey_asked", now)
    action = url_for("ivr.survey", lang=call.language)
    gather = response.gather(
        num_digits=1, action=action, method="POST", timeout=current_app.config["IVR_GATHER_TIMEOUT"]
    )
    say(gather, "survey", call.language)
    goodbye(response, call)


def goodbye(response: VoiceResponse, call: Call) -> None:
    """Thank the caller and hang up."""
    say(response, "goodbye", call.language)
    response.hangup()
