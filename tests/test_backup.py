"""Backup and restore round trips on SQLite and PostgreSQL, with the encrypted data read back."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import flask_migrate
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from callcenter import create_app
from callcenter.crypto import keyring
from callcenter.data_cli import backup_command, check_keys_command
from callcenter.extensions import db as _db
from callcenter.models import Consultation, Field
from tests import backoffice_data as data

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = str(ROOT / "migrations")
KEY = Fernet.generate_key().decode()
SUMMARY = "임대차 보증금 반환 문의, 내용증명 작성 안내"
PHONE = "+821098765432"


@pytest.fixture
def own_keyring(app):
    """Let a test configure other keys; give the suite's keyring back after."""
    yield
    config = app.config
    keyring.configure(
        config["DATA_ENCRYPTION_KEYS"], config.get("DATA_LOOKUP_KEY"), config["SECRET_KEY"]
    )


def line_on(url: str, **overrides):  # type: ignore[no-untyped-def]
    """Return an app over a database, with this test's encryption key."""
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, DATA_ENCRYPTION_KEYS=KEY, **overrides)


def add_consultation(application) -> int:  # type: ignore[no-untyped-def]
    with application.app_context():
        field = _db.session.scalar(select(Field).where(Field.code == "legal"))
        item = data.consultation(
            _db.session, field, None, citizen_phone=PHONE, citizen_name="홍길동", summary=SUMMARY
        )
        _db.session.commit()
        return item.id


def read_back(application, consultation_id: int) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    with application.app_context():
        item = _db.session.get(Consultation, consultation_id)
        found = (item.summary, item.citizen_phone)
        _db.session.remove()
        return found


@pytest.fixture
def sqlite_line(tmp_path, own_keyring):  # type: ignore[no-untyped-def]
    """Return a migrated SQLite line in a file, with one consultation, and its id."""
    application = line_on(f"sqlite:///{tmp_path / 'line.sqlite3'}")
    with application.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="heads")
    return application, add_consultation(application)


def test_sqlite_backup_restores_into_a_fresh_file_with_the_data_readable(sqlite_line, tmp_path):
    application, consultation_id = sqlite_line
    copy = tmp_path / "backup.sqlite3"
    result = application.test_cli_runner().invoke(backup_command, [str(copy)])
    assert result.exit_code == 0, result.output
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    restored = line_on(f"sqlite:///{copy}")
    assert read_back(restored, consultation_id) == (SUMMARY, PHONE)
    checked = restored.test_cli_runner().invoke(check_keys_command)
    assert checked.exit_code == 0, checked.output
    assert "consultations.summary: 1 readable, 0 not" in checked.output


def test_sqlite_backup_leaves_out_a_write_not_yet_committed(sqlite_line, tmp_path):
    application, _ = sqlite_line
    writer = sqlite3.connect(make_url(application.config["SQLALCHEMY_DATABASE_URI"]).database)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO blocked_numbers (digest, created_at) VALUES ('x', '2027-01-01')")
    try:
        copy = tmp_path / "during-a-write.sqlite3"
        result = application.test_cli_runner().invoke(backup_command, [str(copy)])
    finally:
        writer.rollback()
        writer.close()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(copy) as restored:
        assert restored.execute("SELECT count(*) FROM blocked_numbers").fetchone() == (0,)
        assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_sqlite_backup_refuses_to_overwrite_a_file(sqlite_line, tmp_path):
    application, _ = sqlite_line
    copy = tmp_path / "exists.sqlite3"
    copy.write_text("earlier backup")
    result = application.test_cli_runner().invoke(backup_command, [str(copy)])
    assert result.exit_code != 0
    assert "exists" in result.output
    assert copy.read_text() == "earlier backup"


def test_check_keys_fails_when_the_key_of_the_data_is_missing(sqlite_line):
    application, _ = sqlite_line
    other = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=application.config["SQLALCHEMY_DATABASE_URI"],
        DATA_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    result = other.test_cli_runner().invoke(check_keys_command)
    assert result.exit_code != 0
    assert "consultations.summary: 0 readable, 1 not" in result.output
    assert "DATA_ENCRYPTION_KEYS lacks their key" in result.output


def test_backup_of_postgresql_is_refused_with_where_to_look(own_keyring):
    application = line_on("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    result = application.test_cli_runner().invoke(backup_command, ["/tmp/never.sqlite3"])
    assert result.exit_code != 0
    assert "bin/backup-postgres" in result.output


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.postgres_only
def test_postgresql_dump_restores_into_a_fresh_database_with_the_data_readable(
    app, db, database_url, tmp_path, own_keyring
):
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    source = line_on(database_url)
    consultation_id = add_consultation(source)
    restore_name = f"{make_url(database_url).database}_restore"
    target = make_url(database_url).set(database=restore_name)
    admin = create_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{restore_name}"'))
        conn.execute(text(f'CREATE DATABASE "{restore_name}"'))
    env = {
        **os.environ,
        "DATABASE_URL": libpq(database_url),
        "DATA_ENCRYPTION_KEYS": KEY,
        "CALLCENTER_ENV": "development",
        "PYTHON": sys.executable,
    }
    dump = tmp_path / "line.dump"
    try:
        backed = subprocess.run(
            [ROOT / "bin/backup-postgres", dump],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert backed.returncode == 0, backed.stderr
        restored_run = subprocess.run(
            [ROOT / "bin/restore-postgres", dump, libpq(target.render_as_string(False))],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restored_run.returncode == 0, restored_run.stdout + restored_run.stderr
        assert "consultations.summary: 1 readable, 0 not" in restored_run.stdout
        restored = line_on(target.render_as_string(hide_password=False))
        assert read_back(restored, consultation_id) == (SUMMARY, PHONE)
        with restored.app_context():
            _db.engine.dispose()
        again = subprocess.run(
            [ROOT / "bin/restore-postgres", dump, libpq(target.render_as_string(False))],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode != 0
        assert "restore into an empty one" in again.stderr
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restore_name}" WITH (FORCE)'))
        admin.dispose()


def test_sqlite_file_database_is_kept_in_write_ahead_log_mode(sqlite_line):
    application, _ = sqlite_line
    with application.app_context():
        assert _db.session.scalar(text("PRAGMA journal_mode")) == "wal"
        _db.session.remove()


def test_sqlite_write_commits_while_another_connection_is_reading(sqlite_line):
    application, consultation_id = sqlite_line
    read_back(application, consultation_id)  # the app has opened the file
    path = make_url(application.config["SQLALCHEMY_DATABASE_URI"]).database
    reader = sqlite3.connect(path, isolation_level=None)
    writer = sqlite3.connect(path, timeout=0)  # no waiting: a lock would fail at once
    try:
        reader.execute("BEGIN")  # a read left open, as a long report's statement keeps one
        assert reader.execute("SELECT count(*) FROM blocked_numbers").fetchone() == (0,)
        writer.execute("INSERT INTO blocked_numbers (digest, created_at) VALUES ('x', '2027')")
        writer.commit()
        assert reader.execute("SELECT count(*) FROM blocked_numbers").fetchone() == (0,)
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM blocked_numbers").fetchone() == (1,)
    finally:
        reader.close()
        writer.close()


def test_sqlite_backup_of_a_stopped_line_leaves_no_log_files_beside_it(sqlite_line, tmp_path):
    application, _ = sqlite_line
    source = Path(make_url(application.config["SQLALCHEMY_DATABASE_URI"]).database)
    with application.app_context():
        _db.engine.dispose()  # the line is stopped: nobody has the file open
    logs = [source.with_name(source.name + suffix) for suffix in ("-wal", "-shm")]
    assert not any(log.exists() for log in logs)
    result = application.test_cli_runner().invoke(backup_command, [str(tmp_path / "copy.db")])
    assert result.exit_code == 0, result.output
    assert not any(log.exists() for log in logs)
