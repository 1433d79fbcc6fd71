"""What each web worker measures as it answers: webhook latency, answers, apologies, trust."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, has_request_context, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)

# This process's own figures when it is not one of several workers (see `exposition`).
REGISTRY = CollectorRegistry(auto_describe=True)
STARTED = "callcenter.started"  # WSGI environ key: when the request reached the app

# Twilio gives up on a webhook after 15 seconds; the line aims for well under one.
WEBHOOK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)

WEBHOOK_SECONDS = Histogram(
    "callcenter_webhook_duration_seconds",
    "Time to answer a Twilio webhook, by endpoint.",
    ["endpoint"],
    buckets=WEBHOOK_BUCKETS,
    registry=REGISTRY,
)
WEBHOOK_ANSWERS = Counter(
    "callcenter_webhook_responses",
    "Twilio webhook answers by endpoint and HTTP status.",
    ["endpoint", "status"],
    registry=REGISTRY,
)
WEBHOOK_FAILURES = Counter(
    "callcenter_webhook_failures",
    "Webhooks that failed inside and answered with the spoken apology, by endpoint.",
    ["endpoint"],
    registry=REGISTRY,
)
FALLBACKS = Counter(
    "callcenter_fallback_answers",
    "Answers of /ivr/fallback: after our own apology, or because Twilio's primary request failed.",
    ["reason"],
    registry=REGISTRY,
)
HTTP_ANSWERS = Counter(
    "callcenter_http_responses",
    "Answers to everything but the webhooks, by area (blueprint) and HTTP status.",
    ["area", "status"],
    registry=REGISTRY,
)
BOARD_WORKERS = Gauge(
    "callcenter_busy_board_workers",
    "Web workers whose busy board is trusted or untrusted, as of their last voice request.",
    ["state"],
    multiprocess_mode="livesum",
    registry=REGISTRY,
)


def endpoint_label() -> str:
    """Return the request's endpoint, or `unknown` for a URL nothing serves."""
    return request.endpoint or "unknown"


def observe(response: Any) -> Any:
    """Count an answer and time it; never stand in the answer's way."""
    try:
        endpoint = endpoint_label()
        status = str(response.status_code)
        if endpoint.startswith("ivr."):
            started = request.environ.get(STARTED)
            if started is not None:
                WEBHOOK_SECONDS.labels(endpoint).observe(time.perf_counter() - started)
            WEBHOOK_ANSWERS.labels(endpoint, status).inc()
            if endpoint == "ivr.fallback":
                _count_fallback()
            _note_board()
        else:
            area = endpoint.split(".", 1)[0] if "." in endpoint else endpoint
            HTTP_ANSWERS.labels(area, status).inc()
    except Exception:  # a metric must never cost a caller their answer
        logging.getLogger(__name__).exception("could not record request metrics")
    return response


def _count_fallback() -> None:
    if "DialCallStatus" in request.form:
        return  # the desk's line ended: the same fallback, second half
    reason = "apology" if request.args.get("after") == "error" else "twilio"
    FALLBACKS.labels(reason).inc()


def _note_board() -> None:
    from flask import current_app

    board = current_app.extensions.get("ivr_busy_board")
    if board is None:
        return
    trusted = bool(board.live)
    BOARD_WORKERS.labels("trusted").set(1 if trusted else 0)
    BOARD_WORKERS.labels("untrusted").set(0 if trusted else 1)


class WebhookFailureCounter(logging.Handler):
    """Count the failures the webhook guard logs before it answers with an apology."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR and record.exc_info and has_request_context():
            WEBHOOK_FAILURES.labels(endpoint_label()).inc()


_FAILURES = WebhookFailureCounter()


class StartStamp:
    """WSGI middleware: note when a request reached the app, before any hook runs."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        environ[STARTED] = time.perf_counter()
        return self.app(environ, start_response)


def register_request_metrics(app: Flask) -> None:
    """Time and count every answer of this app."""
    disable_created_metrics()  # `_created` series double every counter and help nobody here
    app.wsgi_app = StartStamp(app.wsgi_app)  # type: ignore[method-assign]
    app.after_request(observe)
    guard = logging.getLogger("ivr.responses")
    if _FAILURES not in guard.handlers:
        guard.addHandler(_FAILURES)
