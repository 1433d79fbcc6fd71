"""Commands for personal data at rest: `flask data rotate-keys`, `flask data reindex-search`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from callcenter import audit, search_index
from callcenter.crypto import generate_key
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
    """Rebuild the summary search index (needed after changing DATA_LOOKUP_KEY)."""
    count = 0
    statement = select(Consultation.id, Consultation.summary).execution_options(yield_per=500)
    for consultation_id, summary in db.session.execute(statement).all():
        search_index.reindex(db.session, consultation_id, summary)
        count += 1
        if count % 500 == 0:
            db.session.commit()
    db.session.commit()
    click.echo(f"{count} consultations indexed.")
