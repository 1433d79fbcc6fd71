"""Text lengths checked against the columns, in one place, before anything is written.

PostgreSQL refuses a 300-character reason in a `VARCHAR(200)` with an error deep inside the
commit (a 500); SQLite keeps it silently. Every flush checks the new and changed rows against
their columns' lengths first and raises `TooLong`, which the app answers with a message saying
what to shorten. Forms take their `Length` validators from the same columns (`max_length`).
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import String, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import InstrumentedAttribute, Session

from callcenter.models.base import Base

_limits: dict[type, list[tuple[str, int]]] = {}


class TooLong(ValueError):
    """A text longer than its column holds."""

    def __init__(self, table: str, column: str, limit: int) -> None:
        super().__init__(f"{table}.{column} holds at most {limit} characters")
        self.table, self.column, self.limit = table, column, limit


def max_length(attribute: InstrumentedAttribute[Any]) -> int:
    """Return how many characters a model's text column holds."""
    length = getattr(attribute.property.columns[0].type, "length", None)
    if not length:
        raise ValueError(f"{attribute} has no length limit")
    return int(length)


def _limits_of(model: type[Base]) -> list[tuple[str, int]]:
    """Return (attribute, length) for each bounded text column of a model, once per model."""
    found = _limits.get(model)
    if found is None:
        found = [
            (prop.key, column.type.length)
            for prop in sa_inspect(model).column_attrs
            for column in prop.columns
            if isinstance(column.type, String) and column.type.length
        ]
        _limits[model] = found
    return found


def check_lengths(session: Session, flush_context: Any, instances: Any) -> None:
    """Refuse a flush that would write a text longer than its column."""
    for obj in chain(session.new, session.dirty):
        values = obj.__dict__  # only what is loaded or set: nothing is read from the database
        for key, limit in _limits.get(type(obj)) or _limits_of(type(obj)):
            value = values.get(key)
            if isinstance(value, str) and len(value) > limit:
                raise TooLong(obj.__table__.name, key, limit)


def install() -> None:
    """Check lengths in every session's flush (idempotent)."""
    if not event.contains(Session, "before_flush", check_lengths):
        event.listen(Session, "before_flush", check_lengths)
