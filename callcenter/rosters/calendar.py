"""The roster calendar, week or month, one field or all: who is on, closures and gaps."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from flask_babel import get_locale

from callcenter import clock
from callcenter.arguments import date_arg
from callcenter.auth.access import coordinator_required
from callcenter.extensions import db
from callcenter.models import Field
from callcenter.rosters import bp
from callcenter.timezone import line_timezone
from schedules.roster_calendar import month_range, roster_calendar, week_start


@bp.get("/calendar")
@coordinator_required
def calendar() -> str:
    """Show a week (default) or a month of the roster."""
    tz = line_timezone()
    today = clock.today(tz)
    anchor = date_arg("date") or today
    view = "month" if request.args.get("view") == "month" else "week"
    all_fields = db.session.scalars(Field.menu()).all()
    code = request.args.get("field", "all")
    fields = [f for f in all_fields if f.code == code] or list(all_fields)
    if view == "week":
        start = week_start(anchor)
        end = start + timedelta(days=6)
        previous, following = start - timedelta(days=7), start + timedelta(days=7)
    else:
        start, end = month_range(anchor)
        previous = (start - timedelta(days=1)).replace(day=1)
        following = end + timedelta(days=1)
    language = str(get_locale() or "ko")
    days = roster_calendar(db.session, start, end, tz, fields, language)
    return render_template(
        "rosters/calendar.html",
        days=days,
        view=view,
        fields=fields,
        all_fields=all_fields,
        code=code if len(fields) == 1 and len(all_fields) > 1 else "all",
        start=start,
        end=end,
        anchor=anchor,
        previous=previous,
        following=following,
        today=today,
        gap_total=sum(d.gap_count for d in days),
        lead_blanks=start.weekday(),
    )
