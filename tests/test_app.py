"""The app factory, configuration and the start page."""

import logging

import pytest
from twilio.request_validator import RequestValidator

from callcenter import create_app
from callcenter.config import load_config
from callcenter.logs import ContextFilter


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production")


def test_production_starts_with_a_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "a-real-twilio-token")
    app = create_app("production")
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_creating_the_app_never_touches_the_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_sandbox_mode_without_account_sid(monkeypatch):
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    assert create_app("development").config["SANDBOX"] is True


def test_unknown_environment_name_is_refused():
    with pytest.raises(RuntimeError, match="CALLCENTER_ENV"):
        load_config("staging")


def test_start_page_lists_the_default_fields(client, login):
    login("coordinator")
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("법률", "건축", "세무", "노무"):
        assert name in page


def test_html_pages_carry_the_security_headers(client):
    response = client.get("/auth/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_twiml_answers_skip_the_html_page_policies(app, client):
    form = {"CallSid": "CAheaders", "From": "+821055551234"}
    url = "http://localhost/ivr/fallback"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, form)
    response = client.post("/ivr/fallback", data=form, headers={"X-Twilio-Signature": signature})
    assert response.mimetype == "text/xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers


def test_log_records_carry_the_proxy_request_id(app):
    with app.test_request_context("/", headers={"X-Request-Id": "edge-42"}):
        record = logging.makeLogRecord({"msg": "hello"})
        ContextFilter().filter(record)
    assert record.request_id == "edge-42"


def test_log_records_of_one_request_share_a_new_request_id(app):
    with app.test_request_context("/"):
        first, second = logging.makeLogRecord({}), logging.makeLogRecord({})
        ContextFilter().filter(first)
        ContextFilter().filter(second)
    with app.test_request_context("/"):
        other = logging.makeLogRecord({})
        ContextFilter().filter(other)
    assert len(first.request_id) == 16
    assert first.request_id == second.request_id != other.request_id
