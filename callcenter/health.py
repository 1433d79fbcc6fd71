"""Health checks for load balancers and orchestration: `/healthz` and `/readyz`.

`/healthz` says only that the process answers. `/readyz` says whether this worker can serve
the line: the database answers and its schema is at the migrations' head (503 otherwise);
it also reports this worker's busy board and the scheduler's last heartbeat, which never make
it unready (a web worker serves calls without either). Neither answer names a host, a
revision, a setting or anything about a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from callcenter.extensions import db
from callcenter.models import utcnow

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

bp = Blueprint("health", __name__)


def migration_heads(app: Flask) -> set[str]:
    """Return the head revisions of the migrations shipped with this code (read once)."""
    heads = app.extensions.get("migration_heads")
    if heads is None:
        heads = app.extensions["migration_heads"] = set(
            ScriptDirectory(str(MIGRATIONS)).get_heads()
        )
    return heads


def database_revisions() -> set[str]:
    """Return the revisions the database's schema is at (empty before any migration)."""
    try:
        rows = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars()
        return set(rows)
    except SQLAlchemyError:
        db.session.rollback()
        if _reachable():
            return set()  # reachable, but never migrated: no alembic_version table
        raise


def _reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False


def busy_board_state(app: Flask) -> str:
    """Return `off`, `trusted` or `untrusted` for this worker's busy board."""
    from ivr.reader import busy_board

    try:
        board = busy_board(app)
    except SQLAlchemyError:
        return "untrusted"
    if board is None:
        return "off"
    board.start()  # what the worker's first menu choice would do; a no-op once listening
    return "trusted" if board.live else "untrusted"


@dataclass
class Readiness:
    """What /readyz found."""

    checks: dict[str, Any] = field(default_factory=dict)
    ready: bool = True

    def fail(self, name: str, state: str) -> None:
        self.checks[name], self.ready = state, False


def readiness(app: Flask) -> Readiness:
    """Check the database, the schema, the busy board and the scheduler's heartbeat."""
    from schedules.heartbeat import heartbeat

    found = Readiness()
    try:
        revisions = database_revisions()
    except SQLAlchemyError:
        log.warning("readyz: the database does not answer", exc_info=True)
        found.fail("database", "unreachable")
        found.fail("migrations", "unknown")
        return found
    found.checks["database"] = "ok"
    if revisions == migration_heads(app):
        found.checks["migrations"] = "ok"
    else:
        found.fail("migrations", "behind" if revisions else "missing")
    found.checks["busy_board"] = busy_board_state(app)
    now = utcnow()
    try:
        beat = heartbeat(db.session, now)
        found.checks["scheduler"] = {
            "lock": "held" if beat.lock_held else "free",
            "last_run_seconds_ago": beat.age_seconds(now),
        }
    except SQLAlchemyError:
        db.session.rollback()
        found.checks["scheduler"] = {"lock": "unknown", "last_run_seconds_ago": None}
    return found


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Answer that the process is up, without touching the database."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Answer 200 when this worker can serve the line, 503 when it cannot."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = readiness(app)
    body = jsonify(status="ready" if found.ready else "unready", checks=found.checks)
    return _no_store(body), 200 if found.ready else 503


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
