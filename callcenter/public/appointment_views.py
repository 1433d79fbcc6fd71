"""The public booking page: pick a field and a slot, book, then move or cancel by number."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, StringField, TextAreaField

from callcenter.appointments import booking, slots
from callcenter.clock import now as clock_now
from callcenter.extensions import db
from callcenter.models import Field
from callcenter.phones import mask
from callcenter.public import bp
from callcenter.timezone import line_timezone

EXPIRED = "페이지가 만료되었습니다. 다시 시도해 주십시오."
# Slots shown on one page: a busy field has thousands; a link shows the later ones.
PAGE_SLOTS = 120


class AppointmentForm(FlaskForm):
    """Field, slot, name, phone, the matter, consent; checked by the booking rules."""

    field = StringField()
    slot = StringField()
    name = StringField()
    phone = StringField()
    description = TextAreaField()
    consent = BooleanField()


class ManageForm(FlaskForm):
    """Booking number and phone, and what to do: look, cancel, or move to a slot."""

    number = StringField()
    phone = StringField()
    action = StringField()
    slot = StringField()


def _slot_id(text: str | None) -> int | None:
    """Return a slot id from form text, or None."""
    return int(text) if text and text.isdigit() and len(text) < 10 else None


def _since(text: str | None, tz: ZoneInfo) -> datetime | None:
    """Return the start of the local day a ?from= date names, or None."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return (
        datetime.combine(day, time.min, tz) if date(2000, 1, 1) <= day <= date(2100, 1, 1) else None
    )


def _respond(template: str, status: int = 200, **values):
    """Render a public booking page in the visitor's language."""
    language = str(get_locale())
    page = render_template(template, language=language, tz=line_timezone(), **values)
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _booking_page(form: AppointmentForm, status: int = 200, error=None):
    fields = slots.menu_fields(db.session)
    chosen = next((f for f in fields if f.code == (form.field.data or "")), None)
    tz = line_timezone()
    since = _since(request.args.get("from"), tz)
    free = (
        slots.free_slots(db.session, chosen.id, clock_now(), tz, limit=PAGE_SLOTS, since=since)
        if chosen
        else []
    )
    later = None
    if len(free) == PAGE_SLOTS:
        later = (free[-1].starts_at.astimezone(tz).date() + timedelta(days=1)).isoformat()
    return _respond(
        "public/appointments.html",
        status,
        form=form,
        fields=fields,
        chosen=chosen,
        free=free,
        days=slots.by_day(free, tz),
        later=later,
        error=error,
        retention_days=current_app.config["RETENTION_DAYS"],
        cap=booking.setting("APPOINTMENT_MAX_PER_FIELD_PER_MONTH"),
    )


@bp.route("/appointments", methods=["GET", "POST"])
def appointments():
    """Show the fields and their free slots; book the chosen slot and show its number."""
    form = AppointmentForm()
    if request.method == "GET":
        form.field.data = request.args.get("field")
        return _booking_page(form)
    if not form.validate_on_submit():  # the CSRF token was missing or stale
        return _booking_page(form, 400, booking.BookingRefused(EXPIRED))
    field = db.session.scalar(
        select(Field).where(Field.code == (form.field.data or ""), Field.active.is_(True))
    )
    try:
        if field is None:
            raise booking.BookingRefused("상담 분야를 골라 주십시오.", field="field")
        appointment = booking.book(
            db.session,
            slot_id=_slot_id(form.slot.data),
            field_id=field.id,
            name=form.name.data or "",
            phone_text=form.phone.data or "",
            description=form.description.data or "",
            consent=bool(form.consent.data),
            address=request.remote_addr,
            now=clock_now(),
            tz=line_timezone(),
            language=str(get_locale()),
        )
    except booking.BookingRefused as refusal:
        db.session.commit()  # keep the attempt: it counts towards the limits
        return _booking_page(form, refusal.status, refusal)
    db.session.commit()
    return _respond(
        "public/appointment_done.html", 201, appointment=appointment, phone=mask(appointment.phone)
    )


@bp.route("/appointments/manage", methods=["GET", "POST"])
def manage_appointment():
    """Find a booking by its number and phone; cancel it or move it to another slot."""
    form = ManageForm()
    if request.method == "GET":
        form.number.data = request.args.get("number")
        return _respond("public/appointment_manage.html", form=form, found=None, error=None)
    if not form.validate_on_submit():
        expired = booking.BookingRefused(EXPIRED, 400)
        return _respond("public/appointment_manage.html", 400, form=form, found=None, error=expired)
    now, tz = clock_now(), line_timezone()
    found, done, free = None, None, []
    error: booking.BookingRefused | None = None
    try:
        found = booking.find(
            db.session,
            number=form.number.data or "",
            phone_text=form.phone.data or "",
            address=request.remote_addr,
            now=now,
        )
        if form.action.data == "cancel":
            booking.cancel(db.session, found, now, tz)
            done = "cancelled"
        elif form.action.data == "move":
            booking.move(db.session, found, _slot_id(form.slot.data), now, tz)
            done = "moved"
    except booking.BookingRefused as refusal:
        error = refusal
    db.session.commit()
    if found is not None and done is None:
        free = slots.free_slots(db.session, found.field_id, now, tz)
    status = error.status if error else 200
    return _respond(
        "public/appointment_manage.html",
        status,
        form=form,
        found=found,
        done=done,
        free=free,
        error=error,
        phone=mask(found.phone) if found else None,
    )
