"""How the line may hang up on a caller: every hang-up names one of these endings.

No branch of the call flow strands a caller. The line hangs up only after a conversation,
a registered callback, a voice message, or a goodbye that says when to call again; the
exhaustive menu walk in the tests checks every path against this table, and docs/ivr.md
draws the same endings.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter.models import Call
from ivr.calls import record_step
from ivr.responses import say
from ivr.speech import spoken_when
from schedules.oncall import next_session_start

# Ending -> what the caller has when the line hangs up.
ENDINGS: dict[str, str] = {
    "conversation": "talked to a counselor or the administrative desk",
    "callback": "a callback request is registered (or the line says when to call instead)",
    "voice_message": "a voice message is recorded",
    "call_again": "a goodbye that says when to call again",
    "blocked": "the number is on the blocklist and is told where to turn",
    "booking_link": "the booking page's address is sent to the caller's mobile by SMS",
}


def hang_up(response: VoiceResponse, call: Call | None, ending: str, now: datetime) -> None:
    """Record how the call ends and hang up."""
    if ending not in ENDINGS:
        raise ValueError(f"unknown ending {ending!r}")
    if call is not None:
        record_step(call, "ended", now, ending=ending)
    response.hangup()


def goodbye(response: VoiceResponse, call: Call, ending: str, now: datetime) -> None:
    """Thank the caller and hang up, recording the ending."""
    say(response, "goodbye", call.language)
    hang_up(response, call, ending, now)


def when_to_call(
    session: Session, response: VoiceResponse, call: Call, now: datetime, tz: ZoneInfo
) -> None:
    """Say when the caller can reach a counselor: the field's next session, or the hours."""
    language = call.language
    starts = None
    if call.field is not None:
        starts = next_session_start(session, call.field.id, now, tz)
    if call.field is not None and starts is not None and starts > now:
        when = spoken_when(starts, now, tz, language)
        say(response, "call_again_at", language, field=call.field.name(language), when=when)
    elif call.field is not None and starts is not None:
        say(response, "call_again_now", language, field=call.field.name(language))
    else:
        say(response, "line_hours", language)


def call_again(
    session: Session, response: VoiceResponse, call: Call, now: datetime, tz: ZoneInfo
) -> None:
    """Say when to call again, then goodbye: the ending when no offer was taken."""
    when_to_call(session, response, call, now, tz)
    goodbye(response, call, "call_again", now)
