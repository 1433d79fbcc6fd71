"""Swap requests: the recipient accepts or declines, the requester cancels, coordinators see all."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from callcenter import clock
from callcenter.auth.access import coordinator_required, roles_required
from callcenter.extensions import db
from callcenter.models import Role, ShiftSwap, SwapStatus
from callcenter.rosters import bp
from callcenter.rosters.forms import get_or_404
from callcenter.timezone import line_timezone
from schedules.shifts import RosterError
from schedules.swaps import accept_swap, cancel_swap, decline_swap, notify_swap, swaps_for


@bp.get("/swaps")
@coordinator_required
def swaps() -> str:
    """List every swap request, pending first."""
    status = request.args.get("status")
    statement = swaps_for()
    if status in {s.value for s in SwapStatus}:
        statement = statement.where(ShiftSwap.status == status)
    return render_template(
        "rosters/swaps.html", swaps=db.session.scalars(statement.limit(200)).all(), status=status
    )


@bp.post("/swaps/<int:swap_id>/<action>")
@roles_required(Role.COUNSELOR)
def decide_swap(swap_id: int, action: str) -> Response:
    """Accept, decline or cancel a swap request."""
    swap = get_or_404(db.session, ShiftSwap, swap_id)
    counselor = current_user.counselor
    if counselor is None:
        abort(403)
    # An open request is anyone's of its field to take; a directed one only its two parties'.
    # One that is no longer pending is still answered (taken, withdrawn) to its field's
    # counselors, who may have been texted about it: they are told why, not refused blindly.
    open_to_me = (
        action == "accept"
        and swap.field in counselor.fields
        and (swap.is_open or swap.status != SwapStatus.PENDING)
    )
    if not open_to_me and counselor.id not in (swap.requester_id, swap.recipient_id):
        abort(403)
    now = clock.now()
    try:
        if action == "accept":
            accept_swap(db.session, swap, counselor, now, line_timezone())
            message = gettext("교대를 수락했습니다. 근무표가 바뀌었습니다.")
        elif action == "decline":
            decline_swap(db.session, swap, counselor, now)
            message = gettext("교대를 거절했습니다.")
        elif action == "cancel":
            cancel_swap(db.session, swap, counselor, now)
            message = gettext("교대 요청을 취소했습니다.")
        else:
            abort(404)
    except RosterError as exc:
        db.session.rollback()
        flash(gettext(str(exc)), "error")
    else:
        notify_swap(db.session, swap, line_timezone())
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("rosters.my_shifts"))
