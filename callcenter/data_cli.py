"""Commands for personal data at rest: `flask data rotate-keys`, `flask data reindex-search`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from callcenter import audit, search_index
from callcenter.crypto import generate_key, keyring
from callcenter.extensions import db
from callcenter.keys import rotate_all
from callcenter.models import Consultation

data_cli = AppGroup("data", help="Personal data at rest: keys and the search index.")


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
