"""Flask extensions, created unbound and bound to the app in the factory."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
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
