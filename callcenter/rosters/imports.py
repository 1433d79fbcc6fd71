"""The roster CSV import from the web: upload, preview what changes, then apply."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from callcenter import clock
from callcenter.auth.access import coordinator_required
from callcenter.extensions import db
from callcenter.models import Field
from callcenter.rosters import bp
from callcenter.rosters.offers import close_filled_offers
from schedules.roster_import import (
    RosterFileError,
    apply_roster,
    decode,
    preview_roster,
    read_roster,
)

MAX_UPLOAD = 2 * 1024 * 1024


def _parse(data: bytes):
    # The command's reading: fields by code, Korean or English name.
    return read_roster(db.session, data)


@bp.route("/import", methods=["GET", "POST"])
@coordinator_required
def import_roster() -> str | tuple[str, int]:
    """Read an uploaded CSV and show what applying it would change."""
    if request.method == "GET":
        return render_template("rosters/import.html")
    upload = request.files.get("file")
    data = upload.read(MAX_UPLOAD + 1) if upload else b""
    if not data:
        return render_template("rosters/import.html", error=gettext("CSV 파일을 고르세요.")), 422
    if len(data) > MAX_UPLOAD:
        return render_template("rosters/import.html", error=gettext("파일이 너무 큽니다.")), 422
    try:
        parsed = _parse(data)
        text = decode(data)
    except RosterFileError as exc:
        return render_template("rosters/import.html", error=str(exc)), 422
    if not parsed.ok:
        return render_template("rosters/import.html", errors=parsed.errors), 422
    preview = preview_roster(db.session, parsed.rows)
    fields = {f.code: f for f in db.session.scalars(select(Field))}
    return render_template(
        "rosters/import.html", preview=preview, csv_text=text, parsed=parsed, fields=fields
    )


@bp.post("/import/apply")
@coordinator_required
def apply_import() -> str | tuple[str, int] | Response:
    """Apply the previewed file: all rows or none (it is checked again first)."""
    data = (request.form.get("csv_text") or "").encode("utf-8")
    try:
        parsed = _parse(data)
    except RosterFileError as exc:
        return render_template("rosters/import.html", error=str(exc)), 422
    if not parsed.ok:
        return render_template("rosters/import.html", errors=parsed.errors), 422
    summary = apply_roster(db.session, parsed.rows, today=clock.today())
    close_filled_offers()
    db.session.commit()
    flash(
        gettext(
            "가져오기 완료: 상담위원 %(new)d명, 매주 근무 %(weekly)d개, "
            "하루 근무 %(one_off)d개를 추가했습니다.",
            new=len(summary.counselors_created),
            weekly=summary.weekly_shifts_created,
            one_off=summary.one_off_shifts_created,
        ),
        "success",
    )
    return redirect(url_for("rosters.shifts"))
