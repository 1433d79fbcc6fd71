"""What a gunicorn master prepares for its workers, and what they must not share with it.

The master imports the app once (`preload_app`), does there the work every worker's first
requests would otherwise pay for, and forks the workers from it. None of that opens a
database connection or starts a thread, so nothing is shared; these functions let the master
check that and let each worker start with pools of its own should that ever change.
"""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import configure_mappers

from callcenter import clock
from callcenter.extensions import db
from schedules.calendar import holiday_name


def warm_up(app: Flask) -> None:
    """Configure the ORM and compile the templates, touching no database."""
    if "sqlalchemy" not in app.extensions:
        return  # an app without the database (the benchmark's bare route)
    # The first query of a process configures every mapper: about 0.2 s of the first call.
    configure_mappers()
    for name in app.jinja_env.list_templates(extensions=["html"]):
        app.jinja_env.get_template(name)
    # Every on-call look-up asks whether today is a public holiday; building a year's
    # calendar takes about 0.2 s, which the first callers of each worker would wait for.
    with app.app_context():
        this_year = clock.today().year
    for year in (this_year, this_year + 1):
        for language in ("ko", "en"):
            holiday_name(date(year, 1, 1), language)


def engines(app: Flask) -> list[Engine]:
    """Return the app's engines, one per connection pool."""
    if "sqlalchemy" not in app.extensions:
        return []  # an app without the database (the benchmark's bare route)
    with app.app_context():
        found = list(db.engines.values())
    reader = app.extensions.get("ivr_reader")  # ivr.reader's, made on first use
    if reader is not None:
        found.append(reader)
    return list({id(engine.pool): engine for engine in found}.values())


def open_connections(app: Flask) -> int:
    """Return how many database connections this process's pools hold."""
    total = 0
    for engine in engines(app):
        pool = engine.pool
        if hasattr(pool, "checkedin") and hasattr(pool, "checkedout"):
            total += pool.checkedin() + pool.checkedout()
    return total


def forget_inherited_connections(app: Flask) -> None:
    """Give this (forked) process new pools, leaving the parent's connections to the parent."""
    for engine in engines(app):
        engine.dispose(close=False)
