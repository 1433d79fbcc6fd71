"""The call log: every call with its path through the voice menu, legs and outcome."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from callcenter import telephony
from callcenter.auth.access import coordinator_required
from callcenter.backoffice import bp, recordings
from callcenter.backoffice.blocklist import block_periods
from callcenter.backoffice.helpers import audit_event, date_arg, get_or_404, int_arg, page_arg
from callcenter.consultations import paginate
from callcenter.extensions import db
from callcenter.models import Call, CallLeg, CallOutcome, Consultation, Field
from callcenter.privacy import masked_phone
from callcenter.timezone import line_timezone

CALL_OUTCOMES = {
    "connected": _l("연결됨"),
    "callback_requested": _l("다시 걸기 요청"),
    "voice_message": _l("음성 메시지"),
    "abandoned_menu": _l("메뉴에서 끊음"),
    "abandoned_queue": _l("대기 중 끊음"),
    "abandoned_ringing": _l("연결 중 끊음"),
    "closed": _l("상담 시간 아님"),
    "blocked": _l("차단 번호"),
    "admin_desk": _l("행정 창구 연결"),
    "failed": _l("실패"),
}
LEG_RESULTS = {
    "ringing": _l("울리는 중"),
    "no_answer": _l("받지 않음"),
    "busy": _l("통화 중"),
    "declined": _l("1번 안 누름"),
    "failed": _l("실패"),
    "connected": _l("연결됨"),
    "completed": _l("통화 마침"),
    "caller_left": _l("발신자가 끊음"),
}

END_REASONS = {
    "abuse": _l("폭언·위협으로 상담 위원이 끝냄"),
    "time_limit": _l("상담 시간 제한"),
}


def _labels(items: dict) -> dict[str, str]:  # type: ignore[type-arg]
    """Translate a label table once for this request."""
    return {key: str(label) for key, label in items.items()}


@bp.get("/calls")
@coordinator_required
def calls() -> str:
    """List calls, newest first, by date, field and outcome."""
    tz = line_timezone()
    statement = select(Call).options(joinedload(Call.field), joinedload(Call.connected_counselor))
    day_from, day_to = date_arg("date_from"), date_arg("date_to")
    if day_from:
        statement = statement.where(Call.started_at >= datetime.combine(day_from, time.min, tz))
    if day_to:
        end = datetime.combine(day_to + timedelta(days=1), time.min, tz)
        statement = statement.where(Call.started_at < end)
    if (field_id := int_arg("field")) is not None:
        statement = statement.where(Call.field_id == field_id)
    if outcome := request.args.get("outcome"):
        statement = statement.where(Call.outcome == outcome)
    page = paginate(
        db.session, statement.order_by(Call.started_at.desc(), Call.id.desc()), page_arg()
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "backoffice/calls/list.html",
        page=page,
        args=args,
        fields=db.session.scalars(Field.menu()).all(),
        outcomes=list(CallOutcome),
        outcome_labels=_labels(CALL_OUTCOMES),
        masked_phone=masked_phone,
        tz=tz,
    )


@bp.get("/calls/<int:call_id>")
@coordinator_required
def call(call_id: int) -> str:
    """Show one call: its steps through the menu, each leg, and the consultation it made."""
    item = get_or_404(Call, call_id)
    legs = db.session.scalars(
        select(CallLeg)
        .options(selectinload(CallLeg.counselor))
        .where(CallLeg.call_id == item.id)
        .order_by(CallLeg.position, CallLeg.id)
    ).all()
    consultations = db.session.scalars(
        select(Consultation.id).where(Consultation.call_id == item.id)
    ).all()
    audit_event("view", "call", item.id)
    db.session.commit()
    return render_template(
        "backoffice/calls/detail.html",
        item=item,
        legs=legs,
        consultations=consultations,
        phone=masked_phone(item.from_number, item.from_last4),
        outcome_labels=_labels(CALL_OUTCOMES),
        leg_labels=_labels(LEG_RESULTS),
        sandbox=telephony.is_sandbox(),
        tz=line_timezone(),
        end_reasons=_labels(END_REASONS),
        abuse_reason=_abuse_reason(item),
        periods=block_periods(),
    )


def _abuse_reason(item: Call) -> str | None:
    """Return why a counselor ended the call for abuse, in the reader's words."""
    from callcenter.backoffice.live_calls import ABUSE_LABELS

    for step in reversed(item.steps or []):
        if step.get("step") == "ended_for_abuse":
            label = ABUSE_LABELS.get(step.get("reason"))
            return str(label) if label else None
    return None


@bp.get("/calls/<int:call_id>/audio")
@coordinator_required
def call_audio(call_id: int) -> Response:
    """Play a call's recorded conversation through the app; every play is audited."""
    item = get_or_404(Call, call_id)
    return recordings.play(item.recording_sid, item.recording_url is not None, "call", item.id)
