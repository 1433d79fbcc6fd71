"""Production settings: secrets, keys, the public URL, proxies, cookies, retention."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import phonenumbers

from callcenter.config import AUDIT_RETENTION_FLOOR_DAYS, DEV_SECRET_KEY, DEV_TWILIO_AUTH_TOKEN
from callcenter.preflight.findings import Finding, fail, ok, warn

PLACEHOLDER_NUMBER = "+827000000000"
NEW_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
NEW_KEY = "flask --app wsgi data new-key"


def check_settings(config: Any) -> Iterator[Finding]:
    """Check the settings a production line must have."""
    yield from _environment(config)
    yield from _secrets(config)
    yield from _keys(config)
    yield from _public_url(config)
    yield from _proxies(config)
    yield from _twilio_number(config)
    yield from _retention()
    yield from _database(config)


def _environment(config: Any) -> Iterator[Finding]:
    if config.get("ENV_NAME") == "production":
        yield ok("CALLCENTER_ENV is production")
    else:
        yield fail(
            f"CALLCENTER_ENV is {config.get('ENV_NAME')}, not production",
            "set CALLCENTER_ENV=production in the environment file",
        )
    if config.get("SESSION_COOKIE_SECURE"):
        yield ok("session cookies are sent over HTTPS only")
    else:
        yield fail(
            "SESSION_COOKIE_SECURE is off", "set SESSION_COOKIE_SECURE=1 (the production default)"
        )


def _secrets(config: Any) -> Iterator[Finding]:
    secret = config.get("SECRET_KEY") or ""
    if not secret or secret == DEV_SECRET_KEY:
        yield fail(
            "SECRET_KEY is not set, or is the development value", f"generate one: {NEW_SECRET}"
        )
    elif len(secret) < 32:
        yield fail(f"SECRET_KEY has only {len(secret)} characters", f"generate one: {NEW_SECRET}")
    else:
        yield ok("SECRET_KEY is set")
    token = config.get("TWILIO_AUTH_TOKEN") or ""
    if not token or token == DEV_TWILIO_AUTH_TOKEN:
        yield fail(
            "TWILIO_AUTH_TOKEN is not set, or is the development value",
            "copy the auth token from the Twilio console (Account, API keys & tokens)",
        )
    else:
        yield ok("TWILIO_AUTH_TOKEN is set")
    metrics = config.get("METRICS_TOKEN") or ""
    if metrics and len(metrics) < 24:
        yield warn("METRICS_TOKEN is short and easy to guess", f"generate one: {NEW_SECRET}")


def _keys(config: Any) -> Iterator[Finding]:
    raw = config.get("DATA_ENCRYPTION_KEYS") or ""
    if not raw:
        yield fail(
            "DATA_ENCRYPTION_KEYS is not set: personal data is encrypted with a key derived from "
            "SECRET_KEY, so changing SECRET_KEY would make it unreadable",
            f"generate a key with `{NEW_KEY}`, set DATA_ENCRYPTION_KEYS to it, then run "
            "`flask --app wsgi data rotate-keys` (docs/operations.md, Keys)",
        )
    else:
        # The app refuses to start with a key that is not a Fernet key: these are usable.
        keys = [k for k in raw.split(",") if k.strip()]
        yield ok(f"DATA_ENCRYPTION_KEYS holds {len(keys)} key(s)")
    if config.get("DATA_LOOKUP_KEY"):
        yield ok("DATA_LOOKUP_KEY is set")
    else:
        yield fail(
            "DATA_LOOKUP_KEY is not set: look-up digests are derived from SECRET_KEY",
            f"generate one: {NEW_SECRET}, set it, then `flask --app wsgi data reindex-search`",
        )


def _public_url(config: Any) -> Iterator[Finding]:
    base = config.get("PUBLIC_BASE_URL") or ""
    parts = urlparse(base)
    if not base:
        yield fail(
            "PUBLIC_BASE_URL is not set: webhook signatures are checked against whatever URL "
            "the request seems to have",
            "set PUBLIC_BASE_URL to the https:// address Twilio calls",
        )
    elif parts.scheme != "https" or not parts.hostname:
        yield fail(
            f"PUBLIC_BASE_URL {base} is not an https:// address",
            "Twilio must reach the line over HTTPS: set PUBLIC_BASE_URL=https://...",
        )
    elif parts.query or parts.fragment:
        yield fail(f"PUBLIC_BASE_URL {base} has a query or fragment")
    else:
        yield ok(f"PUBLIC_BASE_URL is {base}")


def _proxies(config: Any) -> Iterator[Finding]:
    count = int(config.get("TRUSTED_PROXY_COUNT") or 0)
    if count < 0:
        yield fail("TRUSTED_PROXY_COUNT is negative")
    elif count == 0:
        yield warn(
            "TRUSTED_PROXY_COUNT is 0: behind a proxy, audit records and rate limits see the "
            "proxy's address instead of the client's",
            "set TRUSTED_PROXY_COUNT=1 for one nginx in front of gunicorn",
        )
    else:
        yield ok(f"X-Forwarded-* headers of {count} proxy(ies) are believed")


def _twilio_number(config: Any) -> Iterator[Finding]:
    number = config.get("TWILIO_PHONE_NUMBER") or ""
    live = bool(config.get("TWILIO_ACCOUNT_SID"))
    try:
        valid = phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        valid = False
    if not valid or number == PLACEHOLDER_NUMBER:
        finding = fail if live else warn
        yield finding(
            f"TWILIO_PHONE_NUMBER {number or '(unset)'} is not the line's real number",
            "set TWILIO_PHONE_NUMBER to the line's number in E.164 (+82...)",
        )
    else:
        yield ok(f"TWILIO_PHONE_NUMBER is {number}")
    if live:
        yield ok("live mode: SMS and calls go out through Twilio")
    else:
        yield warn(
            "sandbox mode: TWILIO_ACCOUNT_SID is not set, so SMS and calls are only recorded",
            "set TWILIO_ACCOUNT_SID for a live line",
        )


def _retention() -> Iterator[Finding]:
    raw = os.environ.get("AUDIT_RETENTION_DAYS", "")
    if raw.isdigit() and int(raw) < AUDIT_RETENTION_FLOOR_DAYS:
        yield warn(
            f"AUDIT_RETENTION_DAYS={raw} is below the legal floor; access records are kept "
            f"{AUDIT_RETENTION_FLOOR_DAYS} days",
            f"set AUDIT_RETENTION_DAYS to {AUDIT_RETENTION_FLOOR_DAYS} or more",
        )


def _database(config: Any) -> Iterator[Finding]:
    url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if url.startswith("sqlite"):
        yield warn(
            "the database is the embedded SQLite file: one machine only",
            "back it up with `flask --app wsgi data backup` (docs/operations.md)",
        )
