"""The start page: the line today, field by field."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user, login_required

from callcenter import clock
from callcenter import voicemails as voice_messages
from callcenter.backoffice import bp
from callcenter.extensions import db
from callcenter.models import Field, Voicemail
from callcenter.timezone import line_timezone
from schedules.calendar import day_status
from schedules.oncall import next_session_start, on_call


@bp.get("/")
@login_required
def index() -> str:
    """Show who is on call now and when each field opens next."""
    now = clock.now()
    tz = line_timezone()
    fields = db.session.scalars(Field.menu()).all()
    rows = []
    for field in fields:
        counselors = on_call(db.session, field.id, now, tz)
        upcoming = None if counselors else next_session_start(db.session, field.id, now, tz)
        rows.append({"field": field, "counselors": counselors, "next": upcoming})
    today = day_status(db.session, now.astimezone(tz).date())
    from callcenter.backoffice.consultations import my_drafts

    mine: list[Voicemail] = []
    if current_user.counselor_id is not None:
        mine = list(db.session.scalars(voice_messages.unhandled_for(current_user.counselor_id)))

    return render_template(
        "backoffice/index.html",
        rows=rows,
        today=today,
        now=now.astimezone(tz),
        sandbox=current_app.config["SANDBOX"],
        tz=tz,
        drafts=my_drafts(),
        voicemails=mine,
    )
