"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`."""

import multiprocessing
import os
import threading
import time

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
# The app is imported once, in the master, before any worker is forked (and its ORM and
# templates prepared, in when_ready): a new worker, at start or after one died, answers its
# first request at once instead of importing the app for seconds while callers wait.
# Creating the app opens no database connection and starts no thread (pre_fork checks);
# each worker opens its own connections and its own busy board listener on first use.
# A code change therefore needs a restart of the master: SIGHUP only replaces the workers.
preload_app = True
# No recycling after a number of requests. Workers share the load evenly, so their counts
# grow together and even max_requests_jitter recycled several at once under load, each
# one a worker less until its replacement answered. Nothing in a worker grows with the
# requests it served (its caches are bounded and refreshed); should that change, a
# rolling restart of the service does what max_requests did, one worker at a time.
max_requests = 0
accesslog = "-"
# Access lines without search words, phone numbers or calendar-feed tokens (callcenter/logs.py).
logger_class = "callcenter.logs.AccessLogger"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):  # type: ignore[no-untyped-def]
    """Do in the master, once, what each worker's first requests would otherwise do."""
    app = getattr(server.app, "callable", None)  # the app, when preloaded
    if app is not None:
        from callcenter.forking import warm_up

        warm_up(app)


def pre_fork(server, worker):  # type: ignore[no-untyped-def]
    """Warn when the master would fork over a database connection or a thread of its own."""
    app = getattr(server.app, "callable", None)  # the app, when preloaded
    if app is None:
        return
    from callcenter.forking import open_connections

    opened = open_connections(app)
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if opened or others:
        server.log.warning(
            "forking over %d database connection(s) and threads %s of the master", opened, others
        )


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    """Give the worker pools of its own, and note when it was forked."""
    worker.forked_at = time.monotonic()
    app = getattr(server.app, "callable", None)
    worker.app_preloaded = app is not None
    if app is not None:
        from callcenter.forking import forget_inherited_connections

        forget_inherited_connections(app)


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Log how long the worker took to be ready to answer after it was forked."""
    worker.log.info(
        "worker %s ready in %.3f s (app preloaded in the master: %s)",
        worker.pid,
        time.monotonic() - worker.forked_at,
        "yes" if worker.app_preloaded else "no",
    )


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
