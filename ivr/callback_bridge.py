"""Calling a citizen back: the line rings the counselor, who presses 1 to reach the citizen.

The counselor's phone shows the line's number, and so does the citizen's: nobody sees the
counselor's own number. The result the counselor reports in the back office is what counts;
these webhooks only note an unanswered dial so the queue can show it, and mark the counselor
busy while bridged so the line does not ring them for another caller meanwhile.
"""

from __future__ import annotations

from flask import Response, current_app, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from callcenter.extensions import db
from callcenter.models import CallbackRequest, CallbackStatus, utcnow
from ivr import bp, prompts
from ivr.responses import say, twiml, webhook

UNANSWERED = {"no-answer", "busy", "failed"}


def _open_callback(callback_id: int) -> CallbackRequest | None:
    """Return the claimed callback, or None when it is gone or finished."""
    callback = db.session.get(CallbackRequest, callback_id)
    if callback is None or callback.status != CallbackStatus.CLAIMED or not callback.phone:
        return None
    return callback


def _hang_up(prompt: str) -> Response:
    """Say a prompt to the counselor and end the call."""
    response = VoiceResponse()
    say(response, prompt, "ko")
    response.hangup()
    return twiml(response)


@bp.post("/callback-bridge/<int:callback_id>/answer")
@webhook
def callback_bridge_answer(callback_id: int) -> Response:
    """The counselor answered: ask them to press 1, so a personal voicemail cannot connect."""
    prompts.refresh_overrides(db.session)
    if _open_callback(callback_id) is None:
        return _hang_up("callback_bridge_gone")
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1,
        timeout=8,
        action=url_for("ivr.callback_bridge_connect", callback_id=callback_id),
    )
    say(gather, "callback_bridge_intro", "ko")
    say(response, "callback_bridge_no_input", "ko")
    response.hangup()
    return twiml(response)


@bp.post("/callback-bridge/<int:callback_id>/connect")
@webhook
def callback_bridge_connect(callback_id: int) -> Response:
    """Dial the citizen from the line's number once the counselor pressed 1."""
    if request.form.get("Digits") != "1":
        return _hang_up("callback_bridge_no_input")
    callback = _open_callback(callback_id)
    if callback is None:
        return _hang_up("callback_bridge_gone")
    # The counselor is on a call now: the line must not route a caller to them meanwhile.
    if callback.claimed_by is not None:
        callback.claimed_by.busy_since = utcnow()
        callback.claimed_by.busy_call_sid = request.form.get("CallSid")
        db.session.commit()
    response = VoiceResponse()
    dial = response.dial(
        caller_id=current_app.config["TWILIO_PHONE_NUMBER"],
        action=url_for("ivr.callback_bridge_done", callback_id=callback_id),
        timeout=30,
    )
    dial.number(callback.phone)
    return twiml(response)


@bp.post("/callback-bridge/<int:callback_id>/done")
@webhook
def callback_bridge_done(callback_id: int) -> Response:
    """Note an unanswered dial on the request, and tell the counselor what to do next."""
    callback = _open_callback(callback_id)
    if callback is not None:
        if request.form.get("DialCallStatus") in UNANSWERED:
            callback.result = "no_answer"
        counselor = callback.claimed_by
        if counselor is not None and counselor.busy_call_sid == request.form.get("CallSid"):
            counselor.busy_since = counselor.busy_call_sid = None
        db.session.commit()
    return _hang_up("callback_bridge_after")
