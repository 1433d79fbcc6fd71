"""The roster report: coverage of the next weeks, who carries the line, offers for gaps."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from callcenter import clock
from callcenter.auth.access import coordinator_required
from callcenter.extensions import db
from callcenter.rosters import bp
from callcenter.rosters.forms import FormError, parse_date, parse_time, pick_field
from callcenter.timezone import line_timezone
from schedules.roster_report import WEEKS, gap_substitutes, roster_report
from schedules.shifts import RosterError
from schedules.swaps import notify_swap, offer_hours, open_offers


@bp.get("/report")
@coordinator_required
def report() -> str:
    """Show the next weeks' coverage per field and each counselor's load."""
    tz = line_timezone()
    now = clock.now()
    offers = {
        (o.field_id, o.offered_date, o.offered_start): o
        for o in open_offers(db.session, now.astimezone(tz).date())
    }
    return render_template(
        "rosters/report.html",
        reports=roster_report(db.session, now, tz),
        weeks=WEEKS,
        offers=offers,
    )


@bp.post("/report/offer")
@coordinator_required
def offer_gap() -> Response:
    """Text the suggested substitutes an offer of a gap; the first to accept takes it."""
    tz = line_timezone()
    form = request.form
    try:
        field = pick_field(db.session, form.get("field_id"))
        day = parse_date(form.get("date"), gettext("날짜"))
        start = parse_time(form.get("start"), gettext("시작"))
        end = parse_time(form.get("end"), gettext("끝"))
        swap = offer_hours(db.session, field, day, start, end, clock.now(), tz)
        chosen = [s.counselor for s in gap_substitutes(db.session, field, day, start, end, tz)]
        if not chosen:
            raise RosterError("이 시간에 맡을 수 있는 상담위원이 없습니다.")
        sent = notify_swap(db.session, swap, tz, recipients=chosen)
    except (FormError, RosterError) as exc:
        db.session.rollback()
        flash(gettext(str(exc)), "error")
    else:
        db.session.commit()
        flash(gettext("%(count)d명에게 근무 제안 문자를 보냈습니다.", count=sent), "success")
    return redirect(url_for("rosters.report"))
