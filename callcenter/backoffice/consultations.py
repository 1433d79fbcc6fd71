"""Consultation pages: the list, drafts, detail with reveal, edit, walk-ins, export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response as BaseResponse

from callcenter import clock, export_reasons, exports
from callcenter import consultations as service
from callcenter.auth.access import coordinator_required
from callcenter.backoffice import bp
from callcenter.backoffice.consultation_forms import (
    CHANNEL_LABELS,
    OUTCOME_LABELS,
    REFERRAL_LABELS,
    ConsultationForm,
    WalkInForm,
)
from callcenter.backoffice.helpers import (
    audit_event,
    date_arg,
    get_or_404,
    int_arg,
    options,
    page_arg,
)
from callcenter.extensions import db
from callcenter.models import Consultation, Field, Role, TopicCategory
from callcenter.phones import national
from callcenter.privacy import (
    mask_name,
    masked_phone,
    may_edit_consultation,
    may_reveal_consultation,
    may_view_consultation,
)
from callcenter.timezone import line_timezone

LABELS: dict[str, Mapping[Any, object]] = {
    "outcome": OUTCOME_LABELS,
    "referral": REFERRAL_LABELS,
    "channel": CHANNEL_LABELS,
}


def _labels() -> dict[str, dict[str, str]]:
    """Return the labels translated once for this request (lists show them many times)."""
    return {group: {k: str(v) for k, v in items.items()} for group, items in LABELS.items()}


def _criteria() -> service.ConsultationFilter:
    """Read the list filter from the query string."""
    args = request.args
    return service.ConsultationFilter(
        date_from=date_arg("date_from"),
        date_to=date_arg("date_to"),
        field_id=int_arg("field"),
        channel=args.get("channel") or None,
        counselor_id=int_arg("counselor") if current_user.is_coordinator else None,
        outcome=args.get("outcome") or None,
        category_id=int_arg("category"),
        status=args.get("status") or None,
        text=(args.get("q") or "").strip() or None,
        sort=args["sort"] if args.get("sort") in service.SORTS else "newest",
    )


def _load(consultation_id: int) -> Consultation:
    """Load a consultation the signed-in user may see, or answer 404/403."""
    consultation = get_or_404(Consultation, consultation_id)
    if not may_view_consultation(current_user, consultation):
        abort(403)
    return consultation


def _language() -> str:
    """Return the language of this request's page."""
    return str(get_locale())


def _topic_pairs(field_id: int | None) -> list[tuple[int, str]]:
    """Return a field's topics as (id, label), subcategories indented under their category."""
    return [
        (topic.id, ("  └ " if topic.parent_id else "") + topic.name(_language()))
        for topic in service.topic_choices(db.session, field_id)
    ]


@bp.get("/consultations")
@login_required
def consultations() -> str:
    """List consultations with filters, sorting and pagination."""
    criteria = _criteria()
    page = service.list_page(db.session, current_user, criteria, line_timezone(), page_arg())
    return render_template(
        "backoffice/consultations/list.html",
        page=page,
        criteria=criteria,
        args=criteria.as_args(),
        fields=db.session.scalars(Field.menu()).all(),
        counselors=service.counselors_for(db.session) if current_user.is_coordinator else [],
        categories=db.session.scalars(
            select(TopicCategory).order_by(TopicCategory.field_id, TopicCategory.position)
        ).all(),
        labels=_labels(),
        masked_phone=masked_phone,
        tz=line_timezone(),
    )


@bp.get("/consultations/export.<fmt>")
@coordinator_required
def export_consultations(fmt: str) -> Response | tuple[str, int]:
    """Export the filtered list as CSV or XLSX; every export is audited."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    criteria = _criteria()
    personal = request.args.get("personal") == "1"
    if personal and not current_user.is_coordinator:
        abort(403)  # the same people who may reveal any number may export them
    reason = export_reasons.given_reason()
    if reason is None:
        return export_reasons.ask(_("상담 기록 내보내기"), fmt.upper())
    statement = service.filtered(db.session, current_user, criteria, line_timezone())
    audit_event(
        "export",
        "consultation",
        None,
        format=fmt,
        personal=personal,
        filters=criteria.audited(),
        reason=reason,
    )
    db.session.commit()
    records = exports.rows(db.session, statement, line_timezone(), personal)
    stamp = clock.now().astimezone(line_timezone()).strftime("%Y%m%d-%H%M")
    name = f"consultations-{stamp}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(
            stream_with_context(exports.to_csv(records)),
            mimetype="text/csv; charset=utf-8",
            headers=headers,
        )
    return Response(
        exports.to_xlsx(records),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=headers,
    )


@bp.get("/consultations/<int:consultation_id>")
@login_required
def consultation(consultation_id: int) -> str:
    """Show one consultation, personal data masked; the view is audited."""
    item = _load(consultation_id)
    audit_event("view", "consultation", item.id)
    db.session.commit()
    return _detail(item, revealed=False)


@bp.post("/consultations/<int:consultation_id>/reveal")
@login_required
def reveal_consultation(consultation_id: int) -> str:
    """Show the citizen's full number and name to those allowed; audited."""
    item = _load(consultation_id)
    if not may_reveal_consultation(current_user, item):
        abort(403)
    audit_event("reveal", "consultation", item.id, fields=["citizen_name", "citizen_phone"])
    db.session.commit()
    return _detail(item, revealed=True)


def _detail(item: Consultation, revealed: bool) -> str:
    """Render the detail page."""
    if revealed:
        phone = national(item.citizen_phone) if item.citizen_phone else "—"
        name = item.citizen_name or "—"
    else:
        phone = masked_phone(item.citizen_phone, item.citizen_phone_last4)
        name = mask_name(item.citizen_name)
    return render_template(
        "backoffice/consultations/detail.html",
        item=item,
        phone=phone,
        name=name,
        revealed=revealed,
        may_reveal=may_reveal_consultation(current_user, item),
        labels=_labels(),
        tz=line_timezone(),
    )


@bp.route("/consultations/<int:consultation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_consultation(consultation_id: int) -> str | BaseResponse | tuple[str, int]:
    """Complete a draft or correct a consultation; concurrent edits are never overwritten."""
    item = _load(consultation_id)
    if not may_edit_consultation(current_user, item):
        abort(403)
    form = ConsultationForm(obj=None if request.method == "POST" else item)
    if request.method == "GET":
        audit_event("view", "consultation", item.id, page="edit")
        db.session.commit()
        form.topic.data = item.subcategory_id or item.category_id
        form.citizen_name.data = form.citizen_phone.data = ""
        form.version.data = str(item.version)
    form.topic.choices = options([("", "—"), *_topic_pairs(item.field_id)])
    conflict = None
    if form.validate_on_submit():
        version = form.version.data
        expected = int(version) if version and version.isdigit() else None
        try:
            service.save(db.session, item, form.to_input(), expected)
            audit_event("edit", "consultation", item.id)
            db.session.commit()
        except service.ConsultationError as exc:
            db.session.rollback()
            form.form_errors.append(_(str(exc)))
        except (service.VersionConflict, StaleDataError):
            db.session.rollback()
            conflict = db.session.get(Consultation, consultation_id)
            assert conflict is not None  # loaded above; consultations are never deleted
            db.session.refresh(conflict)
            form.version.data = str(conflict.version)
        else:
            flash(_("상담 기록을 저장했습니다."), "info")
            return redirect(url_for("backoffice.consultation", consultation_id=item.id))
    status = 409 if conflict else (422 if request.method == "POST" else 200)
    return render_template(
        "backoffice/consultations/edit.html",
        form=form,
        item=item,
        conflict=conflict,
        labels=_labels(),
        tz=line_timezone(),
    ), status


@bp.route("/consultations/new", methods=["GET", "POST"])
@login_required
def new_consultation() -> str | BaseResponse | tuple[str, int]:
    """Record a walk-in (or any consultation made outside the line's calls)."""
    form = WalkInForm()
    fields = db.session.scalars(Field.menu()).all()
    form.field.choices = options((f.id, f.name(_language())) for f in fields)
    topics = options([("", "—")])
    for f in fields:
        topics += options(_topic_pairs(f.id), optgroup=f.name(_language()))
    form.topic.choices = topics
    if current_user.is_coordinator:
        form.counselor.choices = options((c.id, c.name) for c in service.counselors_for(db.session))
    elif current_user.counselor is not None:
        form.counselor.choices = options([(current_user.counselor.id, current_user.counselor.name)])
    else:
        abort(403)
    if request.method == "GET":
        form.started_at.data = (
            clock.now().astimezone(line_timezone()).replace(second=0, microsecond=0, tzinfo=None)
        )
    if form.validate_on_submit():
        data = form.to_input()
        data.channel, data.field_id = form.channel.data, form.field.data
        data.counselor_id = form.counselor.data
        assert form.started_at.data is not None  # the field is required
        data.started_at = form.started_at.data.replace(tzinfo=line_timezone())
        try:
            item = service.record_new(db.session, current_user, data)
            audit_event("create", "consultation", item.id)
            db.session.commit()
        except service.ConsultationError as exc:
            db.session.rollback()
            form.form_errors.append(_(str(exc)))
        else:
            flash(_("상담을 기록했습니다."), "info")
            return redirect(url_for("backoffice.consultation", consultation_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template("backoffice/consultations/new.html", form=form), status


def my_drafts() -> list[Consultation]:
    """Return the signed-in counselor's drafts for the start page."""
    if current_user.role != Role.COUNSELOR or current_user.counselor_id is None:
        return []
    return list(db.session.scalars(service.drafts_of(current_user.counselor_id).limit(20)))
