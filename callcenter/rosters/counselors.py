"""Counselors: list, create, edit, deactivate."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from callcenter.accounts import AccountError, link_account_to_counselor
from callcenter.arguments import form_id
from callcenter.auth.access import coordinator_required
from callcenter.backoffice.account import account_message
from callcenter.backoffice.helpers import audit_event
from callcenter.counselors import (
    CounselorError,
    linkable_accounts,
    linked_account,
    save_counselor,
)
from callcenter.extensions import db
from callcenter.models import Counselor, Field, Role, User, utcnow
from callcenter.number_checks import failing_numbers, latest_checks
from callcenter.phones import can_receive_sms, national
from callcenter.rosters import bp
from callcenter.rosters.forms import get_or_404
from callcenter.timezone import line_timezone

# How the last test call to a counselor's number went (message ids, translated in the page).
CHECK_LABELS = {
    "calling": "거는 중",
    "confirmed": "확인됨",
    "not_confirmed": "1번을 누르지 않음",
    "no_answer": "받지 않음",
    "busy": "통화 중",
    "failed": "연결 실패",
}


@bp.get("/counselors")
@coordinator_required
def counselors() -> str:
    """List counselors with their fields, active ones first."""
    rows = db.session.scalars(
        select(Counselor).order_by(Counselor.active.desc(), Counselor.name)
    ).all()
    accounts = {
        u.counselor_id: u
        for u in db.session.scalars(select(User).where(User.counselor_id.is_not(None)))
    }
    return render_template(
        "rosters/counselors.html",
        counselors=rows,
        accounts=accounts,
        checks=latest_checks(db.session, [c.id for c in rows]),
        failing=failing_numbers(db.session, utcnow()),
        check_labels=CHECK_LABELS,
        tz=line_timezone(),
    )


def _link_account(counselor: Counselor, account_id: int | None) -> None:
    """Give the counselor the chosen sign-in account, as an admin; audit each change."""
    account = db.session.get(User, account_id) if account_id else None
    if account_id and account is None:
        raise AccountError("the linked account must be a counselor account")
    changes = link_account_to_counselor(db.session, counselor, account, current_user)
    for user, previous in changes:
        audit_event(
            "account",
            "user",
            user.id,
            change="linked" if user.counselor_id else "unlinked",
            counselor=user.counselor_id or previous,
        )


def _form(counselor: Counselor | None) -> str | Response | tuple[str, int]:
    """Show and save the counselor form."""
    fields = db.session.scalars(select(Field).order_by(Field.position)).all()
    account = linked_account(db.session, counselor) if counselor else None
    values: dict[str, Any] = {
        "name": counselor.name if counselor else "",
        "phone": national(counselor.phone) if counselor else "",
        "field_ids": [f.id for f in counselor.fields] if counselor else [],
        "auto_answer": counselor.auto_answer if counselor else False,
        "active": counselor.active if counselor else True,
        "account_id": account.id if account else None,
    }
    error = None
    if request.method == "POST":
        form = request.form
        values = {
            "name": form.get("name", ""),
            "phone": form.get("phone", ""),
            "field_ids": [n for i in form.getlist("field_ids") if (n := form_id(i))],
            "auto_answer": form.get("auto_answer") == "on",
            "active": form.get("active") == "on" if counselor else True,
            # Only an admin's form has the account field; without it the link stays.
            "account_id": form_id(form.get("account_id"))
            if "account_id" in form
            else values["account_id"],
        }
        try:
            saved = save_counselor(
                db.session, counselor, **{k: v for k, v in values.items() if k != "account_id"}
            )
            _link_account(saved, values["account_id"])
        except CounselorError as exc:
            db.session.rollback()
            error = gettext(str(exc))
        except AccountError as exc:
            db.session.rollback()
            error = account_message(exc)
        else:
            db.session.commit()
            flash(gettext("%(name)s 님의 정보를 저장했습니다.", name=saved.name), "success")
            if not can_receive_sms(saved.phone):
                flash(
                    gettext("이 번호는 휴대전화가 아니어서 근무 알림 문자를 받을 수 없습니다."),
                    "warning",
                )
            return redirect(url_for("rosters.counselors"))
    return render_template(
        "rosters/counselor_form.html",
        counselor=counselor,
        values=values,
        fields=fields,
        accounts=linkable_accounts(db.session, counselor),
        linked=account,
        may_link=current_user.role == Role.ADMIN,
        error=error,
    ), (422 if error else 200)


@bp.route("/counselors/new", methods=["GET", "POST"])
@coordinator_required
def new_counselor() -> str | Response | tuple[str, int]:
    """Create a counselor."""
    return _form(None)


@bp.route("/counselors/<int:counselor_id>", methods=["GET", "POST"])
@coordinator_required
def edit_counselor(counselor_id: int) -> str | Response | tuple[str, int]:
    """Change a counselor's details."""
    return _form(get_or_404(db.session, Counselor, counselor_id))


@bp.post("/counselors/<int:counselor_id>/deactivate")
@coordinator_required
def deactivate_counselor(counselor_id: int) -> Response:
    """Take a counselor off the line; their shifts no longer count."""
    counselor = get_or_404(db.session, Counselor, counselor_id)
    counselor.active = False
    db.session.commit()
    flash(gettext("%(name)s 님을 비활성화했습니다.", name=counselor.name), "success")
    return redirect(url_for("rosters.counselors"))
