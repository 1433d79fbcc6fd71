"""Empty a benchmark's database and build the schema with the project's migrations.

Every benchmark starts from the same place: nothing in the database but what the migrations
create. Benchmarks that run inside an app context use `rebuild()`; those that serve the app
in other processes use `rebuild_at(url)`, which migrates through the `flask` command as a
deployment does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text

ROOT = Path(__file__).resolve().parent.parent


def empty(engine: Engine) -> None:
    """Drop everything in the database (PostgreSQL: the public schema; SQLite: each table)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for table in inspect(conn).get_table_names():
                conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))


def rebuild() -> None:
    """Empty the current app's database and migrate it to the newest revision."""
    import flask_migrate

    from callcenter.extensions import db

    empty(db.engine)
    flask_migrate.upgrade(directory=str(ROOT / "migrations"), revision="heads")


def rebuild_at(url: str) -> Engine:
    """Empty the database at `url`, migrate it with `flask db upgrade`, return an engine on it."""
    from callcenter.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    empty(engine)
    env = dict(os.environ, DATABASE_URL=url, CALLCENTER_ENV="development")
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade", "heads"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return engine


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
