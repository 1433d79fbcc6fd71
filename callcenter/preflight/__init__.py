"""`flask --app wsgi preflight`: is this deployment ready for go-live?

Checks the production settings, the database and its migrations, the scheduler lock, the
line's Twilio number (live mode: read through the REST API and compared with PUBLIC_BASE_URL;
sandbox mode: what to set), and signs a request to the line's own /ivr/voice as Twilio will,
to see whether its signature still matches after the proxy. Exits non-zero on any failure.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import click
from flask import current_app

from callcenter.preflight.database import check_database
from callcenter.preflight.findings import FAIL, WARN, Finding, fail
from callcenter.preflight.settings import check_settings
from callcenter.preflight.signature import Post, check_signature, http_post, register_probe
from callcenter.preflight.twilio_number import check_number, sandbox_instructions, webhook_urls

__all__ = ["preflight_command", "register_probe", "run_preflight"]


def run_preflight(
    public_url: str | None = None, post: Post | None = None, probe: bool = True
) -> list[tuple[str, list[Finding]]]:
    """Run every check in the app's context; return the findings by section."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    base = (public_url or config.get("PUBLIC_BASE_URL") or "").rstrip("/") or None
    sections = [
        ("Settings", list(check_settings(config))),
        ("Database", list(check_database(app))),
    ]
    signed_url = webhook_urls(base)["voice"] if base else None
    if config.get("TWILIO_ACCOUNT_SID"):
        number, voice_url = check_number(config, base)
        signed_url = voice_url or signed_url  # what Twilio will actually call
        sections.append(("Twilio number", number))
    else:
        sections.append(("Twilio number", list(sandbox_instructions(base))))
    if probe:
        if signed_url is None:
            found = [fail("no public URL to sign a request for", "set PUBLIC_BASE_URL")]
        else:
            found = check_signature(config, signed_url, post or http_post(), time.time())
        sections.append(("Webhook signature through the proxy", found))
    return sections


def report(sections: Iterable[tuple[str, list[Finding]]]) -> tuple[list[str], int, int]:
    """Return readable lines, and the numbers of failures and warnings."""
    lines, failures, warnings = [], 0, 0
    for title, findings in sections:
        lines.append(title)
        for finding in findings:
            lines += finding.lines()
            failures += finding.level == FAIL
            warnings += finding.level == WARN
    return lines, failures, warnings


@click.command("preflight")
@click.option("--public-url", help="the https:// base URL Twilio calls (default PUBLIC_BASE_URL)")
@click.option("--via", help="send the signed request here instead, e.g. https://127.0.0.1")
@click.option("--insecure", is_flag=True, help="do not verify the TLS certificate of --via")
@click.option("--no-probe", is_flag=True, help="skip the signed request to /ivr/voice")
def preflight_command(
    public_url: str | None, via: str | None, insecure: bool, no_probe: bool
) -> None:
    """Check settings, database, scheduler, Twilio number and webhook signatures."""
    sections = run_preflight(public_url, http_post(via, insecure), probe=not no_probe)
    lines, failures, warnings = report(sections)
    for line in lines:
        click.echo(line)
    if failures:
        click.echo(f"{failures} check(s) failed, {warnings} warning(s): not ready for go-live.")
        raise SystemExit(1)
    click.echo(f"Every check passed ({warnings} warning(s)).")
