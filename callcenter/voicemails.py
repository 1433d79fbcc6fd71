"""Voice messages: an inbox per field, assigned to counselors and turned into work."""

from __future__ import annotations

import enum
import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql import Select

from callcenter.crypto import keyring
from callcenter.models import (
    CallbackRequest,
    Channel,
    Consultation,
    ConsultationStatus,
    Counselor,
    User,
    Voicemail,
)
from callcenter.phones import Use, can_receive_sms, last4, outgoing_refusal
from callcenter.telephony import send_sms

log = logging.getLogger(__name__)
SMS_PREFIX = "[시민 전문상담]"


class VoicemailStatus(enum.StrEnum):
    """Where a voice message stands."""

    NEW = "new"
    ASSIGNED = "assigned"
    HANDLED = "handled"


def inbox(user: User, field_id: int | None, show_handled: bool) -> Select[Voicemail]:
    """Select the voice messages the user handles, newest first."""
    statement = (
        select(Voicemail)
        .options(joinedload(Voicemail.field), joinedload(Voicemail.call))
        .order_by(Voicemail.created_at.desc(), Voicemail.id.desc())
    )
    if field_id is not None:
        statement = statement.where(Voicemail.field_id == field_id)
    if not show_handled:
        statement = statement.where(Voicemail.status != VoicemailStatus.HANDLED)
    if not user.is_coordinator:
        statement = statement.where(Voicemail.assigned_to_id == user.counselor_id)
    return statement


def caller_number(voicemail: Voicemail) -> str | None:
    """Return the caller's number, from the call that left the message."""
    return voicemail.call.from_number if voicemail.call is not None else None


def assign(voicemail: Voicemail, counselor: Counselor | None) -> None:
    """Give a voice message to a counselor, or take it back. Does not commit."""
    voicemail.assigned_to_id = counselor.id if counselor else None
    if voicemail.status != VoicemailStatus.HANDLED:
        voicemail.status = VoicemailStatus.ASSIGNED if counselor else VoicemailStatus.NEW


def mark_handled(voicemail: Voicemail, now: datetime) -> None:
    """Close a voice message. Does not commit."""
    voicemail.status = VoicemailStatus.HANDLED
    voicemail.handled_at = now


def to_callback(session: Session, voicemail: Voicemail, now: datetime) -> CallbackRequest:
    """Turn a voice message into a callback request for its field. Does not commit."""
    phone = caller_number(voicemail)
    if not phone:
        raise ValueError("발신 번호가 없어 콜백을 걸 수 없습니다.")
    if reason := outgoing_refusal(phone, Use.CALL):
        raise ValueError(reason)  # abroad, premium-rate: the line does not call it back
    callback = CallbackRequest.for_phone(
        phone,
        source="ivr",
        field_id=voicemail.field_id,
        call_id=voicemail.call_id,
        language=voicemail.call.language if voicemail.call else "ko",
        requested_at=voicemail.created_at or now,
    )
    session.add(callback)
    mark_handled(voicemail, now)
    return callback


def to_consultation(
    session: Session, voicemail: Voicemail, counselor: Counselor, recorded_by: User, now: datetime
) -> Consultation:
    """Open a draft consultation for a voice message. Does not commit."""
    phone = caller_number(voicemail)
    consultation = Consultation(
        status=ConsultationStatus.DRAFT,
        channel=Channel.PHONE,
        field_id=voicemail.field_id,
        counselor_id=counselor.id,
        started_at=now,
        call_id=voicemail.call_id,
        recorded_by_id=recorded_by.id,
    )
    if phone:
        consultation.citizen_phone = phone
        consultation.citizen_phone_digest = keyring.digest(phone)
        consultation.citizen_phone_last4 = last4(phone)
    session.add(consultation)
    mark_handled(voicemail, now)
    return consultation


def assign_within() -> timedelta:
    """Return how soon a counselor must be rostered to be given a new voice message."""
    return timedelta(hours=int(current_app.config.get("VOICEMAIL_ASSIGN_WITHIN_HOURS") or 72))


def route_new(session: Session, voicemail: Voicemail, now: datetime, tz: ZoneInfo) -> None:
    """Give a new voice message to someone and tell them by SMS. Does not commit.

    The field's counselor on call now, else the first of its next session within
    `VOICEMAIL_ASSIGN_WITHIN_HOURS`; with nobody rostered that soon it stays with the
    coordinators (unassigned in their inbox) and `COORDINATOR_ALERT_PHONES` are texted.
    The text never carries the caller's number.
    """
    from schedules.jobs import coordinator_phones
    from schedules.oncall import next_on_call

    field = voicemail.field
    counselor = None
    if field is not None:
        counselor = next_on_call(session, field.id, now, tz, assign_within())
    name = field.name_ko if field is not None else "분야 미지정"
    if counselor is not None:
        assign(voicemail, counselor)
        body = (
            f"{SMS_PREFIX} {counselor.name} 님께 {name} 음성 메시지가 배정되었습니다. "
            "상담 관리 화면의 음성 메시지에서 듣고 처리해 주세요."
        )
        if can_receive_sms(counselor.phone):
            send_sms(session, counselor.phone, body)
        else:
            log.info("counselor %s has no mobile number; voice message not announced", counselor.id)
        return
    body = (
        f"{SMS_PREFIX} {name} 음성 메시지가 들어왔지만 가까운 근무자가 없어 담당이 정해지지 "
        "않았습니다. 음성 메시지함에서 배정해 주세요."
    )
    for phone in coordinator_phones():
        send_sms(session, phone, body)


def unhandled_for(counselor_id: int) -> Select[Any]:
    """Select the unhandled voice messages assigned to a counselor, oldest first."""
    return (
        select(Voicemail)
        .options(joinedload(Voicemail.field))
        .where(
            Voicemail.assigned_to_id == counselor_id,
            Voicemail.status != VoicemailStatus.HANDLED,
        )
        .order_by(Voicemail.created_at, Voicemail.id)
    )
