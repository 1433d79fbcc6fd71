"""Rosters in the back office: counselors, shifts, calendars, closures, swaps, feeds, jobs."""

from flask import Blueprint
from flask_babel import get_locale

from callcenter.models import COORDINATOR_ROLES, Role
from callcenter.nav import add_nav_item
from callcenter.phones import national

bp = Blueprint("rosters", __name__, url_prefix="/rosters")


@bp.record_once
def _menu(state):
    app = state.app
    add_nav_item(app, "rosters.my_shifts", "내 근무", roles=(Role.COUNSELOR.value,), order=20)
    add_nav_item(app, "rosters.calendar", "근무표", roles=COORDINATOR_ROLES, order=30)
    add_nav_item(app, "rosters.counselors", "상담위원", roles=COORDINATOR_ROLES, order=31)
    add_nav_item(app, "rosters.swaps", "근무 교대", roles=COORDINATOR_ROLES, order=32)
    add_nav_item(app, "rosters.report", "근무 점검", roles=COORDINATOR_ROLES, order=34)
    add_nav_item(app, "rosters.closures", "휴무일", roles=COORDINATOR_ROLES, order=33)
    add_nav_item(app, "rosters.jobs", "예약 작업", roles=(Role.ADMIN.value,), order=90)
    app.add_template_filter(national, "national")
    app.add_template_filter(_series, "series")


def _series(shift) -> str:
    """Say when a series runs in the reader's language (매월 둘째 월요일, every other Monday)."""
    from schedules.shifts import describe_series

    return describe_series(shift, str(get_locale()))


from callcenter.rosters import (  # noqa: E402,F401
    calendar,
    closures,
    counselors,
    feeds,
    imports,
    jobs,
    number_checks,
    offers,
    report,
    self_service,
    shifts,
    swaps,
)
