"""The start page, shaped by role: a counselor's next tasks, or the line today for coordinators."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import get_locale
from flask_login import current_user, login_required

from callcenter import clock
from callcenter.backoffice import bp
from callcenter.extensions import db
from callcenter.models import Role
from callcenter.privacy import masked_phone
from callcenter.start_pages import coordinator_start, counselor_start
from callcenter.timezone import line_timezone
from schedules.calendar import day_status


@bp.get("/")
@login_required
def index() -> str:
    """Show the counselor's or the coordinator's start page."""
    now = clock.now()
    tz = line_timezone()
    common = {
        "now": now.astimezone(tz),
        "tz": tz,
        "today": day_status(db.session, now.astimezone(tz).date(), str(get_locale())),
        "sandbox": current_app.config["SANDBOX"],
        "language": str(get_locale()),
    }
    if current_user.role == Role.COUNSELOR:
        mine = counselor_start(db.session, current_user, now, tz)
        return render_template(
            "backoffice/home_counselor.html", start=mine, masked_phone=masked_phone, **common
        )
    line = coordinator_start(db.session, now, tz, common["language"])
    return render_template("backoffice/index.html", start=line, **common)
