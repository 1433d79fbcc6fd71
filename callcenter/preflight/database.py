"""The database: reachable, at the migrations' head, and a scheduler holding its lock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError, StatementError

from callcenter.extensions import db
from callcenter.health import database_revisions, migration_heads
from callcenter.models import utcnow
from callcenter.preflight.findings import Finding, fail, ok, warn

# The release_stale job runs every two minutes: a longer silence means no scheduler works.
QUIET_SCHEDULER = timedelta(minutes=10)


def check_database(app: Flask) -> Iterator[Finding]:
    """Check the schema and the scheduler through the app's database."""
    from schedules.heartbeat import heartbeat

    try:
        revisions = database_revisions()
    except SQLAlchemyError as exc:
        cause = exc.orig if isinstance(exc, StatementError) else None  # the driver's error
        yield fail(
            f"the database does not answer: {type(cause or exc).__name__}",
            "check DATABASE_URL and that the database server is running",
        )
        return
    yield ok(f"the database answers ({db.engine.dialect.name})")
    heads = migration_heads(app)
    if revisions == heads:
        yield ok("the schema is at the migrations' head")
    else:
        have, want = ", ".join(sorted(revisions)) or "empty", ", ".join(sorted(heads))
        yield fail(
            f"the schema is not at the migrations' head (database {have}, code {want})",
            "run `flask --app wsgi db upgrade` (after a backup)",
        )
        return
    now = utcnow()
    beat = heartbeat(db.session, now)
    if beat.lock_held:
        yield ok("a scheduler holds the lock" + (f" ({beat.holder})" if beat.holder else ""))
    else:
        yield fail(
            "no scheduler holds the lock: reminders, retention and repairs do not run",
            "start exactly one `flask --app wsgi scheduler run` "
            "(deploy/systemd/callcenter-scheduler.service)",
        )
    if beat.last_run_at is None:
        yield warn("no scheduled job has run yet")
    elif now - beat.last_run_at > QUIET_SCHEDULER:
        minutes = int((now - beat.last_run_at).total_seconds() // 60)
        yield warn(f"the last scheduled job started {minutes} minutes ago")
    else:
        yield ok(f"the last scheduled job started {beat.age_seconds(now)} s ago")
