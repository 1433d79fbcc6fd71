"""Calling a citizen back: the line rings the counselor, who presses 1 to reach the citizen.

The counselor's phone shows the line's number, and so does the citizen's: nobody sees the
counselor's own number. The result the counselor reports in the back office is what counts;
these webhooks only note an unanswered dial so the queue can show it. Pressing 1 claims the
counselor as accepting a line call does (`claim_counselor`), so a counselor on a live call
is told so instead of being bridged, and the line does not ring them while they talk; the end
of the dial frees them as the end of a line call does (`release_counselor`), and they are
offered to the longest-waiting caller of their fields.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter import telephony
from callcenter.extensions import db
from callcenter.models import CallbackRequest, CallbackStatus, Counselor
from callcenter.timezone import line_timezone
from ivr import bp, kept_turn, prompts
from ivr.calls import FINAL_STATUSES, current_time
from ivr.queueing import serve_freed
from ivr.reservations import claim, release_call
from ivr.responses import say, twiml, webhook
from ivr.routing import claim_counselor
from ivr.status import release_leg_holder

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


def hold_counselor(
    session: Session,
    counselor_id: int,
    call_sid: str,
    now: datetime,
    reserved: tuple[str, int] | None = None,
) -> bool:
    """Claim the counselor for this call unless a live call holds them. Does not commit.

    `reserved` is the (call, position) of the reservation the queue's dispatch made for a
    kept turn: the claim turns it into the busy flag, as accepting a ring does. Twilio may
    send the same request again: the call that already holds the counselor keeps its claim.
    """
    if reserved is not None and claim(session, counselor_id, call_sid, now, *reserved):
        return True
    if claim_counselor(session, counselor_id, call_sid, now):
        return True
    holder = session.scalar(select(Counselor.busy_call_sid).where(Counselor.id == counselor_id))
    return holder == call_sid


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
    """Dial the citizen from the line's number once the counselor pressed 1 and is free."""
    if request.form.get("Digits") != "1":
        return _hang_up("callback_bridge_no_input")
    callback = _open_callback(callback_id)
    if callback is None:
        return _hang_up("callback_bridge_gone")
    if not telephony.may_dial(callback.phone):  # abroad, premium-rate: never bridged
        return _hang_up("callback_bridge_refused")
    counselor_id = callback.claimed_by_id
    call_sid = request.form.get("CallSid", "")
    now = current_time()
    reserved = kept_turn.reservation(db.session, callback, now)
    if counselor_id is not None and not hold_counselor(
        db.session, counselor_id, call_sid, now, reserved
    ):
        db.session.rollback()
        return _hang_up("callback_bridge_busy")
    kept_turn.note_connected(db.session, callback, now)
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
    """Note an unanswered dial, free the counselor, and tell them what to do next."""
    session = db.session
    callback = _open_callback(callback_id)
    now = current_time()
    if callback is not None and request.form.get("DialCallStatus") in UNANSWERED:
        callback.result = "no_answer"
        kept = kept_turn.kept_call(session, callback)
        if kept is not None:  # the line's own call in the caller's turn: to the callback list
            kept_turn.give_back(session, callback, kept, now)
    # Whoever this call holds, even if the request was closed in the back office meanwhile.
    freed = release_leg_holder(session, request.form.get("CallSid", ""))
    session.commit()
    serve_freed(session, freed, now, line_timezone())
    return _hang_up("callback_bridge_after")


@bp.post("/callback-bridge/<int:callback_id>/status")
@webhook
def callback_bridge_status(callback_id: int) -> Response:
    """The final status of a bridge call the line placed for a kept turn (`ivr.kept_turn`).

    A counselor who never took it (not reached, no answer, or no 1 pressed) leaves the
    request to the callback list, pending, and the dispatch's reservation ends.
    """
    session = db.session
    if request.form.get("CallStatus") not in FINAL_STATUSES:
        return twiml(VoiceResponse())
    now = current_time()
    callback = session.get(CallbackRequest, callback_id)
    freed = release_leg_holder(session, request.form.get("CallSid", ""))
    kept = None if callback is None else kept_turn.kept_call(session, callback)
    if callback is not None and kept is not None:
        freed += release_call(session, kept.call_sid)
        if callback.status == CallbackStatus.CLAIMED and not kept.reached("kept_turn_connected"):
            kept_turn.give_back(session, callback, kept, now)
    session.commit()
    serve_freed(session, freed, now, line_timezone())
    return twiml(VoiceResponse())
