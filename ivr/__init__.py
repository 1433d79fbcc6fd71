"""The voice line: Twilio webhooks and the call flow."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("ivr", __name__, url_prefix="/ivr")


@bp.record_once
def configure(state: BlueprintSetupState) -> None:
    """Read the line's settings and add the `simulate-call` command."""
    from ivr.cli import simulate_call_command
    from ivr.settings import load_settings

    load_settings(state.app)
    state.app.cli.add_command(simulate_call_command)


import ivr.callback_bridge  # noqa: E402,F401
from ivr import (  # noqa: E402,F401
    leg_webhooks,
    live_call_webhooks,
    number_check,
    offer_webhooks,
    queue_webhooks,
    webhooks,
)
