"""What the back office may do to a live conversation: end it for abuse, or hand it over.

Both move the caller's leg out of its <Dial> with one REST update (`telephony.redirect_call`)
to a line URL: Twilio then ends the counselor's leg (its status callback frees them, as after
any conversation) and requests the <Dial>'s action without running its answer. A step on the
call says what happened, before the redirect is sent, so the Dial action that Twilio still
requests knows not to ask the survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql import Select

from callcenter import telephony
from callcenter.models import Call, CallLeg, Field, LegResult, User
from ivr.calls import record_step
from ivr.responses import absolute

# Why a counselor ended a call (the reason logged on it); the labels live with the view.
ABUSE_REASONS = ("insult", "sexual", "threat", "other")
# Steps after which a conversation did not end by itself: the line moved the caller.
MOVED_STEPS = ("ended_for_abuse", "transfer")


class LiveCallError(Exception):
    """The conversation cannot be acted on (it ended, or it is someone else's)."""


@dataclass(frozen=True)
class LiveCall:
    """A conversation going on now: the caller's call and the counselor's bridged leg."""

    call: Call
    leg: CallLeg


def live_legs(user: User) -> Select[Any]:
    """Select the bridged legs of calls going on now that the user may act on."""
    statement = (
        select(CallLeg)
        .join(Call, Call.id == CallLeg.call_id)
        .options(joinedload(CallLeg.call).joinedload(Call.field), joinedload(CallLeg.counselor))
        .where(
            CallLeg.result == LegResult.CONNECTED,
            CallLeg.ended_at.is_(None),
            Call.ended_at.is_(None),
        )
        .order_by(Call.answered_at, Call.id)
    )
    if not user.is_coordinator:
        statement = statement.where(CallLeg.counselor_id == (user.counselor_id or -1))
    return statement


def live_call(session: Session, user: User, call_id: int) -> LiveCall:
    """Return a conversation going on now that the user may act on, its call row locked."""
    call = session.scalar(select(Call).where(Call.id == call_id).with_for_update())
    if call is None or call.ended_at is not None:
        raise LiveCallError("이미 끝난 통화입니다.")
    leg = session.scalar(
        live_legs(user).where(CallLeg.call_id == call.id).order_by(CallLeg.position.desc())
    )
    if leg is None:
        raise LiveCallError("지금 상담 중인 통화가 아닙니다.")
    return LiveCall(call, leg)


def was_moved(call: Call) -> bool:
    """Whether the line moved the caller out of their last conversation (not a hang-up)."""
    for step in reversed(call.steps or []):
        if step.get("step") in MOVED_STEPS:
            return True
        if step.get("step") == "connected":
            return False
    return False


def end_for_abuse(session: Session, live: LiveCall, reason: str, now: datetime) -> telephony.Sent:
    """End an abusive conversation: the caller hears the notice, then the line hangs up.

    The reason is logged on the call (`end_reason` and the step). Does not commit.
    """
    if reason not in ABUSE_REASONS:
        raise LiveCallError("종료 사유를 골라 주십시오.")
    call = live.call
    call.end_reason = "abuse"
    record_step(call, "ended_for_abuse", now, reason=reason, counselor=live.leg.counselor_id)
    url = absolute(url_for("ivr.ended_for_abuse", lang=call.language))
    return telephony.redirect_call(session, call.call_sid, url)


TRANSFER_MODES = ("queue", "callback")


def transfer(
    session: Session, live: LiveCall, field: Field, mode: str, now: datetime
) -> telephony.Sent:
    """Hand the caller to another field: its queue, keeping the time waited, or the offer.

    The time the caller waited before this conversation goes with them in the URL, so that
    they take their place in the other field's line as if they had waited there. Does not
    commit.
    """
    call = live.call
    if mode not in TRANSFER_MODES:
        raise LiveCallError("넘기는 방법을 골라 주십시오.")
    if not field.active or field.id == call.field_id:
        raise LiveCallError("다른 분야를 골라 주십시오.")
    waited = 0
    if call.queue_entered_at is not None and call.queue_left_at is not None:
        waited = max(0, int((call.queue_left_at - call.queue_entered_at).total_seconds()))
    record_step(call, "transfer", now, field=field.id, mode=mode, counselor=live.leg.counselor_id)
    url = url_for("ivr.transferred", field=field.id, mode=mode, waited=waited, lang=call.language)
    return telephony.redirect_call(session, call.call_sid, absolute(url))
