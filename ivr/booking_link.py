"""The closed line's booking link: one key texts a mobile caller the booking page's address.

Offered only when the chosen field is closed, has a slot a citizen can book now, and the
caller's number takes SMS; sent once per call.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter import telephony
from callcenter.appointments.slots import next_free_slot
from callcenter.appointments.texts import booking_page_link
from callcenter.models import Call, Field
from callcenter.phones import can_receive_sms
from ivr import prompts
from ivr.calls import record_step
from ivr.endings import goodbye
from ivr.responses import say

KEY = "3"


def note_bookable(session: Session, call: Call, field: Field, now: datetime, tz: ZoneInfo) -> None:
    """Note on a closed call whether its caller may get the booking link."""
    if not call.from_number or not can_receive_sms(call.from_number):
        return
    if next_free_slot(session, field.id, now, tz) is not None:
        record_step(call, "booking_offered", now, field=field.code)


def offered(call: Call) -> bool:
    """Whether this call's offer includes the booking link."""
    return call.reached("booking_offered")


def send_booking_link(session: Session, response: VoiceResponse, call: Call, now: datetime) -> None:
    """Text the caller the booking page's address once, say so and say goodbye."""
    if not call.reached("booking_link_sms") and call.from_number:
        body = prompts.text("booking_link_sms", call.language, url=booking_page_link())
        telephony.send_sms(session, call.from_number, body)
        record_step(call, "booking_link_sms", now)
    say(response, "booking_link_sent", call.language)
    goodbye(response, call, "booking_link", now)
