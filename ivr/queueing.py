"""Waiting for a busy field: the queue, what callers hear in it, and who leaves it first."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter import telephony
from callcenter.models import Call, Counselor, Field
from ivr.calls import record_step
from ivr.responses import absolute, say
from ivr.speech import spoken_minutes
from schedules.oncall import on_call

log = logging.getLogger(__name__)


def queue_name(field: Field) -> str:
    """Return the Twilio queue of a field."""
    return f"field-{field.code}"


def enqueue(response: VoiceResponse, call: Call, field: Field, now: datetime) -> None:
    """Put the caller in the field's queue."""
    if call.queue_entered_at is None:
        call.queue_entered_at = now
    call.queue_left_at = None  # back in the queue after a failed connection
    record_step(call, "queue", now, field=field.code)
    say(response, "queue_enter", call.language, field=field.name(call.language))
    response.enqueue(
        queue_name(field),
        wait_url=url_for("ivr.queue_wait", lang=call.language, field=field.id),
        wait_url_method="POST",
        action=url_for("ivr.queue_done", lang=call.language),
        method="POST",
    )


def waiting_music(
    language: str, position: int, average_seconds: int, field_id: int
) -> VoiceResponse:
    """Tell a waiting caller where they stand, then hold; `*` leaves for a callback."""
    config = current_app.config
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1,
        action=url_for("ivr.queue_key", lang=language, field=field_id),
        method="POST",
        timeout=1,
    )
    if position > 0:
        # Twilio's AvgQueueTime is how long callers have waited lately; before anyone has
        # left the queue, assume a few minutes a caller ahead.
        estimate = average_seconds if average_seconds > 0 else 180 * position
        minutes = spoken_minutes(estimate)
        say(gather, "queue_position", language, position=position, minutes=minutes)
    say(gather, "queue_leave_hint", language)
    if config.get("IVR_HOLD_MUSIC_URL"):
        gather.play(config["IVR_HOLD_MUSIC_URL"])
    else:
        gather.pause(length=config["IVR_QUEUE_PAUSE"])
    return response


def offer_freed_counselor(
    session: Session, counselor_id: int, now: datetime, tz: ZoneInfo
) -> Call | None:
    """Send the longest-waiting caller of a field the counselor is on call for to them.

    The waiting call is taken out of the queue with a conditional UPDATE, so two counselors
    freed at once never both take it. That, and the release that freed the counselor, are
    committed before the REST redirect: Twilio fetches the new URL at once and must find the
    counselor free. A caller Twilio refuses to redirect (gone, their final status not yet in)
    goes back in line and the next one is tried; when Twilio does not answer, nobody else is.
    """
    fields = _fields_on_call(session, counselor_id, now, tz)
    if not fields:
        return None
    waiting = session.execute(
        select(Call.id, Call.call_sid)
        .where(
            Call.queue_entered_at.is_not(None),
            Call.queue_left_at.is_(None),
            Call.ended_at.is_(None),
            Call.field_id.in_(fields),
        )
        .order_by(Call.queue_entered_at, Call.id)
        .limit(20)
    ).all()
    for call_id, call_sid in waiting:
        if not take_from_queue(session, call_id, now):
            continue
        call = session.get(Call, call_id)
        assert call is not None
        session.refresh(call)
        record_step(call, "dequeued", now, counselor=counselor_id)
        language = call.language
        session.commit()
        url = absolute(url_for("ivr.queue_connect", counselor=counselor_id, lang=language))
        sent = telephony.redirect_call(session, call_sid, url)
        if sent.ok:
            return call
        if not sent.refused:
            # Twilio did not answer in time: the redirect may well have happened. The caller
            # stays taken (a hold round or their final status settles it); trying others now
            # could send two callers to one counselor.
            log.warning("No answer from Twilio to a queue redirect; not trying other callers")
            return None
        # Twilio refused: the caller is gone (their final status not yet in). Back in line,
        # unless that status arrived meanwhile, and on to the next caller.
        log.warning("A waiting caller could not be moved to a freed counselor; trying the next")
        session.execute(
            update(Call)
            .where(Call.id == call_id, Call.queue_left_at == now, Call.ended_at.is_(None))
            .values(queue_left_at=None)
            .execution_options(synchronize_session=False)
        )
        record_step(call, "dequeue_failed", now, counselor=counselor_id)
        session.commit()
    return None


def take_from_queue(session: Session, call_id: int, now: datetime) -> bool:
    """Take a waiting call out of the queue unless another request took it or it ended.

    One conditional UPDATE decides, so a caller leaves the queue once: for a freed counselor's
    redirect, or at a hold round for a free counselor or the maximum wait.
    """
    taken = session.execute(
        update(Call)
        .where(Call.id == call_id, Call.queue_left_at.is_(None), Call.ended_at.is_(None))
        .values(queue_left_at=now)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _fields_on_call(session: Session, counselor_id: int, now: datetime, tz: ZoneInfo) -> list[int]:
    """Return the fields the counselor is on call for at this instant."""
    counselor = session.get(Counselor, counselor_id)
    if counselor is None:
        return []
    return [
        field.id
        for field in counselor.fields
        if any(c.id == counselor_id for c in on_call(session, field.id, now, tz))
    ]
