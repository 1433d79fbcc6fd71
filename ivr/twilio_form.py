"""Reading Twilio's requests: query parameters, form fields and the call they concern."""

from __future__ import annotations

from flask import abort, current_app, request

from callcenter.extensions import db
from callcenter.models import Call
from ivr.calls import current_time, open_call
from ivr.routing import Ring


def arg_int(name: str, default: int) -> int:
    """Read a small integer from the query string."""
    try:
        return int(request.args.get(name, default))
    except ValueError:
        return default


def asked_language() -> str:
    """Return the caller's language from the query string."""
    return "en" if request.args.get("lang") == "en" else "ko"


def this_call(fresh: bool = False) -> Call:
    """Return the record of the call making this request, creating it if it is missing.

    `fresh`: the call's first request, whose record is most likely not there yet.
    """
    form = request.form
    return open_call(db.session, form.get("CallSid", ""), form.get("From"), current_time(), fresh)


def menu_tries() -> int:
    """Return how many tries a caller gets at a menu."""
    return current_app.config["IVR_MENU_TRIES"]


def this_ring() -> Ring:
    """Return the counselor leg a request is about, or answer 404."""
    return Ring.from_args(request.args) or abort(404)


def form_int(name: str) -> int | None:
    """Read an integer form field, None when absent or malformed."""
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return None
