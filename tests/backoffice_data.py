"""Builders of back-office test data: counselors, consultations, calls, callbacks."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from callcenter.crypto import keyring
from callcenter.models import (
    Call,
    CallbackRequest,
    Consultation,
    Counselor,
    Field,
    TopicCategory,
    Voicemail,
)

WHEN = datetime(2027, 3, 2, 1, 30, tzinfo=UTC)  # 10:30 in Seoul
RECORDING_SID = "RE" + "1" * 32
TWILIO_RECORDINGS = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings"


def counselor(db: Session, name: str, phone: str, *fields: Field) -> Counselor:
    """Add a counselor of some fields."""
    person = Counselor(name=name, phone=phone, fields=list(fields))
    db.add(person)
    db.flush()
    return person


def consultation(db: Session, field: Field, counselor: Counselor | None, **values) -> Consultation:  # type: ignore[no-untyped-def]
    """Add a consultation (a draft unless told otherwise)."""
    phone = values.pop("citizen_phone", "+821098765432")
    item = Consultation(
        channel=values.pop("channel", "phone"),
        field_id=field.id,
        counselor_id=counselor.id if counselor else None,
        started_at=values.pop("started_at", WHEN),
        citizen_phone=phone,
        citizen_phone_digest=keyring.digest(phone) if phone else None,
        citizen_phone_last4=phone[-4:] if phone else None,
        **values,
    )
    db.add(item)
    db.flush()
    return item


def topic(db: Session, field: Field, name: str, parent: TopicCategory | None = None):  # type: ignore[no-untyped-def]
    """Add a topic category of a field."""
    item = TopicCategory(
        field_id=field.id, parent_id=parent.id if parent else None, name_ko=name, name_en=name
    )
    db.add(item)
    db.flush()
    return item


def call(db: Session, field: Field, number: str = "+821055551234", **values) -> Call:  # type: ignore[no-untyped-def]
    """Add a finished incoming call."""
    item = Call(
        call_sid=values.pop("call_sid", f"CA{abs(hash((number, WHEN))) % 10**12:032d}"),
        from_number=number,
        from_digest=keyring.digest(number),
        from_last4=number[-4:],
        field_id=field.id,
        started_at=values.pop("started_at", WHEN),
        **values,
    )
    db.add(item)
    db.flush()
    return item


def callback(db: Session, field: Field, phone: str = "+821044443333", **values):  # type: ignore[no-untyped-def]
    """Add a pending callback request."""
    item = CallbackRequest(
        field_id=field.id,
        phone=phone,
        phone_digest=keyring.digest(phone),
        phone_last4=phone[-4:],
        requested_at=values.pop("requested_at", WHEN),
        **values,
    )
    db.add(item)
    db.flush()
    return item


def voicemail(db: Session, field: Field, **values) -> Voicemail:  # type: ignore[no-untyped-def]
    """Add a voice message left on a call."""
    origin = call(
        db,
        field,
        values.pop("number", "+821077778888"),
        call_sid=values.pop("call_sid", "CA-voicemail"),
        outcome="voice_message",
    )
    sid = values.pop("recording_sid", RECORDING_SID)
    item = Voicemail(
        call_id=origin.id,
        field_id=field.id,
        recording_sid=sid,
        recording_url=values.pop("recording_url", f"{TWILIO_RECORDINGS}/{sid}"),
        duration_seconds=21,
        created_at=WHEN,
        **values,
    )
    db.add(item)
    db.flush()
    return item
