"""Coordinators' reports and the live wallboard."""

import os

from flask import Blueprint

from callcenter.models import COORDINATOR_ROLES
from callcenter.nav import add_nav_item

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.cli.help = "Report figures: keep the daily rollups current."


@bp.record_once
def _setup(state):
    raw = os.environ.get("WALLBOARD_REFRESH_SECONDS")
    state.app.config.setdefault("WALLBOARD_REFRESH_SECONDS", int(raw) if raw else 5)
    add_nav_item(state.app, "reports.wallboard", "실시간 현황판", roles=COORDINATOR_ROLES, order=70)
    add_nav_item(state.app, "reports.index", "통계", roles=COORDINATOR_ROLES, order=71)


from callcenter.reports import cli, views, wallboard  # noqa: E402,F401
