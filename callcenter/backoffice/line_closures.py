"""Closing a field or the whole line now, until a time, with a reason callers hear."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from callcenter import clock
from callcenter.auth.access import coordinator_required
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import audit_event, get_or_404
from callcenter.characters import has_unsafe
from callcenter.extensions import db
from callcenter.labels import labels
from callcenter.models import Field, LineClosure
from callcenter.reporting import status as public_status
from callcenter.timezone import line_timezone
from ivr import cache as roster_cache
from schedules import line_closures
from schedules.line_closures import NOTE_LENGTH, REASONS

WHOLE_LINE = "all"
# A closure is for now: longer ones are closure days (rosters' 휴무일 page).
LONGEST = timedelta(days=14)


class CloseForm(FlaskForm):
    """Which field (or the whole line), until when, and why."""

    field = SelectField(_l("닫을 곳"), choices=[])
    until = DateTimeLocalField(
        _l("다시 여는 시각"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(message=_l("다시 여는 시각을 정해 주십시오."))],
    )
    reason = SelectField(_l("휴무 사유"), choices=[])
    note = StringField(
        _l("전화 안내에 덧붙일 말 (선택)"),
        validators=[Optional(), Length(max=NOTE_LENGTH)],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        fields, language = db.session.scalars(Field.menu()), str(get_locale() or "ko")
        self.field.choices = [(WHOLE_LINE, _("상담 전화 전체"))] + [
            (str(f.id), f.name(language)) for f in fields
        ]
        names = labels("line_closure_reason")
        self.reason.choices = [(code, names[code]) for code in REASONS]

    def validate_until(self, field: DateTimeLocalField) -> None:
        """Accept a time after now and within LONGEST of it."""
        if field.data is None:
            return
        until = local_instant(field.data)
        now = clock.now()
        if until <= now:
            raise ValidationError(_("다시 여는 시각은 지금보다 뒤여야 합니다."))
        if until - now > LONGEST:
            raise ValidationError(
                _("임시 휴무는 14일까지입니다. 더 길게 쉬려면 휴무일을 정해 주십시오.")
            )

    def validate_note(self, field: StringField) -> None:
        """Refuse characters the voice line cannot speak."""
        if field.data and has_unsafe(field.data):
            raise ValidationError(_("전화로 읽을 수 없는 문자가 들어 있습니다."))


def local_instant(value: datetime) -> datetime:
    """Return the instant of a wall-clock time typed in the line's time zone."""
    return value.replace(tzinfo=line_timezone())


@bp.route("/line/closures", methods=["GET", "POST"])
@coordinator_required
def line_closures_page() -> str | Response | tuple[str, int]:
    """List closures now and of the last week, and close a field or the line."""
    form, now = CloseForm(), clock.now()
    if form.validate_on_submit():
        assert form.until.data is not None
        field_id = None if form.field.data == WHOLE_LINE else int(form.field.data or 0)
        if field_id is not None and db.session.get(Field, field_id) is None:
            return redirect(url_for("backoffice.line_closures_page"))
        closure = line_closures.close(
            db.session,
            field_id,
            local_instant(form.until.data),
            form.reason.data or REASONS[0],
            form.note.data,
            current_user,
            now,
        )
        audit_event(
            "create",
            "line_closure",
            closure.id,
            field=closure.field.code if closure.field else WHOLE_LINE,
            closure_reason=closure.reason,
            until=closure.until.astimezone(line_timezone()).strftime("%Y-%m-%d %H:%M"),
            **({"note": closure.note} if closure.note else {}),
        )
        db.session.commit()
        forget_cached_rosters()
        flash(_("임시 휴무를 시작했습니다. 전화는 지금부터 사유를 안내합니다."), "success")
        return redirect(url_for("backoffice.line_closures_page"))
    return render_template(
        "backoffice/line/closures.html",
        form=form,
        closures=line_closures.closures(db.session, now - timedelta(days=7)),
        now=now,
        tz=line_timezone(),
    ), (422 if request.method == "POST" else 200)


@bp.post("/line/closures/<int:closure_id>/reopen")
@coordinator_required
def reopen_line_closure(closure_id: int) -> Response:
    """End a closure now, before its time."""
    closure: LineClosure = get_or_404(LineClosure, closure_id)
    field = closure.field.code if closure.field else WHOLE_LINE
    if line_closures.reopen(db.session, closure, current_user, clock.now()):
        audit_event("edit", "line_closure", closure_id, field=field, reopened=True)
        db.session.commit()
        forget_cached_rosters()
        flash(_("다시 열었습니다. 다음 전화부터 상담위원에게 연결합니다."), "success")
    return redirect(url_for("backoffice.line_closures_page"))


def forget_cached_rosters() -> None:
    """Let this worker's next call and status page see the change at once."""
    roster_cache.clear()
    public_status.clear_cache()
