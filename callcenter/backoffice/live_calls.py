"""Conversations going on now: a counselor ends an abusive one, or hands the caller over.

A counselor sees their own conversation; coordinators see every one and may also put the
caller's number on the blocklist for a while, without ever seeing the number.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from callcenter import clock
from callcenter.auth.access import coordinator_required
from callcenter.backoffice import bp
from callcenter.backoffice.blocklist import block_periods, block_until
from callcenter.backoffice.helpers import audit_event, get_or_404
from callcenter.extensions import db
from callcenter.models import Call, Field
from callcenter.privacy import masked_phone
from callcenter.timezone import line_timezone
from ivr.calls import block_number
from ivr.live_calls import (
    ABUSE_REASONS,
    LiveCallError,
    end_for_abuse,
    live_call,
    live_legs,
    transfer,
)

ABUSE_LABELS = {
    "insult": _l("폭언·욕설"),
    "sexual": _l("성희롱"),
    "threat": _l("협박·위협"),
    "other": _l("그 밖의 괴롭힘"),
}


@bp.get("/calls/live")
@login_required
def live_calls() -> str:
    """List the conversations going on now that the user may act on."""
    legs = db.session.scalars(live_legs(current_user)).all()
    return render_template(
        "backoffice/calls/live.html",
        legs=legs,
        now=clock.now(),
        reasons=[(code, str(ABUSE_LABELS[code])) for code in ABUSE_REASONS],
        fields=db.session.scalars(Field.menu()).all(),
        periods=block_periods(),
        masked_phone=masked_phone,
        tz=line_timezone(),
    )


@bp.post("/calls/<int:call_id>/end-abusive")
@login_required
def end_abusive_call(call_id: int) -> Response:
    """End an abusive conversation: the caller hears why, then the line hangs up."""
    now = clock.now()
    try:
        live = live_call(db.session, current_user, call_id)
        sent = end_for_abuse(db.session, live, request.form.get("reason", ""), now)
    except LiveCallError as error:
        db.session.rollback()
        flash(_(str(error)), "error")
        return redirect(url_for("backoffice.live_calls"))
    audit_event("edit", "call", call_id, change="ended for abuse", reason=request.form["reason"])
    db.session.commit()
    if sent.ok:
        flash(_("안내를 들려준 뒤 통화를 끝냅니다."), "info")
    else:
        flash(_("통화를 끝내지 못했습니다. 잠시 뒤 다시 해 보십시오."), "error")
    return redirect(url_for("backoffice.live_calls"))


@bp.post("/calls/<int:call_id>/transfer")
@login_required
def transfer_call(call_id: int) -> Response:
    """Hand the caller to another field's queue, keeping the time waited, or its offer."""
    now = clock.now()
    field_id = request.form.get("field", "")
    field = db.session.get(Field, int(field_id)) if field_id.isdigit() else None
    try:
        live = live_call(db.session, current_user, call_id)
        if field is None:
            raise LiveCallError("다른 분야를 골라 주십시오.")
        sent = transfer(db.session, live, field, request.form.get("mode", "queue"), now)
    except LiveCallError as error:
        db.session.rollback()
        flash(_(str(error)), "error")
        return redirect(url_for("backoffice.live_calls"))
    audit_event("edit", "call", call_id, change="transferred", field=field.id)
    db.session.commit()
    if sent.ok:
        flash(_("시민을 %(field)s 상담으로 넘깁니다.", field=field.name_ko), "info")
    else:
        flash(_("통화를 넘기지 못했습니다. 잠시 뒤 다시 해 보십시오."), "error")
    return redirect(url_for("backoffice.live_calls"))


@bp.post("/calls/<int:call_id>/block")
@coordinator_required
def block_caller(call_id: int) -> Response:
    """Put the caller's number on the blocklist for a while (coordinators only)."""
    item = get_or_404(Call, call_id)
    if not item.from_number:
        abort(404)
    now = clock.now()
    until = block_until(request.form.get("days"), now)
    reason = (request.form.get("reason") or "").strip()[:200] or _("통화 중 폭언·위협")
    blocked = block_number(db.session, item.from_number, reason, until, now)
    db.session.flush()
    audit_event(
        "create",
        "blocked_number",
        blocked.id,
        last4=blocked.last4,
        call=call_id,
        **({"until": until.isoformat()} if until else {}),
    )
    db.session.commit()
    flash(_("%(number)s 번호를 차단했습니다.", number=masked_phone(None, blocked.last4)), "info")
    return redirect(request.form.get("next") or url_for("backoffice.call", call_id=call_id))
