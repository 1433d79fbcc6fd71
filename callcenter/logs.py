"""Structured logging: one JSON object a line in production, readable text in development."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from flask import g, has_request_context, request

# Attributes every LogRecord has; anything else was passed through `extra=` and is context.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class ContextFilter(logging.Filter):
    """Attach the request path and Twilio CallSid to every record made inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.path = request.path
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
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
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
        return f"{line} {' '.join(extras)}" if extras else line


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
