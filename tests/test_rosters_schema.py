"""The scheduler's job table exists before any scheduler runs (APScheduler never creates it)."""

from sqlalchemy import inspect

from callcenter.extensions import db as _db


def test_apscheduler_table_exists_before_any_scheduler_runs(app, db):
    with _db.engine.connect() as conn:
        assert "apscheduler_jobs" in inspect(conn).get_table_names()
