"""Retention: personal data older than RETENTION_DAYS is erased, the rows reports count stay.

Caller numbers, callback numbers, voice-message recordings and consultation notes are set to
NULL (their look-up digests too, so an old caller can no longer be recognised); the rows with
their dates, fields, outcomes and durations remain, so monthly and yearly figures do not change.
Every run writes an audit entry with what it erased.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from callcenter.models import (
    AuditEvent,
    Call,
    CallbackRequest,
    Consultation,
    OutboxMessage,
    Voicemail,
)


def _erase(session: Session, model, when, cutoff: datetime, columns: list[str]) -> int:  # type: ignore[no-untyped-def]
    """Null the personal columns of rows older than the cutoff; return how many changed."""
    attrs = [getattr(model, c) for c in columns]
    statement = (
        update(model)
        .where(when < cutoff, or_(*(a.is_not(None) for a in attrs)))
        .values(dict.fromkeys(columns))
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount


def purge_personal_data(session: Session, now: datetime) -> dict[str, Any]:
    """Erase personal data older than the retention period and audit the run."""
    days = int(current_app.config.get("RETENTION_DAYS", 3 * 365))
    cutoff = now - timedelta(days=days)
    counts = {
        "calls": _erase(
            session, Call, Call.started_at, cutoff, ["from_number", "from_digest", "from_last4"]
        ),
        "callbacks": _erase(
            session,
            CallbackRequest,
            CallbackRequest.requested_at,
            cutoff,
            ["phone", "phone_digest", "phone_last4"],
        ),
        "voicemails": _erase(session, Voicemail, Voicemail.created_at, cutoff, ["recording_url"]),
        "outbox": _erase(session, OutboxMessage, OutboxMessage.created_at, cutoff, ["to"]),
    }
    # Consultations are versioned rows edited in the back office: mark them, too.
    counts["consultations"] = session.execute(
        update(Consultation)
        .where(
            Consultation.started_at < cutoff,
            or_(
                Consultation.citizen_name.is_not(None),
                Consultation.citizen_phone.is_not(None),
                Consultation.citizen_phone_last4.is_not(None),
                Consultation.summary.is_not(None),
            ),
        )
        .values(
            citizen_name=None,
            citizen_phone=None,
            citizen_phone_last4=None,
            summary=None,
            pseudonymised_at=now,
            version=Consultation.version + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    detail = {"cutoff": cutoff.isoformat(), "retention_days": days, **counts}
    session.add(AuditEvent(at=now, action="purge", object_type="retention", detail=detail))
    session.flush()
    return detail
