"""The menu choice's one read: who of the rostered counselors is free, in fair order.

Every menu choice reads the busy flags and last calls of the field's rostered counselors, and
nothing else, so this read is the hot path of the whole line. It runs on a small pool of its
own, in autocommit mode (no BEGIN, no ROLLBACK), without the main pool's ping before each use
(on PostgreSQL one more round trip than the read itself), and as one hand-written statement
sent straight to the database driver: building, compiling and expanding a SQLAlchemy
statement cost more than the database's own work. On PostgreSQL the statement takes the ids
as one array, so its text never changes and the server keeps it prepared on each connection.

A read that finds its connection dead (the database restarted, a proxy dropped it) is made
once more on a fresh one, which is what a ping would have done first.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import create_engine
from sqlalchemy.engine import Dialect, Engine

from callcenter.extensions import db
from callcenter.models import Counselor
from ivr.busy_board import BusyBoard, conninfo

IN_MEMORY = (None, "", ":memory:")
# Without pings, connections are renewed before a server or proxy idle timeout drops them.
RECYCLE_SECONDS = 1800
_lock = threading.Lock()

# The same rule as the session's `routing._FREE_COUNSELORS`: not busy (or busy for longer than
# the stale timeout), those who never took a call first, then the longest since their last.
_FREE_IN_ORDER = (
    "SELECT id, phone FROM counselors WHERE id {ids}"
    " AND (busy_since IS NULL OR busy_since <= {stale_before})"
    " ORDER BY last_connected_at IS NOT NULL, last_connected_at, id"
)


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


def free_in_dial_order(ids: Sequence[int], stale_before: datetime) -> list[tuple[int, str]]:
    """Return (id, phone) of the counselors among `ids` not on a live call, in fair order.

    A busy flag set before `stale_before` counts as free (its status callback was lost).
    On PostgreSQL the worker's busy board answers when it can (see `ivr.busy_board`).
    """
    if not ids:
        return []
    board = busy_board()
    if board is not None:
        known = board.free_in_dial_order(ids, stale_before)
        if known is not None:
            return known
    engine = reader_engine()
    statement, parameters = _statement(engine.dialect)(ids, stale_before)
    try:
        return _fetch(engine, statement, parameters)
    except _Disconnected:
        # The pool's other idle connections are likely dead too: start it afresh.
        engine.dispose()
    return _fetch(engine, statement, parameters)


class _Disconnected(Exception):
    """The pooled connection was dead; it has been thrown away."""


def _fetch(engine: Engine, statement: str, parameters: Any) -> list[tuple[int, str]]:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(statement, parameters, **_EXECUTE_OPTIONS.get(engine.dialect.name, {}))
            return [(row[0], row[1]) for row in cursor.fetchall()]
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error as error:
        if not engine.dialect.is_disconnect(error, connection.dbapi_connection, None):
            raise
        connection.invalidate(error)
        raise _Disconnected from error
    finally:
        connection.close()  # back to the pool; nothing happens if it was invalidated


# psycopg: prepare on the server at once rather than after the fifth use on a connection.
_EXECUTE_OPTIONS: dict[str, dict[str, Any]] = {"postgresql": {"prepare": True}}
Binder = Callable[[Sequence[int], datetime], tuple[str, Any]]


@functools.cache
def _statement(dialect: Dialect) -> Binder:
    """Return how to bind the read for a dialect: its SQL text and the driver's parameters.

    The line runs on PostgreSQL (psycopg: an array) or SQLite (sqlite3: `?` placeholders).
    """
    # The column type as the dialect stores it (on SQLite, the same text SQLAlchemy writes).
    column_type = Counselor.__table__.c.busy_since.type
    bind_instant = column_type.dialect_impl(dialect).bind_processor(dialect)

    def instant(value: datetime) -> Any:
        return bind_instant(value) if bind_instant else value

    if dialect.name == "postgresql":
        text = _FREE_IN_ORDER.format(ids="= ANY(%s)", stale_before="%s")

        def bind_array(ids: Sequence[int], stale_before: datetime) -> tuple[str, Any]:
            return text, (list(ids), instant(stale_before))

        return bind_array

    @functools.lru_cache(maxsize=64)
    def text_for(count: int) -> str:
        return _FREE_IN_ORDER.format(ids=f"IN ({', '.join('?' * count)})", stale_before="?")

    def bind_list(ids: Sequence[int], stale_before: datetime) -> tuple[str, Any]:
        return text_for(len(ids)), (*ids, instant(stale_before))

    return bind_list
