"""Prometheus metrics of the line, with the official `prometheus-client`.

Two kinds, both in the exposition format (docs/operations.md lists every metric):

- what each web worker measures as it answers (`requests`): webhook latency per endpoint,
  answers by status, apologies, its busy board's trust. Under gunicorn each worker writes them
  to files in PROMETHEUS_MULTIPROC_DIR, added up at scrape time.
- what the database says at scrape time (`line`): calls by outcome, rings by result, queues,
  SMS and REST failures, scheduled jobs, numbers that fail. Read fresh on each scrape, so they
  are the same whichever process is asked.

They are served by `flask --app wsgi metrics serve` on a port of their own (loopback by
default), and at `/metrics` of the app only when METRICS_TOKEN is set, to a bearer of it.
"""

from callcenter.metrics.exposition import bp, metrics_cli
from callcenter.metrics.requests import register_request_metrics

__all__ = ["bp", "metrics_cli", "register_request_metrics"]
