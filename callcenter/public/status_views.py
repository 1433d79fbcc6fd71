"""The public status page and its JSON twin, cheap enough for many citizens at once."""

from __future__ import annotations

from datetime import datetime

from flask import Response, current_app, jsonify, render_template
from flask_babel import get_locale

from callcenter.appointments.status import cached_next_free_slots
from callcenter.extensions import db
from callcenter.phones import national
from callcenter.public import bp
from callcenter.reporting.live import line_now
from callcenter.reporting.status import WEEKDAY_CODES, Snapshot, cached_snapshot, reason_words
from callcenter.timezone import line_timezone


def snapshot() -> Snapshot:
    """Return the (cached) public status."""
    return cached_snapshot(
        db.session, line_now(), line_timezone(), current_app.config["TWILIO_PHONE_NUMBER"]
    )


def _cacheable(response: Response) -> Response:
    """Let browsers and proxies keep the answer as long as the server-side cache does."""
    seconds = int(current_app.config.get("STATUS_CACHE_SECONDS") or 0)
    response.headers["Cache-Control"] = f"public, max-age={max(seconds, 0)}"
    response.vary.add("Cookie")
    return response


def next_slots() -> dict[str, datetime]:
    """Return each field's first bookable appointment slot (cached)."""
    return cached_next_free_slots(db.session, line_now(), line_timezone())


def _render(template: str) -> Response:
    status = snapshot()
    language = str(get_locale())
    page = render_template(
        template,
        status=status,
        next_slots=next_slots(),
        language=language,
        phone_display=national(status.phone),
        weekdays=WEEKDAY_CODES,
        reason_words=reason_words,
        refresh_seconds=int(current_app.config.get("STATUS_REFRESH_SECONDS") or 15),
    )
    return _cacheable(Response(page))


@bp.get("/status")
def status_page() -> Response:
    """Show every field's live status, the line's number and its timetable."""
    return _render("public/status.html")


@bp.get("/status/live")
def status_fragment() -> Response:
    """Return the live part of the status page, for its self-refresh."""
    return _render("public/_status_fields.html")


@bp.get("/api/status")
@bp.get("/status.json")
def status_json() -> Response:
    """Return the public status as JSON, for the city's web site."""
    status = snapshot()
    body = status.to_json()
    body["phone_display"] = national(status.phone)
    body["next_appointment"] = {code: at.isoformat() for code, at in next_slots().items()}
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return _cacheable(response)
