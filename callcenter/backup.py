"""Backups: an online, consistent copy of the embedded SQLite database, and a key check.

PostgreSQL is backed up with its own tools (`bin/backup-postgres`, `bin/restore-postgres`);
SQLite's backup API copies the file page by page inside one read transaction, so the copy is
consistent while the line keeps writing. Neither holds the keys: the database holds personal
data only as Fernet tokens, which DATA_ENCRYPTION_KEYS decrypt (docs/operations.md).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from callcenter.crypto import keyring
from callcenter.keys import encrypted_columns

BATCH = 1000


class BackupError(Exception):
    """A backup that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    """What a finished backup holds."""

    path: Path
    size: int
    revision: str | None


def sqlite_file(url: str | URL) -> Path:
    """Return the file of an SQLite database URL, or refuse another database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(
            "this database is not SQLite: back PostgreSQL up with bin/backup-postgres "
            "(docs/operations.md)"
        )
    if parsed.database in (None, "", ":memory:"):
        raise BackupError("an in-memory database has nothing to back up")
    return Path(parsed.database)


def backup_sqlite(url: str | URL, destination: Path, replace: bool = False) -> Backup:
    """Copy a live SQLite database to `destination`, readable only by its owner."""
    source = sqlite_file(url)
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    if destination.exists() and not replace:
        raise BackupError(f"{destination} exists; choose another name or pass --force")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    # Read-write, though it only reads: in write-ahead-log mode a read-only connection would
    # leave the log's -wal and -shm files behind when the line is stopped, and the last
    # connection to close is the one that removes them.
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(partial)
    try:
        reader.backup(writer)
        (verdict,) = writer.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check: {verdict}")
        revision = _revision(writer)
    finally:
        writer.close()
        reader.close()
    partial.replace(destination)
    return Backup(destination, destination.stat().st_size, revision)


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


@dataclass(frozen=True)
class ColumnCheck:
    """How many stored values of one encrypted column the configured keys decrypt."""

    column: str
    readable: int
    unreadable: int


def check_keys(session: Session) -> list[ColumnCheck]:
    """Try to decrypt every stored personal value with the configured keys."""
    found = []
    for table, column in encrypted_columns():
        raw = type_coerce(column, Text)
        (key,) = table.primary_key.columns
        readable = unreadable = 0
        last = None
        while True:
            statement = select(key, raw).where(column.is_not(None)).order_by(key).limit(BATCH)
            if last is not None:
                statement = statement.where(key > last)
            rows = session.execute(statement).all()
            if not rows:
                break
            for _, token in rows:
                try:
                    keyring.decrypt(token)
                    readable += 1
                except ValueError:
                    unreadable += 1
            last = rows[-1][0]
        found.append(ColumnCheck(f"{table.name}.{column.name}", readable, unreadable))
    return found
