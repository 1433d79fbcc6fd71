"""Signing in and out of the back office, and who may see what."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from callcenter.auth import sessions, views  # noqa: E402,F401

# First thing in every request: a cookie whose server-side session ended signs nobody in.
bp.before_app_request(sessions.end_dead_cookies)
