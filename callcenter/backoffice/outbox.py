"""The sandbox outbox: every SMS and call the line sent, or would have sent."""

from __future__ import annotations

from flask import current_app, render_template, request
from sqlalchemy import select

from callcenter.auth.access import coordinator_required
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import page_arg
from callcenter.consultations import paginate
from callcenter.extensions import db
from callcenter.models import OutboxMessage
from callcenter.phones import mask_numbers
from callcenter.privacy import masked_phone
from callcenter.timezone import line_timezone


@bp.get("/outbox")
@coordinator_required
def outbox() -> str:
    """List outgoing messages and calls, newest first."""
    statement = select(OutboxMessage).order_by(
        OutboxMessage.created_at.desc(), OutboxMessage.id.desc()
    )
    if kind := request.args.get("kind"):
        statement = statement.where(OutboxMessage.kind == kind)
    page = paginate(db.session, statement, page_arg())
    return render_template(
        "backoffice/outbox.html",
        page=page,
        kind=kind,
        args={"kind": kind} if kind else {},
        sandbox=current_app.config["SANDBOX"],
        masked_phone=masked_phone,
        mask_numbers=mask_numbers,
        tz=line_timezone(),
    )
