"""`flask reports rollup`: bring the report rollups up to date."""

from __future__ import annotations

import click

from callcenter.extensions import db
from callcenter.reporting.live import line_now
from callcenter.reporting.rollup import refresh
from callcenter.reports import bp
from callcenter.timezone import line_timezone


@bp.cli.command("rollup")
def rollup_command() -> None:
    """Roll up every finished day not rolled up yet, and days whose rows changed."""
    ranges = refresh(db.session, line_now(), line_timezone())
    db.session.commit()
    if not ranges:
        click.echo("Report rollups are up to date.")
    for first, last in ranges:
        click.echo(f"Rolled up {first} to {last} (exclusive).")
