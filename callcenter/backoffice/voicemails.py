"""The voice message inbox per field: listen, assign, mark handled, turn into work."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from callcenter import clock, telephony
from callcenter import voicemails as service
from callcenter.backoffice import bp, recordings
from callcenter.backoffice.helpers import audit_event, get_or_404, int_arg, page_arg
from callcenter.consultations import counselors_for, paginate
from callcenter.extensions import db
from callcenter.models import Counselor, Field, Voicemail
from callcenter.privacy import masked_phone, may_handle_voicemail
from callcenter.timezone import line_timezone


def _load(voicemail_id: int) -> Voicemail:
    """Load a voice message the signed-in user handles, or answer 403/404."""
    voicemail = get_or_404(Voicemail, voicemail_id)
    if not may_handle_voicemail(current_user, voicemail):
        abort(403)
    return voicemail


def _masked_caller(voicemail: Voicemail) -> str:
    """Return the caller's number, masked."""
    last4 = voicemail.call.from_last4 if voicemail.call else None
    return masked_phone(service.caller_number(voicemail), last4)


@bp.get("/voicemails")
@login_required
def voicemails() -> str:
    """List voice messages of a field, newest first."""
    field_id = int_arg("field")
    show_handled = request.args.get("handled") == "1"
    page = paginate(db.session, service.inbox(current_user, field_id, show_handled), page_arg())
    args = {
        k: v for k, v in {"field": field_id, "handled": "1" if show_handled else None}.items() if v
    }
    return render_template(
        "backoffice/voicemails/inbox.html",
        page=page,
        field_id=field_id,
        show_handled=show_handled,
        args=args,
        fields=db.session.scalars(Field.menu()).all(),
        counselors=counselors_for(db.session) if current_user.is_coordinator else [],
        caller=lambda v: masked_phone(
            service.caller_number(v), v.call.from_last4 if v.call else None
        ),
        tz=line_timezone(),
    )


@bp.get("/voicemails/<int:voicemail_id>")
@login_required
def voicemail(voicemail_id: int) -> str:
    """Show one voice message with its player; opening it is audited."""
    item = _load(voicemail_id)
    audit_event("view", "voicemail", item.id)
    db.session.commit()
    return render_template(
        "backoffice/voicemails/detail.html",
        item=item,
        sandbox=telephony.is_sandbox(),
        caller=masked_phone(
            service.caller_number(item), item.call.from_last4 if item.call else None
        ),
        counselors=counselors_for(db.session) if current_user.is_coordinator else [],
        tz=line_timezone(),
    )


@bp.get("/voicemails/<int:voicemail_id>/audio")
@login_required
def voicemail_audio(voicemail_id: int) -> Response:
    """Play a voice message's recording through the app; every play is audited."""
    item = _load(voicemail_id)
    return recordings.play(item.recording_sid, item.recording_url is not None, "voicemail", item.id)


@bp.post("/voicemails/<int:voicemail_id>/assign")
@login_required
def assign_voicemail(voicemail_id: int) -> Response:
    """Give a voice message to a counselor (coordinators only)."""
    item = _load(voicemail_id)
    if not current_user.is_coordinator:
        abort(403)
    counselor_id = request.form.get("counselor", "")
    counselor = db.session.get(Counselor, int(counselor_id)) if counselor_id.isdigit() else None
    service.assign(item, counselor)
    db.session.commit()
    flash(_("담당자를 정했습니다."), "info")
    return redirect(url_for("backoffice.voicemails", field=item.field_id))


@bp.post("/voicemails/<int:voicemail_id>/handled")
@login_required
def voicemail_handled(voicemail_id: int) -> Response:
    """Mark a voice message handled."""
    item = _load(voicemail_id)
    service.mark_handled(item, clock.now())
    db.session.commit()
    flash(_("처리했습니다."), "info")
    return redirect(url_for("backoffice.voicemails"))


@bp.post("/voicemails/<int:voicemail_id>/to-callback")
@login_required
def voicemail_to_callback(voicemail_id: int) -> Response:
    """Turn a voice message into a callback request in its field's queue."""
    item = _load(voicemail_id)
    try:
        callback = service.to_callback(db.session, item, clock.now())
    except ValueError as exc:
        flash(_(str(exc)), "error")
        return redirect(url_for("backoffice.voicemail", voicemail_id=item.id))
    db.session.flush()
    audit_event("create", "callback", callback.id, voicemail=item.id)
    db.session.commit()
    flash(_("콜백 요청으로 옮겼습니다."), "info")
    return redirect(url_for("backoffice.callbacks", field=item.field_id))


@bp.post("/voicemails/<int:voicemail_id>/to-consultation")
@login_required
def voicemail_to_consultation(voicemail_id: int) -> Response:
    """Open a draft consultation for a voice message, for the assigned or current counselor."""
    item = _load(voicemail_id)
    counselor = db.session.get(Counselor, item.assigned_to_id) if item.assigned_to_id else None
    counselor = counselor or current_user.counselor
    if counselor is None:
        flash(_("먼저 담당 상담위원을 정해 주십시오."), "error")
        return redirect(url_for("backoffice.voicemail", voicemail_id=item.id))
    consultation = service.to_consultation(db.session, item, counselor, current_user, clock.now())
    db.session.flush()
    audit_event("create", "consultation", consultation.id, voicemail=item.id)
    db.session.commit()
    return redirect(url_for("backoffice.edit_consultation", consultation_id=consultation.id))
