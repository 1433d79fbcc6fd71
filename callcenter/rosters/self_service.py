"""Counselor self-service: my upcoming shifts, my absences, swap requests, my calendar feed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from callcenter import clock
from callcenter.auth.access import roles_required
from callcenter.extensions import db
from callcenter.models import CalendarFeed, Counselor, Field, Role, Unavailability
from callcenter.rosters import bp
from callcenter.rosters.forms import FormError, get_or_404, parse_date, parse_time
from callcenter.rosters.offers import close_filled_offers
from callcenter.timezone import line_timezone
from schedules.feeds import issue_feed, revoke_feed
from schedules.occurrences import find_occurrence, occurrences
from schedules.shifts import RosterError, mark_unavailable
from schedules.swaps import notify_swap, open_swaps_for, request_swap, swaps_for

UPCOMING_DAYS = 60
counselor_required = roles_required(Role.COUNSELOR)


def me() -> Counselor:
    """Return the signed-in counselor, or refuse accounts not linked to one."""
    counselor = current_user.counselor
    if counselor is None:
        abort(403)
    return counselor


@bp.get("/me")
@counselor_required
def my_shifts(feed_url: str | None = None) -> str:
    """Show my next shifts, absences, swaps and calendar subscription."""
    counselor = me()
    tz = line_timezone()
    now = clock.now()
    today = now.astimezone(tz).date()
    upcoming = [
        o
        for o in occurrences(
            db.session, today, today + timedelta(days=UPCOMING_DAYS), tz, counselor_id=counselor.id
        )
        if o.ends_at(tz) > now
    ]
    absences = db.session.scalars(
        select(Unavailability)
        .where(Unavailability.counselor_id == counselor.id, Unavailability.ends_at > now)
        .order_by(Unavailability.starts_at)
    ).all()
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.counselor_id == counselor.id,
            CalendarFeed.owner_id == current_user.id,
            CalendarFeed.revoked_at.is_(None),
        )
    )
    return render_template(
        "rosters/me.html",
        counselor=counselor,
        upcoming=upcoming,
        absences=absences,
        swaps=db.session.scalars(swaps_for(counselor.id).limit(50)).all(),
        open_swaps=[
            s
            for s in db.session.scalars(open_swaps_for(counselor, now).limit(50))
            if datetime.combine(s.offered_date, s.offered_start, tz) > now
        ],
        feed=feed,
        feed_url=feed_url,
        tz=tz,
        today=today,
    )


@bp.post("/me/unavailable")
@counselor_required
def mark_me_unavailable() -> Response:
    """Mark myself unavailable from one local date and time until another."""
    counselor = me()
    tz = line_timezone()
    form = request.form
    try:
        first = parse_date(form.get("start_date"), gettext("시작일"))
        last = parse_date(form.get("end_date") or form.get("start_date"), gettext("종료일"))
        start_clock = (
            parse_time(form["start_time"], gettext("시작")) if form.get("start_time") else time.min
        )
        starts_at = datetime.combine(first, start_clock, tz)
        if form.get("end_time"):
            ends_at = datetime.combine(last, parse_time(form["end_time"], gettext("끝")), tz)
        else:
            ends_at = datetime.combine(last + timedelta(days=1), time.min, tz)
        mark_unavailable(db.session, counselor, starts_at, ends_at, form.get("reason") or None)
    except (FormError, RosterError) as exc:
        db.session.rollback()
        flash(gettext(str(exc)), "error")
    else:
        db.session.commit()
        flash(gettext("부재를 등록했습니다. 코디네이터가 근무표에서 바로 봅니다."), "success")
    return redirect(url_for("rosters.my_shifts"))


@bp.post("/me/unavailable/<int:period_id>/delete")
@counselor_required
def delete_my_absence(period_id: int) -> Response:
    """Withdraw one of my absences."""
    period = get_or_404(db.session, Unavailability, period_id)
    if period.counselor_id != me().id:
        abort(403)
    db.session.delete(period)
    db.session.flush()
    close_filled_offers()
    db.session.commit()
    flash(gettext("부재를 취소했습니다."), "success")
    return redirect(url_for("rosters.my_shifts"))


@bp.route("/me/swap", methods=["GET", "POST"])
@counselor_required
def request_my_swap() -> str | Response:
    """Ask a colleague of the same field to take one of my shifts."""
    counselor = me()
    tz = line_timezone()
    now = clock.now()
    source = request.form if request.method == "POST" else request.args
    try:
        field = get_or_404(db.session, Field, source.get("field_id"))
        day = parse_date(source.get("date"), gettext("날짜"))
        start = parse_time(source.get("start"), gettext("시작"))
    except FormError:
        abort(404)
    offered = find_occurrence(db.session, counselor.id, field.id, day, start, tz)
    if offered is None:
        abort(404)
    colleagues = [
        c
        for c in db.session.scalars(
            select(Counselor).where(Counselor.active.is_(True)).order_by(Counselor.name)
        )
        if c.id != counselor.id and field in c.fields
    ]
    if request.method == "POST":
        try:
            anyone = source.get("recipient_id") == "any"
            recipient = (
                None if anyone else get_or_404(db.session, Counselor, source.get("recipient_id"))
            )
            wanted = None
            if source.get("wanted") and recipient is not None:
                wanted_day, wanted_start = source["wanted"].split("|")
                wanted = find_occurrence(
                    db.session,
                    recipient.id,
                    field.id,
                    parse_date(wanted_day, gettext("날짜")),
                    parse_time(wanted_start, gettext("시작")),
                    tz,
                )
                if wanted is None:
                    raise RosterError("받을 근무를 찾을 수 없습니다.")
            swap = request_swap(
                db.session, counselor, recipient, offered, now, tz, wanted, source.get("note")
            )
            notify_swap(db.session, swap, tz)
        except (FormError, RosterError, ValueError) as exc:
            db.session.rollback()
            flash(gettext(str(exc)), "error")
        else:
            db.session.commit()
            flash(gettext("교대 요청을 보냈습니다."), "success")
            return redirect(url_for("rosters.my_shifts"))
    today = now.astimezone(tz).date()
    theirs: dict[int, list] = {c.id: [] for c in colleagues}
    for o in occurrences(
        db.session, today, today + timedelta(days=UPCOMING_DAYS), tz, field_ids=[field.id]
    ):
        if o.counselor.id in theirs and o.starts_at(tz) > now:
            theirs[o.counselor.id].append(o)
    return render_template(
        "rosters/swap_form.html", offered=offered, colleagues=colleagues, theirs=theirs
    )


@bp.post("/me/feed")
@counselor_required
def issue_my_feed() -> str:
    """Create my calendar subscription URL (any earlier one stops working)."""
    counselor = me()
    _, token = issue_feed(db.session, current_user, clock.now(), counselor=counselor)
    db.session.commit()
    return my_shifts(feed_url=url_for("rosters.feed", token=token, _external=True))


@bp.post("/feeds/<int:feed_id>/revoke")
@roles_required(Role.ADMIN, Role.COORDINATOR, Role.COUNSELOR)
def revoke(feed_id: int) -> Response:
    """Stop a calendar subscription URL from working."""
    feed = get_or_404(db.session, CalendarFeed, feed_id)
    if feed.owner_id != current_user.id:
        abort(403)
    revoke_feed(feed, clock.now())
    db.session.commit()
    flash(gettext("달력 구독 주소를 폐기했습니다."), "success")
    if feed.field_id is not None:
        return redirect(url_for("rosters.feeds"))
    return redirect(url_for("rosters.my_shifts"))
