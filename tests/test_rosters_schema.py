"""The roster and scheduler tables the migrations create match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from callcenter.extensions import db as _db
from callcenter.models import Base

OURS = {
    "shift_swaps",
    "calendar_feeds",
    "shift_notices",
    "job_runs",
    "job_states",
    "scheduler_leases",
    "apscheduler_jobs",
}


def _table_of(diff) -> str | None:  # type: ignore[no-untyped-def]
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item[1:]:
            name = getattr(part, "name", None) if not hasattr(part, "table") else part.table.name
            if name:
                return name
    return None


def test_roster_tables_match_the_models(app, db):
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    ours = [d for d in diffs if _table_of(d) in OURS]
    assert ours == []


def test_apscheduler_table_exists_before_any_scheduler_runs(app, db):
    with _db.engine.connect() as conn:
        assert "apscheduler_jobs" in inspect(conn).get_table_names()
