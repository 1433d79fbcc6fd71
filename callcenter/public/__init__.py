"""Public pages, no sign-in: the line's live status, the online callback ticket, booking."""

import os

from flask import Blueprint

bp = Blueprint("public", __name__)

# Settings of the public pages, read from the environment when the app is built.
SETTINGS = {
    "STATUS_CACHE_SECONDS": 10,
    "STATUS_REFRESH_SECONDS": 15,
    "TICKET_MAX_OPEN_PER_NUMBER": 2,
    "TICKET_MAX_PER_NUMBER_PER_DAY": 3,
    "CALLBACK_MAX_PER_HOUR": 60,
    "TICKET_MAX_PER_ADDRESS_PER_HOUR": 10,
    "TICKET_MAX_FAILED_CANCELS_PER_ADDRESS_PER_HOUR": 10,
    "TICKET_WINDOW_DAYS": 7,
}


@bp.record_once
def _settings(state):
    for name, default in SETTINGS.items():
        raw = os.environ.get(name)
        state.app.config.setdefault(name, int(raw) if raw not in (None, "") else default)


from callcenter.public import appointment_views, status_views, ticket_views  # noqa: E402,F401
