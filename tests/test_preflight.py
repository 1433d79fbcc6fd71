"""`flask preflight`: settings, database, scheduler, the Twilio number, signatures via a proxy."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse

from callcenter import create_app
from callcenter.crypto import keyring
from callcenter.extensions import db as _db
from callcenter.health import migration_heads
from callcenter.models import Call
from callcenter.preflight import preflight_command, report, run_preflight
from callcenter.preflight.findings import FAIL
from schedules.leader import LeaderLock

PUBLIC = "https://line.example.go.kr"
NUMBER = "+82318282000"
ACCOUNT = "AC" + "1" * 32


@pytest.fixture
def deployment(app, db, database_url):
    """Return a builder of apps with production settings over the test database."""
    built = []

    def build(**overrides):  # type: ignore[no-untyped-def]
        settings = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "ENV_NAME": "production",
            "SECRET_KEY": "a-production-secret-key-of-enough-length-0123456789",
            "TWILIO_AUTH_TOKEN": "a-real-looking-auth-token-0123456789",
            "TWILIO_PHONE_NUMBER": NUMBER,
            "DATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATA_LOOKUP_KEY": "a-lookup-key-of-enough-length-0123456789",
            "PUBLIC_BASE_URL": PUBLIC,
            "TRUSTED_PROXY_COUNT": 1,
            "SESSION_COOKIE_SECURE": True,
            **overrides,
        }
        built.append(create_app("testing", **settings))
        return built[-1]

    yield build
    # Each app configures the process's keyring: give the suite's back.
    config = app.config
    keyring.configure(
        config["DATA_ENCRYPTION_KEYS"], config.get("DATA_LOOKUP_KEY"), config["SECRET_KEY"]
    )


def through_nginx(application):  # type: ignore[no-untyped-def]
    """Post as nginx forwards to gunicorn: to 127.0.0.1:8000, with X-Forwarded-* headers."""
    client = application.test_client()

    def post(url: str, headers: dict[str, str], form: dict[str, str]) -> tuple[int, str]:
        parts = urlparse(url)
        forwarded = {
            **headers,
            "X-Forwarded-Proto": parts.scheme,
            "X-Forwarded-Host": parts.netloc,
            "X-Forwarded-For": "203.0.113.5",
        }
        answer = client.post(
            parts.path, data=form, headers=forwarded, base_url="http://127.0.0.1:8000"
        )
        return answer.status_code, answer.get_data(as_text=True)

    return post


@pytest.fixture
def scheduler_running(app, db):
    lock = LeaderLock(_db.engine, timedelta(seconds=60), holder="scheduler-host:1")
    assert lock.acquire()
    yield lock
    lock.release()


def findings(application, **options):  # type: ignore[no-untyped-def]
    with application.app_context():
        options.setdefault("post", through_nginx(application))
        return dict(run_preflight(**options))


def failures(sections) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.text for found in sections.values() for f in found if f.level == FAIL]


def test_a_well_set_deployment_passes(deployment, scheduler_running):
    assert failures(findings(deployment())) == []


def test_a_mis_set_proxy_url_fails_with_the_url_the_app_saw(deployment, scheduler_running):
    application = deployment(PUBLIC_BASE_URL=None, TRUSTED_PROXY_COUNT=0)
    found = findings(application, public_url=PUBLIC)["Webhook signature through the proxy"]
    (refused,) = [f for f in found if f.level == FAIL]
    assert refused.text == (
        f"a request Twilio signs for {PUBLIC}/ivr/voice is refused with 403: "
        "the app rebuilt the URL as http://127.0.0.1:8000/ivr/voice"
    )
    assert "set TRUSTED_PROXY_COUNT" in refused.fix
    assert f"PUBLIC_BASE_URL={PUBLIC}" in refused.fix


def test_the_signature_probe_starts_no_call(deployment, scheduler_running, db):
    findings(deployment())
    assert db.scalar(select(func.count()).select_from(Call)) == 0


def test_a_probe_without_the_secret_learns_nothing_but_the_verdict(deployment):
    client = deployment().test_client()
    answer = client.post(
        "/ivr/voice", headers={"X-Callcenter-Preflight": "1.forged"}, data={"CallSid": "CAx"}
    )
    assert answer.status_code == 403
    assert answer.get_json() == {"probe": "preflight", "signature": "invalid"}


class FakeTwilio(HttpClient):
    """Twilio's REST API answering the number look-up with one number's settings."""

    def __init__(self, **number: object) -> None:
        import logging

        super().__init__(logging.getLogger("twilio.http_client"), is_async=False)
        self.number = {
            "sid": "PN" + "1" * 32,
            "account_sid": ACCOUNT,
            "phone_number": NUMBER,
            "voice_url": f"{PUBLIC}/ivr/voice",
            "voice_method": "POST",
            "voice_fallback_url": f"{PUBLIC}/ivr/fallback",
            "voice_fallback_method": "POST",
            "status_callback": f"{PUBLIC}/ivr/status",
            "status_callback_method": "POST",
            "voice_application_sid": None,
            **number,
        }
        self.asked: list[tuple[str, str, object]] = []

    def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,  # type: ignore[no-untyped-def,override]
        timeout=None,
        allow_redirects=False,
    ):
        self.asked.append((method, url, params))
        page = {
            "incoming_phone_numbers": [self.number],
            "next_page_uri": None,
            "page": 0,
            "page_size": 1,
            "start": 0,
            "end": 0,
            "uri": url,
        }
        return TwilioResponse(200, json.dumps(page))


def live(monkeypatch, **number: object) -> FakeTwilio:  # type: ignore[no-untyped-def]
    fake = FakeTwilio(**number)
    monkeypatch.setattr("callcenter.preflight.twilio_number.http_client", lambda: fake)
    return fake


def test_live_mode_reads_the_number_and_finds_its_urls_right(
    deployment, scheduler_running, monkeypatch
):
    fake = live(monkeypatch)
    sections = findings(deployment(TWILIO_ACCOUNT_SID=ACCOUNT))
    assert failures(sections) == []
    assert fake.asked[0][2] == {"PhoneNumber": NUMBER, "PageSize": 1}
    assert any("Call status changes (URL)" in f.text for f in sections["Twilio number"])


def test_live_mode_fails_when_the_number_points_elsewhere(
    deployment, scheduler_running, monkeypatch
):
    live(monkeypatch, voice_url="https://old.example.go.kr/ivr/voice", status_callback="")
    sections = findings(deployment(TWILIO_ACCOUNT_SID=ACCOUNT))
    failed = failures(sections)
    assert "A call comes in (URL) is https://old.example.go.kr/ivr/voice" in failed
    assert "Call status changes (URL) is (empty)" in failed
    # The probe is signed for the URL Twilio really calls, which the app does not serve as.
    assert any(text.startswith("a request Twilio signs for https://old.") for text in failed)


def test_live_mode_fails_when_the_number_uses_a_twiml_app(
    deployment, scheduler_running, monkeypatch
):
    live(monkeypatch, voice_application_sid="AP" + "2" * 32)
    assert any("TwiML App" in t for t in failures(findings(deployment(TWILIO_ACCOUNT_SID=ACCOUNT))))


def test_sandbox_mode_prints_what_to_set_on_the_number(deployment, scheduler_running):
    (instructions,) = findings(deployment())["Twilio number"]
    assert f"A call comes in (URL): {PUBLIC}/ivr/voice" in instructions.fix
    assert f"Primary handler fails (URL): {PUBLIC}/ivr/fallback" in instructions.fix


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        (
            "SECRET_KEY",
            "dev-only-secret-key-change-me",
            "SECRET_KEY is not set, or is the development value",
        ),
        (
            "TWILIO_AUTH_TOKEN",
            "sandbox-auth-token",
            "TWILIO_AUTH_TOKEN is not set, or is the development value",
        ),
        (
            "PUBLIC_BASE_URL",
            "http://line.example.go.kr",
            "PUBLIC_BASE_URL http://line.example.go.kr is not an https:// address",
        ),
        ("SESSION_COOKIE_SECURE", False, "SESSION_COOKIE_SECURE is off"),
        ("ENV_NAME", "development", "CALLCENTER_ENV is development, not production"),
    ],
)
def test_an_unsafe_setting_fails(deployment, scheduler_running, setting, value, expected):
    assert expected in failures(findings(deployment(**{setting: value}), probe=False))


def test_no_scheduler_holding_the_lock_fails(deployment):
    assert any(
        t.startswith("no scheduler holds the lock") for t in failures(findings(deployment()))
    )


def test_migrations_behind_fail(app, deployment, scheduler_running, db):
    (head,) = migration_heads(app)
    db.execute(text("UPDATE alembic_version SET version_num = '0700'"))
    db.commit()
    try:
        failed = failures(findings(deployment(), probe=False))
    finally:
        db.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.commit()
    assert f"the schema is not at the migrations' head (database 0700, code {head})" in failed


def test_preflight_command_exits_non_zero_with_readable_lines(runner):
    result = runner.invoke(preflight_command, ["--no-probe"])
    assert result.exit_code == 1
    assert "  FAIL  CALLCENTER_ENV is testing, not production" in result.output
    assert result.output.rstrip().endswith("not ready for go-live.")


def test_report_counts_failures_and_warnings(deployment, scheduler_running):
    lines, failed, warnings = report(findings(deployment()).items())
    assert failed == 0
    assert warnings >= 1  # sandbox mode
    assert lines[0] == "Settings"
