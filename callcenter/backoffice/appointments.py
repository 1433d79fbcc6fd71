"""Booked appointments in the back office: the day's list, publishing slots, moves, figures."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from callcenter import clock
from callcenter.appointments import booking, slots, staff
from callcenter.arguments import form_id
from callcenter.auth.access import coordinator_required
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import audit_event, date_arg, get_or_404, int_arg
from callcenter.extensions import db
from callcenter.models import Appointment, AppointmentKind, AppointmentPlan, Field
from callcenter.nav import add_nav_item
from callcenter.privacy import mask_name, masked_phone
from callcenter.timezone import line_timezone

STATUS_LABELS = {
    "booked": "예약",
    "attended": "상담함",
    "no_show": "오지 않음",
    "cancelled": "취소",
}
KIND_LABELS = {AppointmentKind.VISIT: "방문", AppointmentKind.PHONE: "전화"}


@bp.record_once
def _menu(state):
    add_nav_item(state.app, "backoffice.appointments", "상담 예약", order=25)


def _load(appointment_id: int) -> Appointment:
    """Load a booking the signed-in user may handle, or answer 403/404."""
    appointment = get_or_404(Appointment, appointment_id)
    if not staff.may_handle(current_user, appointment):
        abort(403)
    return appointment


@bp.get("/bookings")
@login_required
def appointments() -> str:
    """Show a day's bookings: a counselor's own, or all for coordinators, and those at risk."""
    tz, now = line_timezone(), clock.now()
    day = date_arg("day") or now.astimezone(tz).date()
    field_id = int_arg("field") if current_user.is_coordinator else None
    found = list(db.session.scalars(staff.day_statement(current_user, day, tz, field_id)))
    at_risk = staff.needing_action(db.session, now, tz) if current_user.is_coordinator else []
    targets = {a.id: staff.move_targets(db.session, a, now, tz) for a in at_risk}
    if found:  # descriptions are the citizens' own words: each look at them is recorded
        audit_event("view", "appointments", None, day=day.isoformat(), ids=[a.id for a in found])
        db.session.commit()
    return render_template(
        "backoffice/appointments/day.html",
        day=day,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        found=found,
        at_risk=at_risk,
        targets=targets,
        field_id=field_id,
        fields=slots.menu_fields(db.session),
        masked_phone=masked_phone,
        mask_name=mask_name,
        statuses=STATUS_LABELS,
        kinds=KIND_LABELS,
        tz=tz,
        now=now,
    )


@bp.post("/bookings/<int:appointment_id>/consultation")
@login_required
def appointment_consultation(appointment_id: int) -> Response:
    """Open the booking's consultation record, starting it the first time."""
    appointment = _load(appointment_id)
    consultation = staff.open_consultation(db.session, appointment, current_user, clock.now())
    audit_event("view", "appointment", appointment.id, consultation=consultation.id)
    db.session.commit()
    return redirect(url_for("backoffice.edit_consultation", consultation_id=consultation.id))


@bp.post("/bookings/<int:appointment_id>/no-show")
@coordinator_required
def appointment_no_show(appointment_id: int) -> Response:
    """Note that the citizen did not come."""
    appointment = _load(appointment_id)
    staff.mark_no_show(appointment, clock.now())
    audit_event("edit", "appointment", appointment.id, status=appointment.status)
    db.session.commit()
    flash(_("오지 않음으로 기록했습니다."), "info")
    day = appointment.slot.starts_at.astimezone(line_timezone()).date()
    return redirect(url_for("backoffice.appointments", day=day.isoformat()))


@bp.post("/bookings/<int:appointment_id>/move")
@coordinator_required
def move_appointment(appointment_id: int) -> Response:
    """Move a booking to another free slot of its field; the citizen is told by SMS."""
    appointment = _load(appointment_id)
    try:
        staff.move_by_office(
            db.session, appointment, form_id(request.form.get("slot")), clock.now(), line_timezone()
        )
    except booking.BookingRefused as refusal:
        db.session.rollback()
        flash(_(refusal.message), "error")
        return redirect(url_for("backoffice.appointments"))
    audit_event("edit", "appointment", appointment.id, moved_to=appointment.slot_id)
    db.session.commit()
    flash(_("예약을 옮기고 시민에게 문자로 알렸습니다."), "info")
    return redirect(url_for("backoffice.appointments"))


@bp.route("/bookings/slots", methods=["GET", "POST"])
@coordinator_required
def appointment_slots() -> str | Response:
    """Set each field's slot plan and publish slots from its counselors' sessions."""
    tz, now = line_timezone(), clock.now()
    fields = slots.menu_fields(db.session)
    if request.method == "POST":
        field = db.session.get(Field, form_id(request.form.get("field")) or 0)
        if field is None:
            abort(404)
        plan = db.session.get(AppointmentPlan, field.id) or AppointmentPlan(field_id=field.id)
        minutes = form_id(request.form.get("slot_minutes"))
        if minutes is None or not 10 <= minutes <= 240:
            flash(_("상담 한 건의 길이는 10분부터 240분까지 정할 수 있습니다."), "error")
            return redirect(url_for("backoffice.appointment_slots"))
        kind = request.form.get("kind")
        plan.slot_minutes = minutes
        plan.kind = kind if kind in KIND_LABELS else AppointmentKind.VISIT
        plan.place = (request.form.get("place") or "").strip()[:80] or None
        db.session.add(plan)
        first = date_from_form("from") or now.astimezone(tz).date()
        last = date_from_form("until") or first + timedelta(days=30)
        if last < first or (last - first).days > 92:
            flash(_("게시 기간은 하루부터 석 달까지 정할 수 있습니다."), "error")
            return redirect(url_for("backoffice.appointment_slots"))
        added = slots.publish(db.session, field, first, last, tz, now)
        audit_event("edit", "appointment_slots", field.id, added=added)
        db.session.commit()
        flash(_("예약 시간 %(n)d개를 새로 게시했습니다.", n=added), "info")
        return redirect(url_for("backoffice.appointment_slots"))
    plans = {f.id: slots.plan_for(db.session, f.id) for f in fields}
    free = {
        f.id: len(slots.free_slot_ids(db.session, f.id, now, tz, respect_opening=False))
        for f in fields
    }
    return render_template(
        "backoffice/appointments/slots.html",
        fields=fields,
        plans=plans,
        free=free,
        kinds=KIND_LABELS,
        today=now.astimezone(tz).date(),
        opens=slots.booking_opens(next_month(now.astimezone(tz).date()), tz),
    )


def next_month(day: date) -> date:
    """Return the first day of the month after a date's."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def date_from_form(name: str) -> date | None:
    """Read an ISO date from the form, or None."""
    try:
        return date.fromisoformat((request.form.get(name) or "").strip())
    except ValueError:
        return None


@bp.get("/bookings/report")
@coordinator_required
def appointment_report() -> str:
    """Count bookings, attendance and no-shows per field over a period."""
    tz = line_timezone()
    today = clock.now().astimezone(tz).date()
    first = date_arg("from") or today.replace(day=1)
    last = date_arg("until") or (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    return render_template(
        "backoffice/appointments/report.html",
        first=first,
        last=last,
        figures=staff.figures(db.session, first, last, tz),
        fields=slots.menu_fields(db.session),
    )
