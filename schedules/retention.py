"""Retention: personal data older than RETENTION_DAYS is erased, the rows reports count stay.

Every nullable encrypted column of calls, callbacks, voice messages, consultations and outgoing
messages is set to NULL, with the look-up digests and last four digits (so an old caller can no
longer be recognised or told apart). The rows with their dates, fields, outcomes and durations
remain, so monthly and yearly figures do not change.
The summaries' search digests are deleted with them. Every run writes an audit entry with
what it erased.

The audit log itself is the access record PIPA asks to keep: its events are deleted only once
older than AUDIT_RETENTION_DAYS, which is never less than the two-year floor (the database
refuses to delete younger ones, and to change any).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from callcenter.config import AUDIT_RETENTION_FLOOR_DAYS
from callcenter.models import (
    Appointment,
    AuditEvent,
    Call,
    CallbackRequest,
    Consultation,
    ConsultationTerm,
    EncryptedText,
    OutboxMessage,
    Voicemail,
)


def personal_columns(model) -> list[str]:
    """Return a model's nullable personal-data columns: encrypted ones, look-up digests, last4.

    Found from the model itself, so a personal column added later is erased too.
    """
    return [
        column.key
        for column in model.__table__.columns
        if column.nullable
        and (
            isinstance(column.type, EncryptedText)
            or column.name.endswith("_digest")
            or column.name.endswith("last4")
        )
    ]


def _erase(session: Session, model, when, cutoff: datetime, extra: dict | None = None) -> int:
    """Null the personal columns of rows older than the cutoff; return how many changed."""
    columns = personal_columns(model)
    attrs = [getattr(model, c) for c in columns]
    statement = (
        update(model)
        .where(when < cutoff, or_(*(a.is_not(None) for a in attrs)))
        .values({**dict.fromkeys(columns), **(extra or {})})
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def purge_personal_data(session: Session, now: datetime) -> dict[str, Any]:
    """Erase personal data older than the retention period and audit the run."""
    days = int(current_app.config.get("RETENTION_DAYS", 3 * 365))
    cutoff = now - timedelta(days=days)
    counts = {
        "calls": _erase(session, Call, Call.started_at, cutoff),
        "callbacks": _erase(session, CallbackRequest, CallbackRequest.requested_at, cutoff),
        "voicemails": _erase(session, Voicemail, Voicemail.created_at, cutoff),
        "outbox": _erase(session, OutboxMessage, OutboxMessage.created_at, cutoff),
        "appointments": _erase(session, Appointment, Appointment.booked_at, cutoff),
        # Consultations are versioned rows edited in the back office: mark them, too.
        "consultations": _erase(
            session,
            Consultation,
            Consultation.started_at,
            cutoff,
            {"pseudonymised_at": now, "version": Consultation.version + 1},
        ),
    }
    # The search digests are derived from the summaries they index: they go with them.
    terms = session.execute(
        delete(ConsultationTerm)
        .where(
            ConsultationTerm.consultation_id.in_(
                select(Consultation.id).where(Consultation.started_at < cutoff)
            )
        )
        .execution_options(synchronize_session=False)
    )
    counts["search_terms"] = cast(CursorResult[Any], terms).rowcount
    audit_days = max(int(current_app.config["AUDIT_RETENTION_DAYS"]), AUDIT_RETENTION_FLOOR_DAYS)
    events = session.execute(
        delete(AuditEvent)
        .where(AuditEvent.at < now - timedelta(days=audit_days))
        .execution_options(synchronize_session=False)
    )
    counts["audit_events"] = cast(CursorResult[Any], events).rowcount
    detail = {"cutoff": cutoff.isoformat(), "retention_days": days, **counts}
    session.add(AuditEvent(at=now, action="purge", object_type="retention", detail=detail))
    session.flush()
    return detail
