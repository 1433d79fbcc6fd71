"""Key rotation: re-encrypt every stored personal value with the newest key."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Column, Table, Text, select, type_coerce, update
from sqlalchemy.orm import Session

from callcenter.crypto import keyring
from callcenter.models import Base, EncryptedText

BATCH = 500


def encrypted_columns() -> Iterator[tuple[Table, Column]]:
    """Yield every (table, column) holding encrypted personal data."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                yield table, column


def rotate_column(session: Session, table: Table, column: Column) -> int:
    """Re-encrypt one column in batches of rows; return how many values changed. Commits."""
    raw = type_coerce(column, Text)
    (key,) = table.primary_key.columns
    changed, last = 0, None
    while True:
        statement = select(key, raw).where(column.isnot(None)).order_by(key).limit(BATCH)
        if last is not None:
            statement = statement.where(key > last)
        batch = session.execute(statement).all()
        if not batch:
            return changed
        for row_id, token in batch:
            # Only if unchanged since read: a row saved meanwhile already has the newest key.
            session.execute(
                update(table)
                .where(key == row_id, raw == token)
                .values({column.name: type_coerce(keyring.rotate(token), Text)})
            )
        changed += len(batch)
        last = batch[-1][0]
        session.commit()


def rotate_all(session: Session) -> dict[str, int]:
    """Re-encrypt every encrypted column; return the counts by `table.column`."""
    return {
        f"{table.name}.{column.name}": rotate_column(session, table, column)
        for table, column in encrypted_columns()
    }
