"""The schema comes only from migrations, and the migrations agree with the models."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from callcenter.extensions import db as _db
from callcenter.models import Base, Field

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def ours(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """Leave out tables the models do not own (a job store's table, for instance)."""
    return not (type_ == "table" and reflected and compare_to is None)


def schema_differences() -> list[object]:
    """Return what autogenerate would put into a new migration."""
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": ours}
        )
        return compare_metadata(context, Base.metadata)


def test_models_and_migrations_agree(db):
    assert schema_differences() == []


def test_migrations_create_every_table_of_the_models(db):
    tables = set(inspect(_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrations_seed_the_four_default_fields(db):
    digits = {f.code: f.digit for f in db.scalars(select(Field))}
    assert digits == {"legal": "1", "construction": "2", "tax": "3", "labor": "4"}


def test_downgrade_to_base_and_upgrade_again_rebuilds_the_same_schema(db):
    db.remove()
    flask_migrate.downgrade(directory=MIGRATIONS, revision="base")
    left = set(inspect(_db.engine).get_table_names()) & set(Base.metadata.tables)
    assert left == set()
    flask_migrate.upgrade(directory=MIGRATIONS, revision="heads")
    assert schema_differences() == []
    assert db.scalar(select(Field.code).where(Field.digit == "1")) == "legal"
