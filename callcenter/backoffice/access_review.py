"""The privacy officer's monthly review of access records: the page, the report, the sign-off."""

from __future__ import annotations

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as Redirect

from callcenter import access_review, export_reasons
from callcenter.auth.access import admin_required
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import audit_event
from callcenter.extensions import db
from callcenter.models import utcnow
from callcenter.timezone import line_timezone

NOTE_MAX = 500


def _review() -> access_review.Review:
    tz = line_timezone()
    month = access_review.by_month_label(
        request.values.get("month"), utcnow().astimezone(tz).date()
    )
    return access_review.review(db.session, month, tz)


@bp.get("/audit/review")
@admin_required
def access_review_page() -> str:
    """Show a month's accesses to personal data, account by account, with what stands out."""
    found = _review()
    return render_template(
        "backoffice/admin/access_review.html",
        review=found,
        emails={a.user_id: a.email for a in found.accounts},
        actions=access_review.PERSONAL_ACTIONS,
        tz=line_timezone(),
        note_max=NOTE_MAX,
    )


@bp.post("/audit/review")
@admin_required
def record_access_review() -> Redirect:
    """Record that the month's access records were reviewed, with the officer's note."""
    found = _review()
    label = found.month.strftime("%Y-%m")
    note = " ".join((request.form.get("note") or "").split())[:NOTE_MAX]
    audit_event("review", "access_records", None, month=label, note=note)
    db.session.commit()
    flash(_("%(month)s 접근 기록 점검을 기록했습니다.", month=label), "success")
    return redirect(url_for("backoffice.access_review_page", month=label))


@bp.get("/audit/review.csv")
@admin_required
def access_review_report() -> Response | tuple[str, int]:
    """Download the month's review as CSV; accounts are personal data, so a reason is asked."""
    found = _review()
    label = found.month.strftime("%Y-%m")
    reason = export_reasons.given_reason()
    if reason is None:
        return export_reasons.ask(_("접근 기록 점검 보고서"), f"{label} CSV")
    audit_event("export", "access_records", None, month=label, format="csv", reason=reason)
    db.session.commit()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(access_review.rows(found))
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="access-review-{label}.csv"'},
    )
