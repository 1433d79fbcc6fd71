"""Shared fixtures: one migrated database per test session, emptied after every test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from callcenter import create_app
from callcenter.config import normalise_database_url
from callcenter.extensions import db as _db
from callcenter.models import Base, Field

ROOT = Path(__file__).resolve().parent.parent

# Fixtures of the voice line's tests: clock, settings, on_shift, walker.
pytest_plugins = ["tests.ivr_support", "tests.browser_support", "tests.appointment_support"]


def drop_everything(engine: Engine) -> None:
    """Empty the database completely, so migrations start from nothing."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        return
    with engine.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        for table in inspect(conn).get_table_names():
            conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return TEST_DATABASE_URL, or a fresh SQLite file for this session."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    return normalise_database_url(url)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """Create the app and build its schema from empty with the real migrations."""
    application = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with application.app_context():
        drop_everything(_db.engine)
        flask_migrate.upgrade(directory=str(ROOT / "migrations"), revision="heads")
        seeded = [
            {c.name: getattr(f, c.name) for c in Field.__table__.columns}
            for f in _db.session.scalars(select(Field))
        ]
        _db.session.remove()
    application.config["SEEDED_FIELDS"] = seeded
    yield application


def empty_tables(app: Flask) -> None:
    """Delete every row, then put back the rows the migrations seed."""
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            guards = lift_audit_guard(conn)
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            restore_audit_guard(conn, guards)
            conn.execute(insert(Field.__table__), app.config["SEEDED_FIELDS"])


def lift_audit_guard(conn) -> list[str]:  # type: ignore[no-untyped-def]
    """Let this transaction delete young audit events; return what puts the guard back."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        return ["ALTER TABLE audit_events ENABLE TRIGGER USER"]
    triggers = conn.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": "audit_events"},
    ).all()
    for name, _ in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    return [sql for _, sql in triggers]


def restore_audit_guard(conn, statements: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Put the audit log's guard back (see lift_audit_guard)."""
    for statement in statements:
        conn.execute(text(statement))


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """Give a test the database session inside an app context; empty the tables after."""
    with app.app_context():
        yield _db.session
        _db.session.remove()
    empty_tables(app)


@pytest.fixture
def client(app: Flask, db: Session) -> FlaskClient:
    """Return a test client over a clean database."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db: Session) -> FlaskCliRunner:
    """Return a CLI runner over a clean database."""
    return app.test_cli_runner()


@pytest.fixture
def fields(db: Session) -> dict[str, Field]:
    """Return the default fields by code."""
    return {f.code: f for f in db.scalars(select(Field))}


DEFAULT_PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(db: Session):
    """Return a factory of committed back-office accounts."""
    from callcenter.accounts import create_user

    def make(role: str = "coordinator", email: str | None = None, counselor=None):  # type: ignore[no-untyped-def]
        user = create_user(
            db,
            email or f"{role}-{os.urandom(3).hex()}@example.org",
            role,
            DEFAULT_PASSWORD,
            counselor,
        )
        db.commit()
        return user

    return make


@pytest.fixture
def login(client: FlaskClient, make_user):  # type: ignore[no-untyped-def]
    """Return a function that signs the test client in with a new account of a role."""

    def sign_in(role: str = "coordinator", counselor=None):  # type: ignore[no-untyped-def]
        user = make_user(role, counselor=counselor)
        response = client.post(
            "/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in
