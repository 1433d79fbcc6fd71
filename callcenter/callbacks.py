"""The callback queue: claiming a request and calling the citizen back through the line."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql import Select

from callcenter import clock, telephony
from callcenter.models import CallbackRequest, CallbackStatus, Counselor, User


class CallbackResult(enum.StrEnum):
    """What the counselor reports after calling back."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"


class CallbackError(ValueError):
    """A user-facing reason a callback action cannot be done."""


def queue(user: User, field_id: int | None = None) -> Select[CallbackRequest]:
    """Select open callbacks the user may handle, oldest first."""
    statement = (
        select(CallbackRequest)
        .options(joinedload(CallbackRequest.field), joinedload(CallbackRequest.claimed_by))
        .where(CallbackRequest.status.in_([CallbackStatus.PENDING, CallbackStatus.CLAIMED]))
        .order_by(CallbackRequest.requested_at.asc(), CallbackRequest.id.asc())
    )
    if field_id is not None:
        statement = statement.where(CallbackRequest.field_id == field_id)
    if not user.is_coordinator:
        counselor = user.counselor
        field_ids = [f.id for f in counselor.fields] if counselor else []
        statement = statement.where(
            or_(
                CallbackRequest.claimed_by_id == user.counselor_id,
                (CallbackRequest.status == CallbackStatus.PENDING)
                & CallbackRequest.field_id.in_(field_ids),
            )
        )
    return statement


def claim(session: Session, callback: CallbackRequest, counselor: Counselor, now: datetime) -> None:
    """Claim a pending callback for a counselor; refuse one someone else took. No commit."""
    # A conditional UPDATE, so two people clicking at once cannot both win.
    result = session.execute(
        update(CallbackRequest)
        .where(
            CallbackRequest.id == callback.id,
            or_(
                CallbackRequest.status == CallbackStatus.PENDING,
                CallbackRequest.claimed_by_id == counselor.id,
            ),
        )
        .values(status=CallbackStatus.CLAIMED, claimed_by_id=counselor.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    taken = cast(CursorResult[Any], result).rowcount
    session.refresh(callback)
    if not taken:
        raise CallbackError("다른 상담위원이 이미 맡은 요청입니다.")


def release(session: Session, callback: CallbackRequest) -> None:
    """Put a claimed callback back in the queue. Does not commit."""
    callback.status = CallbackStatus.PENDING
    callback.claimed_by_id = None
    callback.claimed_at = None


def call_back(
    session: Session,
    callback: CallbackRequest,
    counselor: Counselor,
    bridge_url: str,
    status_callback: str | None = None,
) -> telephony.Sent:
    """Ring the counselor from the line; answering bridges them to the citizen. No commit.

    `status_callback`: the bridge's own status URL, for a call the line placed by itself
    (a kept turn of the queue, `ivr.kept_turn`), whose request must not stay with a counselor
    who never took it.
    """
    if callback.claimed_by_id != counselor.id:
        raise CallbackError("먼저 이 요청을 맡아 주십시오.")
    if not callback.phone:
        raise CallbackError("이 요청에는 전화번호가 없습니다.")
    callback.attempts = (callback.attempts or 0) + 1
    # Never the line's /ivr/status: it would file this outgoing call as a caller's.
    return telephony.place_call(
        session, counselor.phone, bridge_url, status_callback, then_dials=callback.phone
    )


def record_result(
    session: Session, callback: CallbackRequest, result: str, now: datetime | None = None
) -> None:
    """Record how the call back went; reached and wrong numbers close the request. No commit."""
    if result not in {r.value for r in CallbackResult}:
        raise CallbackError("결과를 골라 주십시오.")
    callback.result = result
    if result == CallbackResult.NO_ANSWER:
        # Stays with the counselor, to try again later.
        return
    callback.status = CallbackStatus.DONE
    callback.completed_at = now or clock.now()
