"""The audit log, for admins: who did what to whose personal data, when, from where."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request
from sqlalchemy import select

from callcenter import audit
from callcenter.auth.access import admin_required
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import date_arg, int_arg, page_arg
from callcenter.consultations import paginate
from callcenter.extensions import db
from callcenter.models import User
from callcenter.timezone import line_timezone


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    """Browse the audit log by user, action, object and date."""
    tz = line_timezone()
    day_from, day_to = date_arg("date_from"), date_arg("date_to")
    criteria = audit.AuditFilter(
        user_id=int_arg("user"),
        action=request.args.get("action") or None,
        object_type=request.args.get("object_type") or None,
        object_id=int_arg("object_id"),
        since=datetime.combine(day_from, time.min, tz) if day_from else None,
        until=datetime.combine(day_to + timedelta(days=1), time.min, tz) if day_to else None,
    )
    page = paginate(db.session, audit.events(criteria), page_arg())
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template(
        "backoffice/admin/audit.html",
        page=page,
        args={k: v for k, v in request.args.items() if k != "page" and v},
        users=users,
        emails={u.id: u.email for u in users},
        actions=audit.ACTIONS,
        tz=tz,
    )
