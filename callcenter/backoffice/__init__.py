"""The back office: counselors' and coordinators' pages."""

from flask import Blueprint

from callcenter.nav import add_nav_item

bp = Blueprint("backoffice", __name__)


@bp.record_once
def _menu(state):  # type: ignore[no-untyped-def]
    add_nav_item(state.app, "backoffice.index", "오늘", order=0)


from callcenter.backoffice import home  # noqa: E402,F401
