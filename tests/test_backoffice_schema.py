"""The consultation tables built by the migrations match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from callcenter.extensions import db as _db
from callcenter.models import Base

OWN_TABLES = {"consultations", "consultation_terms", "topic_categories"}


def _table_of(diff) -> str | None:  # type: ignore[no-untyped-def]
    """Find the table a difference reported by Alembic is about."""
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        name = getattr(part, "name", None) if not isinstance(part, str) else part
        table = getattr(part, "table", None)
        if table is not None:
            return table.name
        if name in OWN_TABLES:
            return name
    return None


def test_migrations_build_the_consultation_tables_of_the_models(app, db):
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    ours = [d for d in differences if _table_of(d) in OWN_TABLES]
    assert ours == []
