"""Structured logging: one JSON object a line in production, readable text in development.

Logs carry no personal data in clear: every phone number in a message, an exception or a
context value is masked (`010-****-5678`), and request paths and URLs are written without
the query strings that may hold search words and without calendar-feed tokens. gunicorn's
access log goes through the same rules (`AccessLogger`, named in gunicorn.conf.py).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

from flask import g, has_request_context, request
from gunicorn.glogging import Logger as GunicornLogger

from callcenter.phones import mask_numbers

# Attributes every LogRecord has; anything else was passed through `extra=` and is context.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

# Paths whose query strings are kept: the voice line's own (attempt, lang), static files and
# the public status. Any other (a back-office search, its filters) may name a person.
PUBLIC_QUERY_PATHS = ("/ivr/", "/static/", "/status", "/api/status", "/healthz", "/readyz")
# A calendar feed's URL is its password.
_FEED_TOKEN = re.compile(r"^(/rosters/feeds/)[^/]+(\.ics)$")
HIDDEN = "…"


def loggable_url(path: str, query: str = "") -> str:
    """Return a request's path and query as logs may show them."""
    path = _FEED_TOKEN.sub(rf"\g<1>{HIDDEN}\g<2>", path)
    if query and not path.startswith(PUBLIC_QUERY_PATHS):
        query = HIDDEN
    return mask_numbers(f"{path}?{query}" if query else path)


def loggable_referer(referer: str | None) -> str:
    """Return a Referer header as logs may show it (a back-office page's URL, scrubbed)."""
    if not referer or referer == "-":
        return referer or "-"
    parts = urlsplit(referer)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return origin + loggable_url(parts.path, parts.query)


def scrub(value: str) -> str:
    """Mask the phone numbers in a piece of log text."""
    return mask_numbers(value)


class ContextFilter(logging.Filter):
    """Attach the request path and Twilio CallSid to every record made inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.path = loggable_url(request.path)
            call_sid = request.values.get("CallSid") if request.method == "POST" else None
            if call_sid and not hasattr(record, "call_sid"):
                record.call_sid = call_sid
            record.request_id = request_id()
        return True


def request_id() -> str:
    """Return the id of the current request: the proxy's X-Request-Id, else a new one.

    Made on first use, so requests that log nothing do not pay for it.
    """
    found = g.get("request_id")
    if found is None:
        found = g.request_id = request.headers.get("X-Request-Id") or os.urandom(8).hex()
    return found


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, str | int | float] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value if isinstance(value, int | float | bool) else scrub(str(value))
        if record.exc_info:
            payload["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Format a record as one readable line, context appended as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{key}={value}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_")
        ]
        return scrub(f"{line} {' '.join(extras)}" if extras else line)


def configure_logging(fmt: str, level: str, *, propagate: bool = False) -> None:
    """Send the app's logs to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ContextFilter())
    for name in ("callcenter", "ivr", "schedules"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        # Tests read records through the root logger (pytest's caplog).
        logger.propagate = propagate


class AccessLogger(GunicornLogger):
    """gunicorn's logger, whose access lines hold no search words, numbers or feed tokens."""

    def atoms(self, resp, req, environ, request_time):
        """Return gunicorn's access-log fields with the request's URL and Referer scrubbed."""
        # Its stubs list the fixed atoms only; gunicorn adds {header}i and {variable}e ones.
        atoms = cast(dict[str, Any], super().atoms(resp, req, environ, request_time))
        raw_path, _, raw_query = (environ.get("RAW_URI") or environ.get("PATH_INFO", "")).partition(
            "?"
        )
        shown = loggable_url(raw_path, raw_query)
        method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
        atoms["r"] = f"{method} {shown} {protocol}"
        atoms["U"] = atoms["{path_info}e"] = loggable_url(environ.get("PATH_INFO", ""))
        atoms["q"] = atoms["{query_string}e"] = shown.partition("?")[2]
        atoms["{raw_uri}e"] = shown
        referer = loggable_referer(environ.get("HTTP_REFERER"))
        atoms["f"] = atoms["{referer}i"] = atoms["{http_referer}e"] = referer
        return atoms
