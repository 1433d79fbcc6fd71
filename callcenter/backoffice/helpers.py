"""Small helpers shared by the back-office views."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, request
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from callcenter import audit
from callcenter.extensions import db


def audit_event(action: str, object_type: str | None, object_id: int | None, **detail: Any):  # type: ignore[no-untyped-def]
    """Record an audit event for the signed-in user from this request. Does not commit."""
    return audit.record(
        db.session,
        current_user,
        action,
        object_type,
        object_id,
        address=request.remote_addr,
        **detail,
    )


def int_arg(name: str) -> int | None:
    """Read an optional integer query argument, ignoring junk."""
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() else None


def date_arg(name: str) -> date | None:
    """Read an optional ISO date query argument, ignoring junk."""
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


def page_arg() -> int:
    """Read the page number, 1 when absent."""
    return int_arg("page") or 1


def get_or_404(model, object_id: int):  # type: ignore[no-untyped-def]
    """Load a row by id or answer 404."""
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def options(pairs: Any, optgroup: str | None = None) -> list[SelectChoice]:
    """Turn (value, label) pairs into select options, optionally in one <optgroup>."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]
