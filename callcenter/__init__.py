"""The counseling line's Flask application."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import get_locale
from werkzeug.routing import IntegerConverter, Map

from callcenter import labels, language
from callcenter.arguments import MAX_ID
from callcenter.config import Config, load_config
from callcenter.crypto import keyring
from callcenter.extensions import babel, csrf, db, login_manager, migrate
from callcenter.logs import configure_logging
from callcenter.nav import account_items, current_trail, nav_groups, visible_nav_items
from callcenter.sessions import CookieSessions

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(config: str | Config | None = None, **overrides: Any) -> Flask:
    """Build the app; never touches the database."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    settings = config if isinstance(config, Config) else load_config(config)
    app.config.from_object(settings)
    app.config["ENV_NAME"] = settings.ENV_NAME
    app.config["SANDBOX"] = settings.sandbox
    app.config.update(overrides)
    if "TWILIO_ACCOUNT_SID" in overrides:
        app.config["SANDBOX"] = not overrides["TWILIO_ACCOUNT_SID"]

    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES",
        ";".join(str(p) for p in sorted((ROOT / "translations").glob("*")) if p.is_dir()),
    )
    configure_logging(
        app.config["LOG_FORMAT"], app.config["LOG_LEVEL"], propagate=app.config["TESTING"]
    )
    keyring.configure(
        app.config["DATA_ENCRYPTION_KEYS"],
        app.config.get("DATA_LOOKUP_KEY"),
        app.config["SECRET_KEY"],
    )
    ensure_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    app.session_interface = CookieSessions()
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_request_hooks(app)
    register_metrics(app)
    trust_proxies(app)
    return app


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of an SQLite database file (e.g. instance/), which SQLite will not."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        Path(url[len(prefix) :].split("?")[0]).parent.mkdir(parents=True, exist_ok=True)


def city_name() -> str:
    """Return the city's name in the interface's language, empty when none is set."""
    config = current_app.config
    if str(get_locale()) == "en" and config.get("CITY_NAME_EN"):
        return str(config["CITY_NAME_EN"])
    return str(config.get("CITY_NAME") or "")


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    babel.init_app(app, locale_selector=language.select_locale)
    language.register(app)
    from callcenter.models import lengths

    lengths.install()  # texts longer than their columns are refused before any write
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["nav_items"] = visible_nav_items
    app.jinja_env.globals["nav_groups"] = nav_groups
    app.jinja_env.globals["account_items"] = account_items
    app.jinja_env.globals["current_trail"] = current_trail
    app.jinja_env.globals["city_name"] = city_name
    labels.register(app)

    from callcenter.auth.sessions import signed_in_user

    login_manager.user_loader(signed_in_user)


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs, bounded: an id beyond any database integer is not found (404)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    """Mount the back office, the public pages and the IVR webhooks."""
    app.url_map.converters["int"] = IdConverter
    from callcenter.auth import bp as auth_bp
    from callcenter.backoffice import bp as backoffice_bp
    from callcenter.health import bp as health_bp
    from callcenter.public import bp as public_bp
    from callcenter.reports import bp as reports_bp
    from callcenter.rosters import bp as rosters_bp
    from ivr import bp as ivr_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(backoffice_bp)
    app.register_blueprint(rosters_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(ivr_bp)
    app.register_blueprint(health_bp)
    # Twilio signs its webhooks; a CSRF token makes no sense there.
    csrf.exempt(ivr_bp)


def register_errorhandlers(app: Flask) -> None:
    """Answer errors with pages, and log what we caused."""
    from callcenter.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    """Add the project's commands to `flask`."""
    from callcenter.commands import demo_cli, users_cli
    from callcenter.data_cli import data_cli
    from callcenter.preflight import preflight_command, register_probe
    from schedules.cli import oncall_command, roster_cli
    from schedules.scheduler import scheduler_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(roster_cli)
    app.cli.add_command(oncall_command)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(data_cli)
    app.cli.add_command(preflight_command)
    register_probe(app)


def register_metrics(app: Flask) -> None:
    """Time and count every answer; serve the metrics (docs/operations.md)."""
    from callcenter.metrics import bp as metrics_bp
    from callcenter.metrics import metrics_cli, register_request_metrics

    register_request_metrics(app)
    app.register_blueprint(metrics_bp)
    app.cli.add_command(metrics_cli)


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-* from TRUSTED_PROXY_COUNT proxies (webhook signatures need it)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            KnownAddress(app.wsgi_app),
            x_for=count,
            x_proto=count,
            x_host=count,
            x_port=count,
            x_prefix=count,
        )


# Blueprints whose every page is the back office's (signing in included).
PRIVATE_BLUEPRINTS = frozenset({"auth", "backoffice", "rosters", "reports"})


def is_private_response() -> bool:
    """Whether this answer belongs to the back office or to a signed-in user."""
    if request.blueprint in PRIVATE_BLUEPRINTS:
        return True
    # Only a user this request already loaded: webhooks and public pages never load one.
    return bool(getattr(g.get("_login_user"), "is_authenticated", False))


class KnownAddress:
    """Keep the proxy's own address when X-Forwarded-For names no IP address.

    The header is free text from the client's side of the proxy; a kilobyte of it would
    otherwise become `request.remote_addr`, which audit and sign-in records store.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        address = environ.get("REMOTE_ADDR") or ""
        try:
            ipaddress.ip_address(address)
        except ValueError:
            original = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
            environ["REMOTE_ADDR"] = original
        return self.wsgi_app(environ, start_response)


def register_request_hooks(app: Flask) -> None:
    """Send the security headers; request ids are made when something is logged."""
    hsts = int(app.config.get("HSTS_MAX_AGE") or 0)
    strict_transport = (
        f"max-age={hsts}; includeSubDomains"
        if app.config["ENV_NAME"] == "production" and hsts > 0
        else None
    )

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/xml":
            # TwiML for Twilio: nothing in it is framed, rendered or follows links, and the
            # voice webhooks answer many times a second.
            return response
        if strict_transport:
            response.headers.setdefault("Strict-Transport-Security", strict_transport)
        if is_private_response():
            # Personal data: keep it out of shared and back-button caches. A view that
            # chose its own caching (a calendar feed) keeps it.
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "media-src 'self'; frame-ancestors 'none'",
        )
        return response
