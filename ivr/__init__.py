"""The voice line: Twilio webhooks and the call flow."""

from flask import Blueprint

bp = Blueprint("ivr", __name__, url_prefix="/ivr")

from ivr import webhooks  # noqa: E402,F401
