"""Where a call goes once the caller has chosen a field, and how it ends."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter.models import Call, Field
from ivr.calls import record_step
from ivr.offers import announce_next_session, offer
from ivr.queueing import enqueue
from ivr.responses import say
from ivr.routing import busy_timeout, dial, next_counselor
from schedules.oncall import on_call


def route_to_field(
    session: Session,
    response: VoiceResponse,
    call: Call,
    field: Field,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """Ring a free counselor of the field, else queue behind busy ones, else say when to call."""
    call.field_id = field.id
    call.field = field
    record_step(call, "field", now, field=field.code)
    session.flush()
    counselor = next_counselor(session, call, field.id, now, tz)
    if counselor is not None:
        say(response, "connecting", call.language, field=field.name(call.language))
        dial(session, response, call, counselor, field, now)
        return
    stale_before = now - busy_timeout()
    if any(
        c.busy_since and c.busy_since > stale_before for c in on_call(session, field.id, now, tz)
    ):
        enqueue(response, call, field, now)
        return
    announce_next_session(session, response, call, field, now, tz)
    offer(response, call)


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
