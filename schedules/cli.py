"""Commands for rosters and on-call look-ups: `flask roster import`, `flask oncall`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from callcenter.extensions import db
from callcenter.models import Field, utcnow
from callcenter.phones import national
from callcenter.timezone import line_timezone
from schedules.oncall import on_call
from schedules.roster_import import RosterFileError, apply_roster, parse_roster

roster_cli = AppGroup("roster", help="Manage counselors' rosters.")


@roster_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change.")
def import_command(csv_file: Path, dry_run: bool) -> None:
    """Import counselors and shifts from a CSV file (all rows or none)."""
    codes = db.session.scalars(select(Field.code)).all()
    try:
        parsed = parse_roster(csv_file.read_bytes(), codes)
    except RosterFileError as exc:
        raise click.ClickException(f"{csv_file}: {exc}") from None
    if not parsed.ok:
        for line, problem in parsed.errors:
            click.echo(f"{csv_file}: line {line}: {problem}", err=True)
        raise click.ClickException(
            f"{len(parsed.errors)} bad row(s); nothing was imported. Fix them and run again."
        )
    summary = apply_roster(db.session, parsed.rows)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would create" if dry_run else "created"
    click.echo(
        f"{len(parsed.rows)} row(s) read: {verb} {len(summary.counselors_created)} counselor(s), "
        f"{summary.weekly_shifts_created} weekly and {summary.one_off_shifts_created} one-off "
        f"shift(s); {len(summary.counselors_updated)} name(s) updated; "
        f"{summary.unchanged_rows} row(s) already present."
    )


def parse_instant(text: str | None) -> datetime:
    """Read ISO 8601 with an offset or Z; without an offset it is the line's local time."""
    if not text:
        return utcnow()
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 date-time such as 2027-03-02T14:30 or 2027-03-02T05:30Z",
            param_hint="--at",
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=line_timezone())
    return value


@click.command("oncall")
@click.option("--field", "field_code", help="Field code (legal, construction, tax, labor).")
@click.option("--at", "at_text", help="Instant, ISO 8601; local time when no offset is given.")
def oncall_command(field_code: str | None, at_text: str | None) -> None:
    """Print who is on call, one counselor a line in dial order."""
    at = parse_instant(at_text)
    statement = Field.menu()
    if field_code:
        field_ = db.session.scalar(select(Field).where(Field.code == field_code.lower()))
        if field_ is None:
            codes = ", ".join(db.session.scalars(select(Field.code).order_by(Field.position)))
            raise click.BadParameter(
                f"unknown field {field_code!r} (known: {codes})", param_hint="--field"
            )
        statement = statement.where(Field.id == field_.id)
    tz = line_timezone()
    for field_ in db.session.scalars(statement):
        for counselor in on_call(db.session, field_.id, at, tz):
            click.echo(
                f"{field_.code}\t{counselor.name}\t{counselor.phone}\t{national(counselor.phone)}"
            )
