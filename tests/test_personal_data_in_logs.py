"""Logs, error columns and the audit log carry masked numbers only, and no search words."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import flask_migrate
import pytest
from gunicorn.config import Config as GunicornConfig
from sqlalchemy import select, text
from twilio.base.exceptions import TwilioRestException

from callcenter import telephony
from callcenter.extensions import db as _db
from callcenter.logs import AccessLogger, ContextFilter, JsonFormatter
from callcenter.models import AuditEvent, OutboxMessage
from tests import backoffice_data as data

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = str(ROOT / "migrations")
NUMBER, MASKED = "+821012345678", "010-****-5678"
TWILIO_SAYS = f"The 'To' number {NUMBER} is not a valid phone number."


class Refusing:
    """A REST client that Twilio answers with a refusal naming the number."""

    @property
    def messages(self):  # type: ignore[no-untyped-def]
        def create(**options):  # type: ignore[no-untyped-def]
            raise TwilioRestException(400, "/Messages.json", TWILIO_SAYS, 21211)

        return SimpleNamespace(create=create)


@pytest.fixture
def refused_sms(app, db, settings, monkeypatch):  # type: ignore[no-untyped-def]
    """Send an SMS that Twilio refuses; return the JSON log lines it wrote."""
    settings(SANDBOX=False, TWILIO_ACCOUNT_SID="AC" + "1" * 32)
    monkeypatch.setattr(telephony, "_client", lambda: Refusing())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("callcenter")
    logger.addHandler(handler)
    try:
        sent = telephony.send_sms(db, NUMBER, "접수되었습니다.")
    finally:
        logger.removeHandler(handler)
    return sent, stream.getvalue()


def test_a_refused_sms_leaves_a_masked_number_in_the_outbox_error(db, refused_sms):
    sent, _ = refused_sms
    error = db.get(OutboxMessage, sent.outbox_id).error
    assert MASKED in error and NUMBER not in error


def test_the_json_log_of_a_refused_sms_masks_the_number(refused_sms):
    _, log = refused_sms
    assert MASKED in log and NUMBER not in log


def test_the_outbox_page_masks_a_number_left_in_an_old_error(client, login, db):
    db.add(OutboxMessage(kind="sms", to=NUMBER, body="x", status="failed", error=TWILIO_SAYS))
    db.commit()
    login("coordinator")
    page = client.get("/outbox").get_data(as_text=True)
    assert NUMBER not in page and "01012345678" not in page


def test_an_export_audits_that_words_were_searched_not_which(client, login, db, fields):
    data.consultation(db, fields["legal"], None)
    db.commit()
    login("coordinator")
    client.get("/consultations/export.csv?q=김민준 010-1234-5678&field=1&reason=감사")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.detail["filters"] == {"field": 1, "searched": True}


def test_an_app_log_record_names_a_calendar_feed_without_its_token(app):
    with app.test_request_context("/rosters/feeds/s3cret-token.ics"):
        record = logging.makeLogRecord({"msg": "feed failed"})
        ContextFilter().filter(record)
    assert record.path == "/rosters/feeds/….ics"


def access_line(path: str, referer: str = "-") -> str:
    """Return the access-log line gunicorn's configured logger writes for a request."""
    logger = AccessLogger(GunicornConfig())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path.partition("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    atoms = logger.atoms(response, request, environ, SimpleNamespace(seconds=0, microseconds=5))
    return logger.cfg.access_log_format % atoms


def test_the_access_log_drops_a_searchs_query_string():
    line = access_line("/consultations?q=%EA%B9%80%EB%AF%BC%EC%A4%80+01012345678")
    assert '"GET /consultations?… HTTP/1.1"' in line and "01012345678" not in line


def test_the_access_log_drops_a_calendar_feeds_token():
    assert "s3cret" not in access_line("/rosters/feeds/s3cret-token.ics")


def test_the_access_log_drops_the_query_string_of_the_referring_page():
    line = access_line("/consultations/12", referer="https://line.example/consultations?q=kim")
    assert "q=kim" not in line and "https://line.example/consultations?…" in line


def test_the_access_log_keeps_the_voice_lines_query_strings():
    assert "/ivr/offer?attempt=2&lang=ko" in access_line("/ivr/offer?attempt=2&lang=ko")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_with_its_config_writes_scrubbed_access_lines(tmp_path):
    port = _free_port()
    env = dict(
        os.environ,
        CALLCENTER_ENV="production",
        SECRET_KEY="a-real-secret-for-this-test",
        TWILIO_AUTH_TOKEN="a-real-twilio-token",
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        for path in ("/consultations?q=010-1234-5678", "/rosters/feeds/s3cret-token.ics"):
            # A redirect to sign in, a missing table: only the log lines matter.
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "GET /consultations?… HTTP/1.1" in output
    assert "/rosters/feeds/….ics" in output
    assert "1234-5678" not in output and "s3cret" not in output


def test_the_migration_masks_numbers_and_search_words_left_in_clear(app, db):
    db.remove()
    flask_migrate.downgrade(directory=MIGRATIONS, revision="0721")
    with _db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox_messages (kind, sandbox, status, error, created_at) "
                "VALUES ('sms', false, 'failed', :error, CURRENT_TIMESTAMP)"
            ),
            {"error": TWILIO_SAYS},
        )
        conn.execute(
            text(
                "INSERT INTO audit_events (at, action, object_type, detail) "
                "VALUES (CURRENT_TIMESTAMP, 'export', 'consultation', :detail)"
            ),
            {"detail": '{"format": "csv", "filters": {"q": "김민준", "field": 1}}'},
        )
    flask_migrate.upgrade(directory=MIGRATIONS, revision="heads")
    error = db.scalar(select(OutboxMessage.error))
    assert NUMBER not in error and "5678" in error
    assert db.scalar(select(AuditEvent.detail))["filters"] == {"field": 1, "searched": True}
