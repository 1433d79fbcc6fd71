"""The voice line's blocklist, kept by coordinators: numbers whose calls are refused."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from callcenter.auth.access import coordinator_required
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import audit_event, page_arg
from callcenter.consultations import paginate
from callcenter.extensions import db
from callcenter.models import BlockedNumber
from callcenter.models.lengths import max_length
from callcenter.phones import mask, to_e164, try_e164
from callcenter.privacy import masked_phone
from callcenter.timezone import line_timezone
from ivr.calls import block_number, blocked_entry, unblock_number


class BlockForm(FlaskForm):
    """A number to refuse, in any Korean spelling, and why."""

    number = StringField(
        _l("전화번호"),
        validators=[DataRequired(message=_l("차단할 전화번호를 적어 주십시오.")), Length(max=32)],
    )
    reason = StringField(
        _l("사유 (선택)"), validators=[Optional(), Length(max=max_length(BlockedNumber.reason))]
    )

    def validate_number(self, field: StringField) -> None:
        """Accept only numbers a caller could call from."""
        if try_e164(field.data) is None:
            raise ValidationError(_("올바른 전화번호가 아닙니다. 010-1234-5678처럼 적어 주십시오."))


@bp.route("/line/blocklist", methods=["GET", "POST"])
@coordinator_required
def blocklist() -> str | Response | tuple[str, int]:
    """List the blocked numbers, masked, and block another."""
    form = BlockForm()
    if form.validate_on_submit():
        e164 = to_e164(form.number.data or "")
        if blocked_entry(db.session, e164) is not None:
            flash(_("%(number)s 번호는 이미 차단되어 있습니다.", number=mask(e164)), "info")
            return redirect(url_for("backoffice.blocklist"))
        blocked = block_number(db.session, e164, (form.reason.data or "").strip() or None)
        db.session.flush()
        audit_event("create", "blocked_number", blocked.id, last4=blocked.last4)
        db.session.commit()
        flash(_("%(number)s 번호를 차단했습니다.", number=mask(e164)), "info")
        return redirect(url_for("backoffice.blocklist"))
    statement = select(BlockedNumber).order_by(
        BlockedNumber.created_at.desc(), BlockedNumber.id.desc()
    )
    return render_template(
        "backoffice/line/blocklist.html",
        form=form,
        page=paginate(db.session, statement, page_arg()),
        masked_phone=masked_phone,
        tz=line_timezone(),
    ), (422 if request.method == "POST" else 200)


@bp.post("/line/blocklist/<int:blocked_id>/remove")
@coordinator_required
def unblock(blocked_id: int) -> Response:
    """Let a number call the line again."""
    blocked = unblock_number(db.session, blocked_id)
    if blocked is not None:
        audit_event("delete", "blocked_number", blocked.id, last4=blocked.last4)
        db.session.commit()
        flash(
            _("%(number)s 번호의 차단을 풀었습니다.", number=masked_phone(None, blocked.last4)),
            "info",
        )
    return redirect(url_for("backoffice.blocklist"))
