"""The voice line's blocklist, kept by coordinators: numbers whose calls are refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from callcenter import clock
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

    days = SelectField(_l("기간"), choices=[], default="")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.days.choices = block_periods()

    def validate_number(self, field: StringField) -> None:
        """Accept only numbers a caller could call from."""
        if try_e164(field.data) is None:
            raise ValidationError(_("올바른 전화번호가 아닙니다. 010-1234-5678처럼 적어 주십시오."))


# How long a coordinator may block a number: days, or "" for until it is removed.
BLOCK_DAYS = ("7", "30", "90", "")


def block_periods() -> list[tuple[str, str]]:
    """Return the choices of a block's length, in the reader's language."""
    return [(d, _("%(days)s일", days=d) if d else _("풀 때까지")) for d in BLOCK_DAYS]


def block_until(days: str | None, now: datetime) -> datetime | None:
    """Return when a block of that many days ends (None: until removed)."""
    return now + timedelta(days=int(days)) if days and days.isdigit() else None


@bp.route("/line/blocklist", methods=["GET", "POST"])
@coordinator_required
def blocklist() -> str | Response | tuple[str, int]:
    """List the blocked numbers, masked, and block another."""
    form = BlockForm()
    if form.validate_on_submit():
        e164, now = to_e164(form.number.data or ""), clock.now()
        existing = blocked_entry(db.session, e164)
        if existing is not None and existing.active(now) and existing.expires_at is None:
            flash(_("%(number)s 번호는 이미 차단되어 있습니다.", number=mask(e164)), "info")
            return redirect(url_for("backoffice.blocklist"))
        until = block_until(form.days.data, now)
        reason = (form.reason.data or "").strip() or None
        blocked = block_number(db.session, e164, reason, until, now)
        db.session.flush()
        audit_event(
            "create",
            "blocked_number",
            blocked.id,
            last4=blocked.last4,
            **({"until": until.isoformat()} if until else {}),
        )
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
        now=clock.now(),
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
