"""Shifts: weekly series, one-off shifts, and single occurrences of a series."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from callcenter import clock
from callcenter.arguments import int_arg, path_date
from callcenter.auth.access import coordinator_required
from callcenter.extensions import db
from callcenter.models import Counselor, Field, OneOffShift, WeeklyShift
from callcenter.rosters import bp
from callcenter.rosters.forms import (
    FormError,
    get_or_404,
    local_next,
    optional_date,
    parse_date,
    parse_time,
    pick_counselor,
    pick_field,
)
from callcenter.rosters.offers import close_filled_offers
from callcenter.timezone import line_timezone
from schedules import patterns
from schedules.shifts import (
    WEEKDAY_NAMES,
    RosterError,
    add_one_off_shift,
    add_weekly_shift,
    change_occurrence,
    end_weekly_shift,
    restore_occurrence,
    skip_occurrence,
)


def _choices() -> dict:
    """Return what the shift forms offer to pick from."""
    return {
        "all_fields": db.session.scalars(select(Field).order_by(Field.position)).all(),
        "all_counselors": db.session.scalars(
            select(Counselor).where(Counselor.active.is_(True)).order_by(Counselor.name)
        ).all(),
        "weekday_names": WEEKDAY_NAMES,
    }


def _fail(exc: Exception) -> None:
    db.session.rollback()
    flash(gettext(str(exc)), "error")


@bp.get("/shifts")
@coordinator_required
def shifts() -> str:
    """List weekly series and upcoming one-off shifts, with forms to add them."""
    today = clock.today()
    weekly = select(WeeklyShift).order_by(WeeklyShift.weekday, WeeklyShift.start_time)
    one_offs = (
        select(OneOffShift)
        .where(OneOffShift.date >= today, OneOffShift.date <= today + timedelta(days=90))
        .order_by(OneOffShift.date, OneOffShift.start_time)
    )
    field_id = int_arg("field")
    if field_id:
        weekly = weekly.where(WeeklyShift.field_id == field_id)
        one_offs = one_offs.where(OneOffShift.field_id == field_id)
    return render_template(
        "rosters/shifts.html",
        weekly=db.session.scalars(weekly).all(),
        one_offs=db.session.scalars(one_offs).all(),
        field_id=field_id,
        today=today,
        **_choices(),
    )


def _weekly_values(form) -> dict:
    """Read a weekly shift form."""
    weekday = form.get("weekday", type=int)
    if weekday is None:
        raise FormError(gettext("요일을 고르세요."))
    month_week, interval_weeks = _recurrence(form.get("recurrence"))
    return {
        "month_week": month_week,
        "interval_weeks": interval_weeks,
        "counselor": pick_counselor(db.session, form.get("counselor_id")),
        "field": pick_field(db.session, form.get("field_id")),
        "weekday": weekday,
        "start": parse_time(form.get("start"), gettext("시작")),
        "end": parse_time(form.get("end"), gettext("끝")),
        "valid_from": optional_date(form.get("valid_from"), gettext("적용 시작일")),
        "valid_until": optional_date(form.get("valid_until"), gettext("적용 종료일")),
    }


def _recurrence(value: str | None) -> tuple[int, int]:
    """Read the form's pattern: every week, every other week, or a week of the month."""
    value = value or "weekly"
    if value == "weekly":
        return patterns.EVERY_WEEK, 1
    if value == "fortnightly":
        return patterns.EVERY_WEEK, 2
    if value == "last":
        return patterns.LAST, 1
    if value in ("1", "2", "3", "4", "5"):
        return int(value), 1
    raise FormError(gettext("반복 방식을 고르세요."))


@bp.post("/shifts/weekly")
@coordinator_required
def add_weekly() -> Response:
    """Add a weekly shift."""
    try:
        values = _weekly_values(request.form)
        add_weekly_shift(db.session, **values)
    except (FormError, RosterError) as exc:
        _fail(exc)
    else:
        close_filled_offers(values["field"].id)
        db.session.commit()
        flash(gettext("매주 근무를 추가했습니다."), "success")
    return redirect(local_next(request.form.get("next"), url_for("rosters.shifts")))


@bp.route("/shifts/weekly/<int:shift_id>", methods=["GET", "POST"])
@coordinator_required
def edit_weekly(shift_id: int) -> str | Response:
    """Change a whole weekly series."""
    shift = get_or_404(db.session, WeeklyShift, shift_id)
    if request.method == "POST":
        try:
            add_weekly_shift(db.session, **_weekly_values(request.form), replacing=shift)
        except (FormError, RosterError) as exc:
            _fail(exc)
        else:
            close_filled_offers()
            db.session.commit()
            flash(gettext("매주 근무를 바꿨습니다."), "success")
            return redirect(url_for("rosters.shifts"))
    return render_template("rosters/weekly_form.html", shift=shift, **_choices())


@bp.post("/shifts/weekly/<int:shift_id>/end")
@coordinator_required
def end_weekly(shift_id: int) -> Response:
    """End a series after a date, keeping its past."""
    shift = get_or_404(db.session, WeeklyShift, shift_id)
    try:
        last_day = parse_date(request.form.get("last_day"), gettext("마지막 날"))
    except FormError as exc:
        _fail(exc)
        return redirect(url_for("rosters.edit_weekly", shift_id=shift_id))
    end_weekly_shift(db.session, shift, last_day)
    db.session.commit()
    flash(gettext("매주 근무를 끝냈습니다."), "success")
    return redirect(url_for("rosters.shifts"))


@bp.route("/shifts/weekly/<int:shift_id>/<day>", methods=["GET", "POST"])
@coordinator_required
def occurrence(shift_id: int, day: str) -> str | Response:
    """Change, cancel or restore one occurrence of a series; the series stays as it is."""
    shift = get_or_404(db.session, WeeklyShift, shift_id)
    on = path_date(day)
    tz = line_timezone()
    if request.method == "POST":
        action = request.form.get("action")
        reason = request.form.get("reason") or None
        try:
            if action == "cancel":
                skip_occurrence(db.session, shift, on, tz, reason=reason)
                message = gettext("이 날의 근무를 취소했습니다.")
            elif action == "restore":
                restore_occurrence(db.session, shift, on)
                message = gettext("이 날의 근무를 되살렸습니다.")
            else:
                change_occurrence(
                    db.session,
                    shift,
                    on,
                    tz,
                    counselor=pick_counselor(db.session, request.form.get("counselor_id")),
                    start=parse_time(request.form.get("start"), gettext("시작")),
                    end=parse_time(request.form.get("end"), gettext("끝")),
                    reason=reason,
                )
                message = gettext("이 날의 근무만 바꿨습니다. 다른 주는 그대로입니다.")
        except (FormError, RosterError) as exc:
            _fail(exc)
        else:
            close_filled_offers(shift.field_id)
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("rosters.calendar", date=on.isoformat()))
    return render_template("rosters/occurrence.html", shift=shift, day=on, **_choices())


@bp.route("/shifts/one-off/new", methods=["GET", "POST"])
@coordinator_required
def new_one_off() -> str | Response:
    """Add a shift on one date (e.g. to fill a gap)."""
    source = request.form if request.method == "POST" else request.args
    values = {k: source.get(k, "") for k in ("field_id", "counselor_id", "date", "start", "end")}
    if request.method == "POST":
        try:
            shift = add_one_off_shift(
                db.session,
                pick_counselor(db.session, source.get("counselor_id")),
                pick_field(db.session, source.get("field_id")),
                parse_date(source.get("date"), gettext("날짜")),
                parse_time(source.get("start"), gettext("시작")),
                parse_time(source.get("end"), gettext("끝")),
                line_timezone(),
                note=source.get("note") or None,
            )
        except (FormError, RosterError) as exc:
            _fail(exc)
        else:
            close_filled_offers(shift.field_id)
            db.session.commit()
            flash(gettext("하루 근무를 추가했습니다."), "success")
            return redirect(url_for("rosters.calendar", date=shift.date.isoformat()))
    return render_template("rosters/one_off_form.html", values=values, **_choices())


@bp.post("/shifts/one-off/<int:shift_id>/delete")
@coordinator_required
def delete_one_off(shift_id: int) -> Response:
    """Remove a one-off shift."""
    shift = get_or_404(db.session, OneOffShift, shift_id)
    on = shift.date
    db.session.delete(shift)
    db.session.commit()
    flash(gettext("하루 근무를 지웠습니다."), "success")
    return redirect(url_for("rosters.calendar", date=on.isoformat()))
