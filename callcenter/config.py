"""Configuration classes, read from the environment once when the app is created."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

# Development-only secrets: good enough for a laptop, refused in production.
DEV_SECRET_KEY = "dev-only-secret-key-change-me"
DEV_TWILIO_AUTH_TOKEN = "sandbox-auth-token"
# PIPA's safety-measures standard: access records of a system holding 50,000 or more people's
# data are kept at least two years; AUDIT_RETENTION_DAYS may only keep them longer.
AUDIT_RETENTION_FLOOR_DAYS = 730
MAX_REQUEST_BYTES = 3 * 1024 * 1024


def _bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def default_database_url() -> str:
    """Return the embedded SQLite database under instance/."""
    return f"sqlite:///{INSTANCE_DIR / 'callcenter.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Make plain postgres:// URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    TESTING = False
    DEBUG = False

    def __init__(self) -> None:
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY") or None
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            env.get("DATABASE_URL") or default_database_url()
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.TWILIO_ACCOUNT_SID = env.get("TWILIO_ACCOUNT_SID") or None
        self.TWILIO_AUTH_TOKEN = env.get("TWILIO_AUTH_TOKEN") or None
        self.TWILIO_PHONE_NUMBER = env.get("TWILIO_PHONE_NUMBER") or "+827000000000"
        self.PUBLIC_BASE_URL = (env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None
        self.CALLCENTER_TIMEZONE = env.get("CALLCENTER_TIMEZONE") or "Asia/Seoul"
        # The city whose line this is, named in the public pages' header and footer.
        self.CITY_NAME = env.get("CITY_NAME") or ""
        self.CITY_NAME_EN = env.get("CITY_NAME_EN") or ""
        # Fernet keys for personal data at rest, newest first, comma separated.
        self.DATA_ENCRYPTION_KEYS = env.get("DATA_ENCRYPTION_KEYS") or None
        self.DATA_LOOKUP_KEY = env.get("DATA_LOOKUP_KEY") or None
        self.LOG_FORMAT = env.get("LOG_FORMAT") or "json"
        self.LOG_LEVEL = env.get("LOG_LEVEL") or "INFO"
        self.RECORDING_ENABLED = _bool("RECORDING_ENABLED", False)
        self.RETENTION_DAYS = _int("RETENTION_DAYS", 3 * 365)
        self.ADMIN_DESK_NUMBER = env.get("ADMIN_DESK_NUMBER") or None
        # Rosters and scheduled jobs (docs/rosters.md).
        self.SHIFT_REMINDER_MINUTES = env.get("SHIFT_REMINDER_MINUTES") or "1440,60"
        self.OPEN_SWAP_REMINDER_MINUTES = int(env.get("OPEN_SWAP_REMINDER_MINUTES") or 1440)
        self.COORDINATOR_ALERT_PHONES = env.get("COORDINATOR_ALERT_PHONES") or ""
        # A new voice message goes to a counselor rostered within this many hours.
        self.VOICEMAIL_ASSIGN_WITHIN_HOURS = _int("VOICEMAIL_ASSIGN_WITHIN_HOURS", 72)
        self.CALL_STALE_AFTER_MINUTES = _int("CALL_STALE_AFTER_MINUTES", 240)
        self.SCHEDULER_LEASE_SECONDS = _int("SCHEDULER_LEASE_SECONDS", 60)
        self.SCHEDULER_STANDBY_POLL_SECONDS = _int("SCHEDULER_STANDBY_POLL_SECONDS", 5)
        # Booked appointments (docs/rosters.md, Appointments): booking for a month opens on
        # this day of the month before, at this local time; a citizen's bookings per field
        # per month; the reminder goes out the day before, from this local time.
        self.APPOINTMENT_OPENS_DAY = _int("APPOINTMENT_OPENS_DAY", 25)
        self.APPOINTMENT_OPENS_AT = env.get("APPOINTMENT_OPENS_AT") or "10:00"
        self.APPOINTMENT_MAX_PER_FIELD_PER_MONTH = _int("APPOINTMENT_MAX_PER_FIELD_PER_MONTH", 1)
        self.APPOINTMENT_REMINDER_AT = env.get("APPOINTMENT_REMINDER_AT") or "10:00"
        self.APPOINTMENT_MAX_PER_HOUR = _int("APPOINTMENT_MAX_PER_HOUR", 60)
        # Back-office sign-ins end after this long without a request, and after this long at
        # most (docs/backoffice.md, Security).
        self.SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
        self.SESSION_LIFETIME_HOURS = _int("SESSION_LIFETIME_HOURS", 12)
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=self.SESSION_LIFETIME_HOURS)
        self.HSTS_MAX_AGE = _int("HSTS_MAX_AGE", 365 * 24 * 3600)
        # The largest request the app reads: the 2 MiB roster file and its form. The nginx
        # site (deploy/nginx/callcenter.conf) refuses larger ones with the same limit.
        self.MAX_CONTENT_LENGTH = MAX_REQUEST_BYTES
        # Operations (docs/operations.md): metrics and the access records.
        self.METRICS_TOKEN = env.get("METRICS_TOKEN") or None
        self.METRICS_BIND = env.get("METRICS_BIND") or "127.0.0.1:9100"
        self.AUDIT_RETENTION_DAYS = max(
            _int("AUDIT_RETENTION_DAYS", AUDIT_RETENTION_FLOOR_DAYS), AUDIT_RETENTION_FLOOR_DAYS
        )
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.BABEL_DEFAULT_LOCALE = "ko"
        self.BABEL_DEFAULT_TIMEZONE = self.CALLCENTER_TIMEZONE

    @property
    def sandbox(self) -> bool:
        """Whether outgoing SMS and calls are recorded instead of sent."""
        return not self.TWILIO_ACCOUNT_SID

    def validate(self) -> None:
        """Refuse settings that are unsafe for this environment."""


class DevelopmentConfig(Config):
    """A laptop or a demo: SQLite, sandbox Twilio, readable logs."""

    ENV_NAME = "development"
    DEBUG = False

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = self.SECRET_KEY or DEV_SECRET_KEY
        self.TWILIO_AUTH_TOKEN = self.TWILIO_AUTH_TOKEN or DEV_TWILIO_AUTH_TOKEN
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT") or "text"


class TestingConfig(DevelopmentConfig):
    """The test suite: its own database, CSRF off unless a test turns it on."""

    ENV_NAME = "testing"
    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("TEST_DATABASE_URL") or "sqlite:///:memory:"
        )
        self.WTF_CSRF_ENABLED = False
        self.TWILIO_ACCOUNT_SID = None
        self.LOG_LEVEL = "WARNING"


class ProductionConfig(Config):
    """A real deployment behind a proxy, with PostgreSQL."""

    ENV_NAME = "production"

    def validate(self) -> None:
        """Refuse to start on development secrets: our own secret key and Twilio token."""
        if not self.SECRET_KEY or self.SECRET_KEY == DEV_SECRET_KEY:
            raise RuntimeError(
                "SECRET_KEY is not set. Production needs its own secret: set the SECRET_KEY "
                "environment variable (see README, Configuration)."
            )
        if not self.TWILIO_AUTH_TOKEN or self.TWILIO_AUTH_TOKEN == DEV_TWILIO_AUTH_TOKEN:
            # Without the account's token every webhook would be refused (or, with the public
            # development token, anyone could sign one).
            raise RuntimeError(
                "TWILIO_AUTH_TOKEN is not set. Production checks every webhook against the "
                "Twilio account's auth token: set TWILIO_AUTH_TOKEN (see README, Configuration)."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def default_env_name() -> str:
    """Name the environment when CALLCENTER_ENV is unset: production, but for the flask command.

    gunicorn and any other WSGI server import `wsgi.py` as a production entry point, so an
    unset variable never runs a deployment on the public development secrets. The `flask`
    command line (`flask run`, `flask db upgrade` on a laptop) keeps development.
    """
    return "development" if os.environ.get("FLASK_RUN_FROM_CLI") == "true" else "production"


def load_config(name: str | None = None) -> Config:
    """Build the configuration named by the argument or CALLCENTER_ENV."""
    name = name or os.environ.get("CALLCENTER_ENV") or default_env_name()
    try:
        config = CONFIGS[name]()
    except KeyError:
        raise RuntimeError(
            f"Unknown CALLCENTER_ENV {name!r}; use one of {', '.join(CONFIGS)}."
        ) from None
    config.validate()
    return config
