"""Flask extensions, created unbound and bound to the app in the factory."""

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from callcenter.models.base import Base


class Database(SQLAlchemy):
    """Flask-SQLAlchemy, with `session` typed as the Session it stands for."""

    if TYPE_CHECKING:
        # A scoped session proxies every method of the request's Session, and the code
        # hands it to functions that take a Session.
        session: Session  # type: ignore[assignment]


db = Database(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


@event.listens_for(Engine, "connect")
def _write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """Keep an SQLite database file in write-ahead-log mode.

    Readers then never hold up a writer's commit (a back-office report does not delay a
    webhook), and a commit writes the log once rather than a journal and the file. The mode
    stays with the file; an in-memory database keeps its own. A database busy at the moment
    of the first switch is switched by a later connection.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    try:
        dbapi_connection.execute("PRAGMA journal_mode=WAL").close()
    except sqlite3.OperationalError as error:  # busy, or a file this process may only read
        logging.getLogger(__name__).warning("SQLite write-ahead log not set: %s", error)
