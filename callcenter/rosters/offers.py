"""Gap offers in the back office: a coordinator withdraws one; filled gaps close theirs."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from callcenter import clock
from callcenter.auth.access import coordinator_required
from callcenter.backoffice.helpers import audit_event
from callcenter.extensions import db
from callcenter.models import ShiftSwap
from callcenter.rosters import bp
from callcenter.rosters.forms import get_or_404, local_next
from callcenter.timezone import line_timezone
from schedules.shifts import RosterError
from schedules.swaps import withdraw_covered_offers, withdraw_offer


@bp.post("/report/offers/<int:swap_id>/withdraw")
@coordinator_required
def withdraw_gap_offer(swap_id: int) -> Response:
    """Withdraw an offer of a gap: nobody can take it any more."""
    swap = get_or_404(db.session, ShiftSwap, swap_id)
    try:
        withdraw_offer(db.session, swap, clock.now())
    except RosterError as exc:
        db.session.rollback()
        flash(gettext(str(exc)), "error")
    else:
        audit_event("edit", "shift_swap", swap.id, change="withdrawn", by="coordinator")
        db.session.commit()
        flash(gettext("근무 제안을 철회했습니다. 이제 아무도 수락할 수 없습니다."), "success")
    return redirect(local_next(request.form.get("next"), url_for("rosters.report")))


def close_filled_offers(field_id: int | None = None) -> int:
    """Withdraw open offers of hours the roster now covers, audited; return how many."""
    withdrawn = withdraw_covered_offers(db.session, clock.now(), line_timezone(), field_id)
    for swap in withdrawn:
        audit_event("edit", "shift_swap", swap.id, change="withdrawn", by="covered")
    if withdrawn:
        flash(
            gettext(
                "이 시간이 채워져 근무 제안 %(count)d건을 자동으로 철회했습니다.",
                count=len(withdrawn),
            ),
            "info",
        )
    return len(withdrawn)
