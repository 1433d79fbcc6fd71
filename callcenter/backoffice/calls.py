"""The call log: every call with its path through the voice menu, legs and outcome."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from callcenter import labels, telephony
from callcenter.auth.access import coordinator_required
from callcenter.backoffice import bp, recordings
from callcenter.backoffice.blocklist import block_periods
from callcenter.backoffice.helpers import audit_event, date_arg, get_or_404, int_arg, page_arg
from callcenter.call_steps import Names, call_path
from callcenter.consultations import paginate
from callcenter.extensions import db
from callcenter.models import Call, CallLeg, CallOutcome, Consultation, Counselor, Field
from callcenter.privacy import masked_phone
from callcenter.timezone import line_timezone

# Kept for the modules that import them; the names live in callcenter/labels.py.
CALL_OUTCOMES = labels.CALL_OUTCOME
LEG_RESULTS = labels.LEG_RESULT
END_REASONS = {
    "abuse": _l("폭언·위협으로 상담위원이 끝냄"),
    "time_limit": _l("상담 시간 제한"),
}


def _labels(items: dict[str, Any]) -> dict[str, str]:
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
        outcome_labels=labels.labels("call_outcome"),
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
    tz = line_timezone()
    return render_template(
        "backoffice/calls/detail.html",
        item=item,
        legs=legs,
        consultations=consultations,
        phone=masked_phone(item.from_number, item.from_last4),
        outcome_labels=labels.labels("call_outcome"),
        leg_labels=labels.labels("leg_result"),
        sandbox=telephony.is_sandbox(),
        path=call_path(item.steps, step_names(item), tz),
        tz=tz,
        end_reasons=_labels(END_REASONS),
        abuse_reason=_abuse_reason(item),
        periods=block_periods(),
    )


def step_names(item: Call) -> Names:
    """Return the field and counselor names a call's steps may mention."""
    language = str(get_locale() or "ko")
    fields: dict[int | str, str] = {}
    for field in db.session.scalars(select(Field)):
        fields[field.id] = fields[field.code] = field.name(language)
    ids = {e.get("counselor") for e in item.steps or [] if isinstance(e, dict)} - {None}
    counselors: dict[int, str] = {}
    if ids:
        found = select(Counselor.id, Counselor.name).where(Counselor.id.in_(ids))
        counselors = {row.id: row.name for row in db.session.execute(found)}
    return Names(fields, counselors)


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
