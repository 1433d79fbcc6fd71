"""The menu choice's one write: reserve the first free rostered counselor, in fair order.

Every menu choice of a field with counselors on duty reserves one of them (see
`ivr.reservations`), so this statement is the hot path of the whole line. It runs on a small
pool of its own, in autocommit mode (the UPDATE is its own transaction: no BEGIN, no COMMIT
round trip), without the main pool's ping before each use, and as the one statement text
sent straight to the database driver: building and compiling a SQLAlchemy statement cost more
than the database's own work. The ids go in as one parameter, so the text never changes and
PostgreSQL keeps it prepared on each connection.

On PostgreSQL the worker's busy board (`ivr.busy_board`) is consulted first: when its copy
says every rostered counselor is engaged, no write is tried and the caller is queued (the
queue then offers them any counselor the copy missed). Only the database reserves.

On SQLite one reservation runs at a time, across the worker's threads and the workers (a lock
file beside the database): SQLite lets one connection write at a time, and one that finds
another writing sleeps and tries again, for up to a second in the end, so overlapping menu
choices waited far longer for each other than for the write itself.

A statement that finds its connection dead (the database restarted, a proxy dropped it) is
sent once more on a fresh one, which is what a ping would have done first.
"""

from __future__ import annotations

import fcntl
import functools
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import create_engine
from sqlalchemy.engine import Dialect, Engine

from callcenter.extensions import db
from callcenter.models import Counselor
from ivr.busy_board import BusyBoard, conninfo
from ivr.reservations import reserve_params, reserve_sql

IN_MEMORY = (None, "", ":memory:")
# Without pings, connections are renewed before a server or proxy idle timeout drops them.
RECYCLE_SECONDS = 1800
_lock = threading.Lock()
_sqlite_writer = threading.Lock()
_lock_files: dict[tuple[int, str], int] = {}  # (process, database file): open lock file


def reader_engine(app: Flask | None = None) -> Engine:
    """Return this app's autocommit read pool, made on first use from the main engine's URL."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    engine = app.extensions.get("ivr_reader")
    if engine is None:
        with _lock:
            engine = app.extensions.get("ivr_reader")
            if engine is None:
                main = db.engine
                if main.url.get_backend_name() == "sqlite" and main.url.database in IN_MEMORY:
                    # A second pool would open a second, empty database.
                    engine = main.execution_options(isolation_level="AUTOCOMMIT")
                else:
                    engine = create_engine(
                        main.url,
                        isolation_level="AUTOCOMMIT",
                        pool_pre_ping=False,
                        pool_reset_on_return=None,  # nothing to roll back in autocommit
                        pool_recycle=RECYCLE_SECONDS,
                    )
                app.extensions["ivr_reader"] = engine
    return engine


def busy_board(app: Flask | None = None) -> BusyBoard | None:
    """Return this app's busy board on PostgreSQL when IVR_BUSY_BOARD is on, else None."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    board = app.extensions.get("ivr_busy_board")
    if board is None and app.config.get("IVR_BUSY_BOARD"):
        url = reader_engine(app).url
        if url.get_backend_name() != "postgresql":
            return None
        with _lock:
            board = app.extensions.get("ivr_busy_board")
            if board is None:
                board = app.extensions["ivr_busy_board"] = BusyBoard(conninfo(url))
    return board


def reserve_in_dial_order(
    ids: Sequence[int], field_id: int, call_sid: str, position: int, now: datetime
) -> tuple[int, str] | None:
    """Reserve the first free counselor of `ids` for this ring; return (id, phone) or None.

    The same statement as `ivr.reservations.reserve`, committed at once on its own connection.
    """
    if not ids:
        return None
    board = busy_board()
    if board is not None:
        free = board.free_in_dial_order(ids, now)
        if free is not None and not free:
            return None  # everyone is engaged, as of a moment ago: no write to try
    engine = reader_engine()
    statement, parameters = _statement(engine.dialect)(
        reserve_params(engine.dialect.name, ids, field_id, call_sid, position, now, now)
    )
    with _one_writer(engine):
        try:
            rows = _fetch(engine, statement, parameters)
        except _Disconnected:
            # The pool's other idle connections are likely dead too: start it afresh.
            engine.dispose()
            rows = _fetch(engine, statement, parameters)
    return rows[0] if rows else None


@contextmanager
def _one_writer(engine: Engine) -> Iterator[None]:
    """On an SQLite file, hold the reservations' lock: this process's threads take turns,
    then the processes do, each waking as soon as the one before has committed."""
    if engine.dialect.name != "sqlite":
        yield
        return
    with _sqlite_writer:
        database = engine.url.database
        if database in IN_MEMORY:
            yield  # one process; the thread lock is enough
            return
        descriptor = _lock_file(database)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)


def _lock_file(database: str) -> int:
    """Return this process's descriptor of the lock file beside an SQLite database.

    Opened once in each process: a worker forked with its master's descriptor would share
    its lock with every other worker.
    """
    key = (os.getpid(), database)
    descriptor = _lock_files.get(key)
    if descriptor is None:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
        descriptor = _lock_files[key] = os.open(f"{database}-reservations.lock", flags, 0o600)
    return descriptor


class _Disconnected(Exception):
    """The pooled connection was dead; it has been thrown away."""


def _fetch(engine: Engine, statement: str, parameters: Any) -> list[tuple[int, str]]:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(statement, parameters, **_EXECUTE_OPTIONS.get(engine.dialect.name, {}))
            rows = [(row[0], row[1]) for row in cursor.fetchall()]
        finally:
            cursor.close()
        connection.commit()  # autocommit already did; a pool without it must not lose it
        return rows
    except engine.dialect.loaded_dbapi.Error as error:
        if not engine.dialect.is_disconnect(error, connection.dbapi_connection, None):
            raise
        connection.invalidate(error)
        raise _Disconnected from error
    finally:
        connection.close()  # back to the pool; nothing happens if it was invalidated


# psycopg: prepare on the server at once rather than after the fifth use on a connection.
_EXECUTE_OPTIONS: dict[str, dict[str, Any]] = {"postgresql": {"prepare": True}}
Binder = Callable[[dict[str, Any]], tuple[str, Any]]


@functools.cache
def _statement(dialect: Dialect) -> Binder:
    """Return how to bind the reservation for a dialect: its SQL text and the parameters.

    The line runs on PostgreSQL (psycopg: `%(name)s`) or SQLite (sqlite3 takes `:name`).
    """
    # Instants as the dialect stores them (on SQLite, the same text SQLAlchemy writes).
    column_type = Counselor.__table__.c.busy_since.type
    bind_instant = column_type.dialect_impl(dialect).bind_processor(dialect)
    text = reserve_sql(dialect.name)
    if dialect.name == "postgresql":
        text = re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", text)

    def bind(parameters: dict[str, Any]) -> tuple[str, Any]:
        if bind_instant is not None:
            parameters = {
                k: bind_instant(v) if isinstance(v, datetime) else v for k, v in parameters.items()
            }
        return text, parameters

    return bind
