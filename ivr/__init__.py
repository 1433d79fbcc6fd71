"""The voice line: Twilio webhooks and the call flow."""

from flask import Blueprint

bp = Blueprint("ivr", __name__, url_prefix="/ivr")

import ivr.callback_bridge  # noqa: E402,F401
from ivr import webhooks  # noqa: E402,F401
