"""`flask simulate-call`: play a whole call with the call walker and print the transcript."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from callcenter.phones import InvalidPhoneNumber, to_e164
from ivr.walker import (
    COUNSELOR_BEHAVIOURS,
    CallWalker,
    FlaskTransport,
    HttpTransport,
    Script,
    Transport,
    WalkerError,
    outbox_redirects,
)


@click.command("simulate-call")
@click.option("--from", "caller", default="010-5555-1234", help="Calling number, or 'withheld'.")
@click.option(
    "--press",
    "keys",
    multiple=True,
    help="Answer to each menu in turn: digits (1, *, 01012345678#), 'speech:법률', or '' "
    "for silence. Repeat the option for each menu.",
)
@click.option(
    "--counselor",
    "counselors",
    multiple=True,
    type=click.Choice(COUNSELOR_BEHAVIOURS),
    help="What happens as each counselor is rung, in turn: what the counselor does, or the "
    "caller hanging up while it rings or in the whisper (default: answers).",
)
@click.option("--talk", default=180, show_default=True, help="Seconds of conversation.")
@click.option("--record", default=20, show_default=True, help="Seconds of voice message.")
@click.option("--queue-polls", default=3, show_default=True, help="Hold rounds before giving up.")
@click.option("--url", help="Base URL of a running app (default: this app, in process).")
@with_appcontext
def simulate_call_command(
    caller: str,
    keys: tuple[str, ...],
    counselors: tuple[str, ...],
    talk: int,
    record: int,
    queue_polls: int,
    url: str | None,
) -> None:
    """Play a call against the line and print what the caller heard and what happened."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    number = None
    if caller.lower() not in ("withheld", "anonymous", ""):
        try:
            number = to_e164(caller)
        except InvalidPhoneNumber as exc:
            raise click.BadParameter(str(exc), param_hint="--from") from None
    if url:
        transport: Transport = HttpTransport(url)
        redirects = None
    else:
        transport = FlaskTransport(app.test_client(), app.config.get("PUBLIC_BASE_URL") or "")
        if not transport.base_url:
            transport.base_url = "http://localhost"
        redirects = outbox_redirects(app)
    walker = CallWalker(
        transport,
        app.config["TWILIO_AUTH_TOKEN"],
        line_number=app.config["TWILIO_PHONE_NUMBER"],
        redirects=redirects,
    )
    script = Script(
        caller=number,
        keys=list(keys),
        counselors=list(counselors),
        talk_seconds=talk,
        record_seconds=record,
        queue_polls=queue_polls,
    )
    try:
        transcript = walker.call(script)
    except WalkerError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(str(transcript))
