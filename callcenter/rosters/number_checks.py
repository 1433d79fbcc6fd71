"""Test calls to counselors' numbers, sent from the counselors' page."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from callcenter import number_checks
from callcenter.auth.access import coordinator_required
from callcenter.backoffice.callbacks import external_url
from callcenter.extensions import db
from callcenter.models import CheckResult, Counselor, NumberCheck, utcnow
from callcenter.rosters import bp
from callcenter.rosters.forms import get_or_404


def _urls(check: NumberCheck) -> tuple[str, str]:
    return (
        external_url("ivr.number_check_answer", check_id=check.id),
        external_url("ivr.number_check_status", check_id=check.id),
    )


@bp.post("/counselors/<int:counselor_id>/test-call")
@coordinator_required
def test_call(counselor_id: int) -> Response:
    """Ring a counselor's number; they press 1 to confirm it reaches them."""
    counselor = get_or_404(db.session, Counselor, counselor_id)
    check = number_checks.start_check(db.session, counselor, current_user, utcnow(), _urls)
    db.session.commit()
    if check.result == CheckResult.FAILED:
        flash(gettext("%(name)s 님에게 시험 전화를 걸지 못했습니다.", name=counselor.name), "error")
    else:
        flash(
            gettext(
                "%(name)s 님에게 시험 전화를 걸었습니다. 받고 1번을 누르면 확인됩니다.",
                name=counselor.name,
            ),
            "success",
        )
    return redirect(url_for("rosters.counselors"))
