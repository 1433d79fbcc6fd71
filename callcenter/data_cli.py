"""Commands for personal data at rest: keys, the search index, backups of SQLite."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from callcenter import audit, search_index
from callcenter.backup import BackupError, backup_sqlite, check_keys
from callcenter.crypto import generate_key, keyring
from callcenter.extensions import db
from callcenter.keys import rotate_all
from callcenter.models import Consultation

data_cli = AppGroup("data", help="Personal data at rest: keys, the search index, backups.")


@data_cli.command("rotate-keys")
def rotate_keys_command() -> None:
    """Re-encrypt every stored personal value with the first key of DATA_ENCRYPTION_KEYS."""
    counts = rotate_all(db.session)
    audit.record(db.session, None, "rotate-keys", detail_counts=counts)
    db.session.commit()
    for name, count in counts.items():
        click.echo(f"{name}: {count} re-encrypted")
    click.echo("Done. The old keys can be removed from DATA_ENCRYPTION_KEYS now.")


@data_cli.command("new-key")
def new_key_command() -> None:
    """Print a new Fernet key to put first in DATA_ENCRYPTION_KEYS."""
    click.echo(generate_key())


@data_cli.command("reindex-search")
def reindex_search_command() -> None:
    """Rebuild the summary index and number digests (needed after changing DATA_LOOKUP_KEY)."""
    count, last = 0, 0
    while True:
        batch = db.session.scalars(
            select(Consultation).where(Consultation.id > last).order_by(Consultation.id).limit(500)
        ).all()
        if not batch:
            break
        for consultation in batch:
            search_index.reindex(db.session, consultation.id, consultation.summary)
            if consultation.citizen_phone:
                consultation.citizen_phone_digest = keyring.digest(consultation.citizen_phone)
        count, last = count + len(batch), batch[-1].id
        db.session.commit()
    click.echo(f"{count} consultations indexed.")


@data_cli.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace DESTINATION if it exists")
def backup_command(destination: Path, force: bool) -> None:
    """Copy the embedded SQLite database, online and consistent, to DESTINATION."""
    try:
        made = backup_sqlite(db.engine.url, destination, replace=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{made.path}: {made.size} bytes, schema {made.revision or 'unknown'}")
    click.echo("The keys are not in it: keep DATA_ENCRYPTION_KEYS and DATA_LOOKUP_KEY apart.")


@data_cli.command("check-keys")
def check_keys_command() -> None:
    """Decrypt every stored personal value with the configured keys (after a restore)."""
    failed = 0
    for column in check_keys(db.session):
        click.echo(f"{column.column}: {column.readable} readable, {column.unreadable} not")
        failed += column.unreadable
    if failed:
        raise click.ClickException(
            f"{failed} value(s) cannot be decrypted: DATA_ENCRYPTION_KEYS lacks their key"
        )
    click.echo("Every stored personal value decrypts with the configured keys.")
