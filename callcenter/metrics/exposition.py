"""Serving the metrics: a port of their own (`flask metrics serve`), or a token at /metrics."""

from __future__ import annotations

import hmac
import os
import signal
import threading
from collections.abc import Iterable

import click
from flask import Blueprint, Flask, Response, abort, current_app, request
from flask.cli import AppGroup
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from callcenter.metrics.line import LineCollector
from callcenter.metrics.requests import REGISTRY

bp = Blueprint("metrics", __name__)
metrics_cli = AppGroup("metrics", help="Prometheus metrics of the line.")


def multiprocess_dir() -> str | None:
    """Return the folder gunicorn's workers write their figures to, if any."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _ThisProcess:
    """The request metrics of this very process (no gunicorn, one process)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def scrape_registry(app: Flask) -> CollectorRegistry:
    """Return a registry of everything a scrape shows: workers' figures and the database's."""
    registry = CollectorRegistry(auto_describe=False)
    folder = multiprocess_dir()
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_ThisProcess())
    registry.register(LineCollector(app))
    return registry


def exposition(app: Flask) -> bytes:
    """Return the metrics as Prometheus's text exposition format."""
    return generate_latest(scrape_registry(app))


@bp.get("/metrics")
def metrics() -> Response:
    """Serve the metrics to a bearer of METRICS_TOKEN; without a token there is no such page."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response("", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    response = Response(exposition(app), mimetype=None, content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def parse_bind(bind: str) -> tuple[str, int]:
    """Split `host:port` (IPv6 in brackets) into its parts."""
    host, _, port = bind.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


@metrics_cli.command("serve")
@click.option("--bind", default=None, help="host:port (default METRICS_BIND, 127.0.0.1:9100)")
def serve_command(bind: str | None) -> None:
    """Serve the metrics on their own port until SIGTERM or Ctrl-C."""
    from prometheus_client import start_http_server

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    host, port = parse_bind(bind or app.config.get("METRICS_BIND") or "127.0.0.1:9100")
    from callcenter.health import busy_board_state

    with app.app_context():
        busy_board_state(app)  # start listening, so that its trust is known at the first scrape
    server, thread = start_http_server(port, addr=host, registry=scrape_registry(app))
    click.echo(f"metrics on http://{host}:{port}/metrics")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1.0):
        pass
    server.shutdown()
    thread.join(5)
    click.echo("metrics stopped")
