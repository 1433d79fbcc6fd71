"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# One worker per core: a webhook spends its time in Python, and workers beyond the cores
# only take turns on them. On 2 cores, 2 workers served the menu choice as fast as 5 with a
# lower p99 under load (docs/ivr.md), and hold fewer database connections. A few threads per
# worker keep the line answering while one request waits on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Twilio waits 15 seconds at most for a webhook; a worker stuck longer is recycled anyway.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Prometheus metrics in multiprocess mode (docs/operations.md): with PROMETHEUS_MULTIPROC_DIR
# set, every worker writes its figures to files there, which the metrics port
# (`flask --app wsgi metrics serve`) or /metrics adds up. Empty the folder before the web
# service starts (deploy/systemd/callcenter-web.service does); a dead worker's live gauges go.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

    def child_exit(server, worker):  # type: ignore[no-untyped-def]
        """Forget a dead worker's live gauges; its counts stay in the sums."""
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
