"""The app factory, configuration and the start page."""

import pytest

from callcenter import create_app
from callcenter.config import load_config


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production")


def test_production_starts_with_a_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
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
