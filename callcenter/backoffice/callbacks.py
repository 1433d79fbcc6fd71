"""The callback queue: claim a request, call the citizen back through the line, record it."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from callcenter import callbacks as service
from callcenter import clock
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import audit_event, get_or_404, int_arg, page_arg
from callcenter.consultations import paginate
from callcenter.crypto import keyring
from callcenter.extensions import db
from callcenter.models import (
    CallbackRequest,
    Channel,
    Consultation,
    ConsultationStatus,
    Field,
)
from callcenter.privacy import masked_phone, may_handle_callback
from callcenter.timezone import line_timezone

RESULT_LABELS = {"reached": "통화함", "no_answer": "받지 않음", "wrong_number": "잘못된 번호"}


def external_url(endpoint: str, **values: Any) -> str:
    """Build an absolute URL Twilio can fetch, behind a proxy too."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _load(callback_id: int) -> CallbackRequest:
    """Load a callback the signed-in user may handle, or answer 403/404."""
    callback = get_or_404(CallbackRequest, callback_id)
    if not may_handle_callback(current_user, callback):
        abort(403)
    return callback


@bp.get("/callbacks")
@login_required
def callbacks() -> str:
    """Show open callback requests by field, oldest first."""
    field_id = int_arg("field")
    page = paginate(db.session, service.queue(current_user, field_id), page_arg())
    return render_template(
        "backoffice/callbacks/queue.html",
        page=page,
        field_id=field_id,
        args={"field": field_id} if field_id else {},
        fields=db.session.scalars(Field.menu()).all(),
        masked_phone=masked_phone,
        labels=RESULT_LABELS,
        now=clock.now(),
        tz=line_timezone(),
    )


@bp.post("/callbacks/<int:callback_id>/claim")
@login_required
def claim_callback(callback_id: int) -> Response:
    """Claim a callback for the signed-in counselor."""
    callback = _load(callback_id)
    if current_user.counselor is None:
        flash(_("상담위원 정보가 연결된 계정만 콜백을 걸 수 있습니다."), "error")
        return redirect(url_for("backoffice.callbacks"))
    try:
        service.claim(db.session, callback, current_user.counselor, clock.now())
    except service.CallbackError as exc:
        db.session.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("backoffice.callbacks"))
    db.session.commit()
    flash(_("요청을 맡았습니다. '전화 걸기'를 누르면 회선이 먼저 내 전화로 겁니다."), "info")
    return redirect(url_for("backoffice.callbacks"))


@bp.post("/callbacks/<int:callback_id>/release")
@login_required
def release_callback(callback_id: int) -> Response:
    """Give a claimed callback back to the queue."""
    callback = _load(callback_id)
    service.release(db.session, callback)
    db.session.commit()
    return redirect(url_for("backoffice.callbacks"))


@bp.post("/callbacks/<int:callback_id>/call")
@login_required
def call_back(callback_id: int) -> Response:
    """Have the line ring the counselor, then bridge to the citizen from the line's number."""
    callback = _load(callback_id)
    if current_user.counselor is None:
        abort(403)
    try:
        sent = service.call_back(
            db.session,
            callback,
            current_user.counselor,
            external_url("ivr.callback_bridge_answer", callback_id=callback.id),
        )
    except service.CallbackError as exc:
        db.session.rollback()
        flash(_(str(exc)), "error")
        return redirect(url_for("backoffice.callbacks"))
    db.session.commit()
    if sent.ok:
        flash(_("회선이 지금 내 전화로 겁니다. 받은 뒤 1번을 누르면 시민에게 연결됩니다."), "info")
    elif sent.not_allowed:
        flash(
            _("이 요청의 번호로는 회선이 전화를 걸지 않습니다.") + " " + _(sent.not_allowed),
            "error",
        )
    else:
        flash(_("전화를 걸지 못했습니다. 잠시 뒤 다시 해 주십시오."), "error")
    return redirect(url_for("backoffice.callbacks"))


@bp.post("/callbacks/<int:callback_id>/result")
@login_required
def callback_result(callback_id: int) -> Response:
    """Record how the call back went; a reached citizen opens a consultation form."""
    callback = _load(callback_id)
    result = request.form.get("result", "")
    try:
        service.record_result(db.session, callback, result)
    except service.CallbackError as exc:
        flash(_(str(exc)), "error")
        return redirect(url_for("backoffice.callbacks"))
    audit_event("edit", "callback", callback.id, result=result)
    if result != service.CallbackResult.REACHED:
        db.session.commit()
        flash(_("결과를 기록했습니다."), "info")
        return redirect(url_for("backoffice.callbacks"))
    counselor = callback.claimed_by or current_user.counselor
    consultation = Consultation(
        status=ConsultationStatus.DRAFT,
        channel=Channel.CALLBACK,
        field_id=callback.field_id,
        counselor_id=counselor.id if counselor else None,
        started_at=clock.now(),
        callback_request_id=callback.id,
        call_id=callback.call_id,
        recorded_by_id=current_user.id,
    )
    if callback.phone:
        consultation.citizen_phone = callback.phone
        consultation.citizen_phone_digest = keyring.digest(callback.phone)
        consultation.citizen_phone_last4 = callback.phone_last4
    db.session.add(consultation)
    db.session.commit()
    return redirect(url_for("backoffice.edit_consultation", consultation_id=consultation.id))
