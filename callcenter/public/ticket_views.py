"""The online callback ticket: book, see the ticket number, cancel."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField

from callcenter.extensions import db
from callcenter.models import Field
from callcenter.phones import mask
from callcenter.public import bp, tickets
from callcenter.reporting.live import line_now
from callcenter.timezone import line_timezone


class BookingForm(FlaskForm):
    """Field, phone, preferred window, consent; checked by the ticket rules, not here."""

    field = SelectField(validate_choice=False)
    phone = StringField()
    window = SelectField(validate_choice=False)
    consent = BooleanField()


class CancelForm(FlaskForm):
    """Ticket number and phone."""

    ticket = StringField()
    phone = StringField()


def _fields() -> list[Field]:
    return list(db.session.scalars(Field.menu()))


def _booking_page(form: BookingForm, status: int = 200, error=None):
    now, tz = line_now(), line_timezone()
    fields = _fields()
    windows = {f.code: tickets.upcoming_windows(db.session, f.id, now, tz) for f in fields}
    page = render_template(
        "public/callback.html",
        form=form,
        fields=fields,
        windows=windows,
        error=error,
        language=str(get_locale()),
        retention_days=current_app.config["RETENTION_DAYS"],
    )
    return current_app.make_response((page, status))


@bp.route("/callback", methods=["GET", "POST"])
def book():
    """Show the booking form; register a ticket and show its number."""
    form = BookingForm()
    if request.method == "GET" or not form.validate_on_submit():
        if request.method == "POST":  # the CSRF token was missing or stale
            return _booking_page(
                form, 400, tickets.TicketRefused("페이지가 만료되었습니다. 다시 시도해 주십시오.")
            )
        form.field.data = form.field.data or request.args.get("field")
        return _booking_page(form)
    field = db.session.scalar(
        select(Field).where(Field.code == (form.field.data or ""), Field.active.is_(True))
    )
    try:
        if field is None:
            raise tickets.TicketRefused("상담 분야를 골라 주십시오.", field="field")
        window_field, _sep, window_key = (form.window.data or "").partition(":")
        if window_key and window_field != field.code:
            raise tickets.TicketRefused(
                "희망 시간대는 고른 분야의 상담 시간 중에서 골라 주십시오.", field="window"
            )
        ticket = tickets.book(
            db.session,
            field=field,
            phone_text=form.phone.data or "",
            window_key=window_key or None,
            consent=bool(form.consent.data),
            address=request.remote_addr,
            now=line_now(),
            tz=line_timezone(),
            language=str(get_locale()),
        )
    except tickets.TicketRefused as refusal:
        db.session.commit()  # keep the attempt: it counts towards the limits
        return _booking_page(form, refusal.status, refusal)
    db.session.commit()
    page = render_template(
        "public/callback_done.html",
        ticket=ticket,
        field=field,
        phone=mask(ticket.phone),
        language=str(get_locale()),
    )
    return current_app.make_response((page, 201))


@bp.route("/callback/cancel", methods=["GET", "POST"])
def cancel():
    """Cancel a ticket with its number and phone."""
    form = CancelForm()
    error, cancelled, status = None, None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            error = tickets.TicketRefused("페이지가 만료되었습니다. 다시 시도해 주십시오.", 400)
        else:
            try:
                cancelled = tickets.cancel(
                    db.session,
                    ticket=form.ticket.data or "",
                    phone_text=form.phone.data or "",
                    address=request.remote_addr,
                    now=line_now(),
                )
            except tickets.TicketRefused as refusal:
                error = refusal
            db.session.commit()
        status = error.status if error else 200
    elif request.args.get("ticket"):
        form.ticket.data = request.args["ticket"]
    page = render_template(
        "public/callback_cancel.html",
        form=form,
        error=error,
        cancelled=cancelled,
        title=_("콜백 요청 취소"),
    )
    return current_app.make_response((page, status))
