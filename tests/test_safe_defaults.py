"""Production entry points never run on development secrets; back-office answers stay private."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from callcenter import create_app
from callcenter.config import DEV_TWILIO_AUTH_TOKEN, load_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bare_environment(monkeypatch):
    """No CALLCENTER_ENV, no secrets, and not under the flask command."""
    for name in ("CALLCENTER_ENV", "SECRET_KEY", "TWILIO_AUTH_TOKEN", "FLASK_RUN_FROM_CLI"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def production_secrets(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "a-real-twilio-token")


def test_without_callcenter_env_the_app_is_built_for_production(bare_environment):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config()


def test_the_flask_command_keeps_development_without_callcenter_env(bare_environment, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    assert load_config().ENV_NAME == "development"


def test_production_refuses_to_start_without_a_twilio_auth_token(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    with pytest.raises(RuntimeError, match="TWILIO_AUTH_TOKEN"):
        load_config("production")


def test_production_refuses_the_development_twilio_auth_token(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", DEV_TWILIO_AUTH_TOKEN)
    with pytest.raises(RuntimeError, match="TWILIO_AUTH_TOKEN"):
        load_config("production")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_with_its_config_refuses_to_serve_on_development_secrets(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CALLCENTER_ENV", "SECRET_KEY", "TWILIO_AUTH_TOKEN", "FLASK_RUN_FROM_CLI")
    }
    env.update(
        BIND=f"127.0.0.1:{_free_port()}",
        WEB_CONCURRENCY="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while server.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if server.poll() is None:
        server.terminate()
        server.wait(10)
        pytest.fail("gunicorn started serving without CALLCENTER_ENV and without secrets")
    output = server.stdout.read() if server.stdout else ""
    assert server.returncode != 0
    assert "SECRET_KEY" in output


def test_production_pages_tell_browsers_to_use_https_only(production_secrets):
    app = create_app("production")
    response = app.test_client().get("/auth/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_development_pages_do_not_pin_https(monkeypatch):
    app = create_app("development")
    assert "Strict-Transport-Security" not in app.test_client().get("/auth/login").headers


@pytest.mark.parametrize(
    "path",
    [
        "/rosters/counselors",
        "/rosters/feeds",
        "/rosters/calendar",
        "/reports/2027",
        "/reports/wallboard",
    ],
)
def test_roster_and_report_pages_are_not_cached(client, login, path):
    login("admin")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_sign_in_page_is_not_cached(client):
    assert client.get("/auth/login").headers["Cache-Control"] == "no-store"


def test_a_signed_in_users_public_page_keeps_its_own_caching(client, login):
    login("coordinator")
    response = client.get("/status")
    assert response.headers["Cache-Control"] != "no-store"
