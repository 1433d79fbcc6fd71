"""The menu-choice webhook's one read, on a small autocommit pool of its own.

Every menu choice reads the busy flags and last calls of the field's rostered counselors,
and nothing else. The app's main pool pings every connection it hands out (`pool_pre_ping`),
which on PostgreSQL is one more round trip than the read itself. This pool does not: its
connections are in autocommit mode (no BEGIN, no ROLLBACK, and psycopg keeps its prepared
statements), and a read that finds its connection dead is simply made again on a fresh one,
which is what a ping would have done first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from callcenter.extensions import db

T = TypeVar("T")
IN_MEMORY = (None, "", ":memory:")
# Without pings, connections are renewed before a server or proxy idle timeout drops them.
RECYCLE_SECONDS = 1800
_lock = threading.Lock()


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


def read(work: Callable[[Connection], T]) -> T:
    """Run a read-only `work(connection)`, once more on a fresh connection if the first died.

    A dead connection (the database restarted, a proxy dropped it) makes SQLAlchemy
    invalidate it and every older connection of the pool, so the second try connects anew.
    """
    engine = reader_engine()
    try:
        with engine.connect() as connection:
            return work(connection)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    with engine.connect() as connection:
        return work(connection)
