"""Small helpers shared by the back-office views."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_login import current_user

# SelectChoice came with WTForms 3.3; the newest types-WTForms still describes 3.2.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from callcenter import audit

# The views read URL arguments through the one range-checking module.
from callcenter.arguments import date_arg, int_arg, page_arg  # noqa: F401
from callcenter.extensions import db


def audit_event(action: str, object_type: str | None, object_id: int | None, **detail: Any):
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


def get_or_404(model, object_id: int):
    """Load a row by id or answer 404."""
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def options(pairs: Any, optgroup: str | None = None) -> list[SelectChoice]:
    """Turn (value, label) pairs into select options, optionally in one <optgroup>."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]
