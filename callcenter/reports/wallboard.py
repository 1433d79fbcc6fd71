"""The live wallboard: the line right now, refreshed in place every few seconds."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import get_locale

from callcenter.auth.access import coordinator_required
from callcenter.extensions import db
from callcenter.reporting.live import line_now
from callcenter.reporting.live import wallboard as live_state
from callcenter.reports import bp
from callcenter.timezone import line_timezone


def _render(template: str) -> str:
    tz = line_timezone()
    return render_template(
        template,
        board=live_state(db.session, line_now(), tz),
        tz=tz,
        language=str(get_locale()),
        refresh_seconds=current_app.config.get("WALLBOARD_REFRESH_SECONDS") or 5,
    )


@bp.get("/wallboard")
@coordinator_required
def wallboard() -> str:
    """Show the wallboard."""
    return _render("reports/wallboard.html")


@bp.get("/wallboard/live")
@coordinator_required
def wallboard_fragment() -> str:
    """Return the wallboard's figures, for its self-refresh."""
    return _render("reports/_wallboard.html")
