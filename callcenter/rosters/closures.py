"""Closure days: public holidays of a year, and the days coordinators close or open."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from callcenter import clock
from callcenter.arguments import year_arg
from callcenter.auth.access import coordinator_required
from callcenter.extensions import db
from callcenter.models import DayOverride
from callcenter.rosters import bp
from callcenter.rosters.forms import FormError, local_next, parse_date
from schedules.calendar import closure_days
from schedules.closures import clear_day, set_day


@bp.get("/closures")
@coordinator_required
def closures() -> str:
    """List a year's closure days and coordinators' decisions."""
    year = year_arg() or clock.today().year
    language = str(get_locale() or "ko")
    statuses = closure_days(db.session, date(year, 1, 1), date(year, 12, 31), language)
    shown = [s for s in statuses.values() if s.closed or s.overridden]
    overrides = {
        o.date: o
        for o in db.session.scalars(
            select(DayOverride).where(
                DayOverride.date >= date(year, 1, 1), DayOverride.date <= date(year, 12, 31)
            )
        )
    }
    return render_template("rosters/closures.html", year=year, days=shown, overrides=overrides)


@bp.post("/closures")
@coordinator_required
def change_closure() -> Response:
    """Close a day, open a closure day, or undo a decision."""
    action = request.form.get("action")
    try:
        day = parse_date(request.form.get("date"), gettext("날짜"))
    except FormError as exc:
        flash(str(exc), "error")
        return redirect(url_for("rosters.closures"))
    reason = (request.form.get("reason") or "").strip() or None
    if action == "clear":
        clear_day(db.session, day)
        flash(gettext("%(day)s: 달력대로 되돌렸습니다.", day=day.isoformat()), "success")
    else:
        set_day(db.session, day, action == "close", reason, current_user)
        if action == "close":
            flash(gettext("%(day)s: 휴무일로 정했습니다.", day=day.isoformat()), "success")
        else:
            flash(gettext("%(day)s: 근무일로 열었습니다.", day=day.isoformat()), "success")
    db.session.commit()
    return redirect(
        local_next(request.form.get("next"), url_for("rosters.closures", year=day.year))
    )
