"""The audit log: record who viewed, revealed, changed or exported personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from callcenter import clock
from callcenter.models import AuditEvent, User

ACTIONS = (
    "view",
    "reveal",
    "edit",
    "create",
    "delete",
    "export",
    "play",
    "account",
    "rotate-keys",
    "review",
)


def record(
    session: Session,
    user: User | None,
    action: str,
    object_type: str | None = None,
    object_id: int | None = None,
    address: str | None = None,
    now: datetime | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add one audit event. Does not commit."""
    event = AuditEvent(
        at=now or clock.now(),
        user_id=user.id if user is not None and getattr(user, "id", None) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip_address=address,
        detail=detail or None,
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    """What an admin narrows the audit log to."""

    user_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def events(criteria: AuditFilter) -> Select[AuditEvent]:
    """Select audit events matching the filter, newest first."""
    statement = select(AuditEvent)
    if criteria.user_id is not None:
        statement = statement.where(AuditEvent.user_id == criteria.user_id)
    if criteria.action:
        statement = statement.where(AuditEvent.action == criteria.action)
    if criteria.object_type:
        statement = statement.where(AuditEvent.object_type == criteria.object_type)
    if criteria.object_id is not None:
        statement = statement.where(AuditEvent.object_id == criteria.object_id)
    if criteria.since is not None:
        statement = statement.where(AuditEvent.at >= criteria.since)
    if criteria.until is not None:
        statement = statement.where(AuditEvent.at < criteria.until)
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
