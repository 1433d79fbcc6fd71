"""The test call to a counselor's number: who calls, press 1 to confirm, goodbye.

A coordinator starts it from the counselor's page (`callcenter.number_checks`). It is not a
call of the line, so its few sentences live here rather than in the prompt catalogue that
coordinators reword. Any failure ends the test call with a hang-up; nobody else hears it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from callcenter import number_checks
from callcenter.extensions import db
from callcenter.models import NumberCheck
from ivr import bp
from ivr.calls import current_time
from ivr.responses import say_text, twiml
from ivr.security import twilio_signed

log = logging.getLogger(__name__)

WORDS = {
    "ask": "시민 전문상담 전화의 번호 확인 전화입니다. 이 번호로 상담 전화를 받으실 수 있으면 "
    "1번을 눌러 주십시오.",
    "confirmed": "확인되었습니다. 감사합니다.",
    "not_confirmed": "확인되지 않았습니다. 전화를 끊습니다.",
}


def _check_call(view: Callable[..., Response]) -> Callable[..., Response]:
    """Answer a test-call webhook; on any failure, log it and hang up."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except Exception:
            log.exception("Number check webhook failed")
            db.session.rollback()
            response = VoiceResponse()
            response.hangup()
            return twiml(response)

    return wrapper


def _load(check_id: int) -> NumberCheck | None:
    return db.session.get(NumberCheck, check_id)


@bp.post("/number-check/<int:check_id>/answer")
@twilio_signed
@_check_call
def number_check_answer(check_id: int) -> Response:
    """Tell the counselor who calls and ask for 1."""
    response = VoiceResponse()
    if _load(check_id) is None:
        response.hangup()
        return twiml(response)
    gather = response.gather(
        num_digits=1,
        timeout=int(current_app.config.get("IVR_WHISPER_TIMEOUT", 8)) + 2,
        action=url_for("ivr.number_check_confirm", check_id=check_id),
        method="POST",
    )
    say_text(gather, WORDS["ask"])
    say_text(response, WORDS["not_confirmed"])
    response.hangup()
    return twiml(response)


@bp.post("/number-check/<int:check_id>/confirm")
@twilio_signed
@_check_call
def number_check_confirm(check_id: int) -> Response:
    """Record the key the counselor pressed and say goodbye."""
    check = _load(check_id)
    response = VoiceResponse()
    if check is not None:
        confirmed = number_checks.confirm(check, request.form.get("Digits", ""), current_time())
        db.session.commit()
        say_text(response, WORDS["confirmed" if confirmed else "not_confirmed"])
    response.hangup()
    return twiml(response)


@bp.post("/number-check/<int:check_id>/status")
@twilio_signed
@_check_call
def number_check_status(check_id: int) -> Response:
    """Close the check with the test call's final status (no answer, busy, failed)."""
    check = _load(check_id)
    if check is not None:
        number_checks.apply_status(check, request.form.get("CallStatus", ""), current_time())
        db.session.commit()
    return twiml(VoiceResponse())
