"""The signed-in user's own account: changing the password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from callcenter.accounts import AccountError, change_password
from callcenter.auth import sessions
from callcenter.backoffice import bp
from callcenter.backoffice.helpers import audit_event
from callcenter.extensions import db

ACCOUNT_MESSAGES = {
    "a counselor account needs --counselor PHONE": _l(
        "상담위원 계정은 상담위원과 연결해야 합니다."
    ),
    "a counselor account must be linked to a counselor": _l(
        "상담위원 계정은 상담위원과 연결해야 합니다."
    ),
    "you cannot take away your own admin access": _l("자기 관리자 권한은 거둘 수 없습니다."),
    "the line needs at least one active admin": _l("사용 중인 관리자가 한 명은 있어야 합니다."),
    "the current password is not right": _l("지금 비밀번호가 맞지 않습니다."),
    "only an admin links accounts to counselors": _l("계정 연결은 관리자만 할 수 있습니다."),
    "this counselor is already linked to another account": _l(
        "이 상담위원은 이미 다른 계정과 연결되어 있습니다. 그 계정의 연결을 먼저 끊으십시오."
    ),
    "this account is linked to another counselor": _l(
        "이 계정은 이미 다른 상담위원과 연결되어 있습니다. 계정 관리에서 연결을 먼저 끊으십시오."
    ),
    "the linked account must be a counselor account": _l(
        "연결할 계정은 상담위원 계정이어야 합니다."
    ),
    "the new password must differ from the current one": _l(
        "새 비밀번호는 지금 비밀번호와 달라야 합니다."
    ),
}


class PasswordForm(FlaskForm):
    """The current password, and the new one twice."""

    current = PasswordField(_l("지금 비밀번호"), validators=[DataRequired()])
    new = PasswordField(_l("새 비밀번호 (10자 이상)"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("새 비밀번호 확인"),
        validators=[DataRequired(), EqualTo("new", message=_l("새 비밀번호가 서로 다릅니다."))],
    )


def account_message(exc: AccountError) -> str:
    """Return the Korean (or English) text of an account error."""
    text = str(exc)
    if text.startswith("the password must have at least"):
        return _("비밀번호는 10자 이상이어야 합니다.")
    if text.startswith("an account for"):
        return _("이 이메일의 계정이 이미 있습니다.")
    if text.endswith("is not an email address"):
        return _("이메일 주소가 아닙니다.")
    return str(ACCOUNT_MESSAGES.get(text, text))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_own_password() -> str | Response | tuple[str, int]:
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(db.session, current_user, form.current.data or "", form.new.data or "")
        except AccountError as exc:
            form.form_errors.append(account_message(exc))
        else:
            audit_event("account", "user", current_user.id, change="password")
            # Every session ended, this one too: the browser that changed it starts afresh.
            sessions.sign_in(current_user._get_current_object())
            flash(_("비밀번호를 바꿨습니다."), "info")
            return redirect(url_for("backoffice.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("backoffice/account_password.html", form=form), status
