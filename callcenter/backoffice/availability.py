"""A counselor's own line: whether the line rings them, and resuming after a pause.

Small enough for a phone's browser: the SMS that tells a counselor they were paused links
here.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from callcenter import clock
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import audit_event
from callcenter.extensions import db
from callcenter.models import Counselor
from callcenter.timezone import line_timezone
from ivr.queueing import serve_freed
from ivr.reservations import is_paused
from ivr.unanswered import resume


def _own_counselor() -> Counselor:
    """Return the signed-in user's counselor, or answer 404 for accounts without one."""
    counselor = current_user.counselor
    if counselor is None:
        abort(404)
    return counselor


@bp.get("/me/calls")
@login_required
def availability() -> str:
    """Show whether the line rings the signed-in counselor, with a button to resume."""
    counselor = _own_counselor()
    now = clock.now()
    return render_template(
        "backoffice/availability.html",
        counselor=counselor,
        paused=is_paused(counselor.paused_until, now),
        tz=line_timezone(),
    )


@bp.post("/me/calls/resume")
@login_required
def resume_calls() -> Response:
    """End the signed-in counselor's pause; waiting callers may reach them at once."""
    counselor = _own_counselor()
    now, tz = clock.now(), line_timezone()
    if resume(db.session, counselor):
        audit_event("edit", "counselor", counselor.id, change="resumed calls")
    db.session.commit()
    serve_freed(db.session, [counselor.id], now, tz)
    flash(_("다시 상담 전화를 받습니다."), "info")
    return redirect(url_for("backoffice.availability"))
