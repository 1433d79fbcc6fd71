"""Public pages, no sign-in: the line's live status and the online callback ticket."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from callcenter.public import status_views, ticket_views  # noqa: E402,F401
