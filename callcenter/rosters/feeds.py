"""Calendar feeds: the public .ics URL, and coordinators' per-field subscriptions."""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from callcenter import clock
from callcenter.auth.access import coordinator_required
from callcenter.extensions import db
from callcenter.models import CalendarFeed, Field
from callcenter.rosters import bp
from callcenter.rosters.forms import get_or_404
from callcenter.timezone import line_timezone
from schedules.feeds import active_feeds, build_calendar, find_feed, issue_feed


@bp.get("/feeds/<token>.ics")
def feed(token: str) -> Response:
    """Serve a calendar feed to a calendar app; unknown or revoked tokens get 404."""
    subscription = find_feed(db.session, token)
    if subscription is None or not subscription.owner.active:
        abort(404)
    body = build_calendar(
        db.session, subscription, clock.now(), line_timezone(), host=request.host.split(":")[0]
    )
    db.session.commit()  # last_used_at
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": "inline"},
    )


@bp.route("/feeds", methods=["GET", "POST"])
@coordinator_required
def feeds() -> str:
    """Issue and list per-field calendar subscriptions."""
    new_url = None
    if request.method == "POST":
        field = get_or_404(db.session, Field, request.form.get("field_id"))
        _, token = issue_feed(db.session, current_user, clock.now(), field=field)
        db.session.commit()
        new_url = url_for("rosters.feed", token=token, _external=True)
    fields = db.session.scalars(select(Field).order_by(Field.position)).all()
    mine: dict[int, CalendarFeed] = {
        f.field_id: f for f in active_feeds(db.session, current_user) if f.field_id
    }
    return render_template("rosters/feeds.html", fields=fields, mine=mine, new_url=new_url)
