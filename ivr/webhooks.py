"""The contract endpoints: the line's Voice URL, status callback and fallback URL."""

from __future__ import annotations

import logging

from flask import Response, current_app
from sqlalchemy.exc import SQLAlchemyError
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.models import Field
from ivr import bp
from ivr.security import twilio_signed

log = logging.getLogger(__name__)

GREETING = "안녕하세요. 시민 무료 전문상담 전화입니다."
SORRY = "죄송합니다. 지금은 연결할 수 없습니다. 잠시 후 다시 걸어 주십시오."


def twiml(response: VoiceResponse) -> Response:
    """Wrap TwiML in a response with the XML content type."""
    return Response(str(response), mimetype="text/xml")


@bp.post("/voice")
@twilio_signed
def voice() -> Response:
    """Greet the caller and offer the field menu."""
    response = VoiceResponse()
    try:
        fields = db.session.scalars(Field.menu()).all()
    except SQLAlchemyError:
        log.exception("Database unreachable when a call arrived")
        db.session.rollback()
        response.say(SORRY, language="ko-KR")
        return twiml(response)
    response.say(GREETING, language="ko-KR")
    menu = " ".join(f"{f.name_ko} 상담은 {f.digit}번," for f in fields)
    gather = response.gather(num_digits=1, action="/ivr/voice", language="ko-KR")
    gather.say(f"{menu} English, press 9.", language="ko-KR")
    return twiml(response)


@bp.post("/status")
@twilio_signed
def status() -> Response:
    """Acknowledge a call status callback."""
    return twiml(VoiceResponse())


@bp.post("/fallback")
@twilio_signed
def fallback() -> Response:
    """Answer from configuration alone when the primary handler failed."""
    response = VoiceResponse()
    response.say(SORRY, language="ko-KR")
    desk = current_app.config.get("ADMIN_DESK_NUMBER")
    if desk:
        response.dial(desk, caller_id=current_app.config["TWILIO_PHONE_NUMBER"])
    return twiml(response)
