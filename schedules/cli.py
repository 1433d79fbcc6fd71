"""Commands for rosters and on-call look-ups: `flask roster import`, `flask oncall`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from callcenter import clock
from callcenter.extensions import db
from callcenter.models import Field
from callcenter.phones import national
from callcenter.timezone import line_timezone
from schedules.oncall import on_call
from schedules.roster_import import (
    ImportSummary,
    RosterFileError,
    apply_roster,
    field_aliases,
    read_roster,
)

roster_cli = AppGroup("roster", help="Manage counselors' rosters.")


@roster_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change.")
def import_command(csv_file: Path, dry_run: bool) -> None:
    """Import counselors and shifts from a CSV file (all rows or none).

    \b
    Columns: name,phone,field,day,start,end (or 이름,전화번호,분야,요일,시작,종료).
    field: legal, construction, tax, labor, or the field's Korean name (법률...).
    day:   mon..sun or 월..일 for a weekly shift, a date (2027-03-02) for a one-off.
    start, end: local time HH:MM, end after start.

    UTF-8 or CP949 (Excel's CSV). Counselors are matched by phone number. If any row is
    wrong, nothing is written and every bad row is listed with its line number.
    """
    try:
        parsed = read_roster(db.session, csv_file.read_bytes())
    except RosterFileError as exc:
        raise click.ClickException(f"{csv_file}: {exc}") from None
    if not parsed.ok:
        for line, problem in parsed.errors:
            click.echo(f"{csv_file}: line {line}: {problem}", err=True)
        raise click.ClickException(
            f"{len(parsed.errors)} bad row(s) in {csv_file}; nothing was imported. "
            "Fix the rows above and run the import again."
        )
    today = clock.today()
    summary = apply_roster(db.session, parsed.rows, today=today)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for message in summary_lines(csv_file, len(parsed.rows), summary, dry_run):
        click.echo(message)


def summary_lines(csv_file: Path, rows: int, summary: ImportSummary, dry_run: bool) -> list[str]:
    """Describe what an import changed, for the coordinator who ran it."""
    prefix = "Dry run, nothing written: would have " if dry_run else ""
    lines = [f"{csv_file}: {rows} row(s) read."]
    if not summary.changed:
        lines.append("Nothing to change: every row is already in the roster.")
    else:
        created = ", ".join(summary.counselors_created) or "none"
        lines.append(
            f"{prefix}{'added' if dry_run else 'Added'} {len(summary.counselors_created)} "
            f"counselor(s) ({created}), {summary.weekly_shifts_created} weekly shift(s) and "
            f"{summary.one_off_shifts_created} one-off shift(s); "
            f"{summary.unchanged_rows} row(s) were already present."
        )
        if summary.counselors_updated:
            lines.append(f"Names updated: {', '.join(summary.counselors_updated)}.")
    if summary.inactive_counselors:
        lines.append(
            "Warning: inactive counselor(s), their shifts do not count until reactivated: "
            f"{', '.join(summary.inactive_counselors)}."
        )
    return lines


def parse_instant(text: str | None) -> datetime:
    """Read ISO 8601 with an offset or Z; without an offset it is the line's local time."""
    if not text:
        return clock.now()
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
@click.option(
    "--field",
    "field_name",
    metavar="FIELD",
    help="Only this field: code or name (legal, tax, 법률, 세무...). Default: every field.",
)
@click.option(
    "--at",
    "at_text",
    metavar="ISO-DATETIME",
    help="When: 2027-03-02T14:30 (local time), 2027-03-02T14:30+09:00 or ...Z. Default: now.",
)
def oncall_command(field_name: str | None, at_text: str | None) -> None:
    """Print who is on call, one counselor a line in dial order.

    Each line: field code, name, phone (E.164), phone (010-1234-5678), tab separated.
    Prints nothing when nobody is on call.
    """
    at = parse_instant(at_text)
    fields = [find_field(field_name)] if field_name else list(db.session.scalars(Field.menu()))
    tz = line_timezone()
    for field_ in fields:
        for counselor in on_call(db.session, field_.id, at, tz):
            click.echo(
                f"{field_.code}\t{counselor.name}\t{counselor.phone}\t{national(counselor.phone)}"
            )


def find_field(text: str) -> Field:
    """Return the field named by its code, Korean or English name, or fail clearly."""
    all_fields = list(db.session.scalars(select(Field).order_by(Field.position)))
    code = field_aliases(all_fields).get(text.strip().lower())
    for field_ in all_fields:
        if field_.code == code:
            return field_
    known = ", ".join(f"{f.code} ({f.name_ko})" for f in all_fields)
    raise click.BadParameter(f"unknown field {text!r}; known fields: {known}", param_hint="--field")
