"""Voice messages: an inbox per field, assigned to counselors and turned into work."""

from __future__ import annotations

import enum
from datetime import datetime

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
from callcenter.phones import Use, last4, outgoing_refusal


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
