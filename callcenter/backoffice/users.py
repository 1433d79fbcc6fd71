"""Account management for admins: create, change role, link, deactivate, reset a password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, Length

from callcenter import accounts
from callcenter.auth.access import admin_required
from callcenter.backoffice import bp
from callcenter.backoffice.account import account_message
from callcenter.backoffice.helpers import audit_event, get_or_404, options
from callcenter.consultations import counselors_for
from callcenter.extensions import db
from callcenter.models import Counselor, Role, User
from callcenter.models.lengths import max_length

ROLE_LABELS = {
    Role.ADMIN: _l("관리자"),
    Role.COORDINATOR: _l("코디네이터"),
    Role.COUNSELOR: _l("상담위원"),
}


def _counselor(value: str | None) -> int | None:
    return int(value) if value else None


class AccountForm(FlaskForm):
    """Role, state and counselor link of an account."""

    role = SelectField(_l("역할"), choices=options(ROLE_LABELS.items()))
    counselor = SelectField(_l("연결된 상담위원"), coerce=_counselor)
    active = BooleanField(_l("사용 중"), default=True)


class NewAccountForm(AccountForm):
    """A new account with its first password."""

    email = EmailField(
        _l("이메일"), validators=[DataRequired(), Email(), Length(max=max_length(User.email))]
    )
    password = PasswordField(_l("처음 비밀번호 (10자 이상)"), validators=[DataRequired()])


def _with_counselors(form: AccountForm) -> AccountForm:
    form.counselor.choices = options(
        [("", "—")] + [(c.id, c.name) for c in counselors_for(db.session)]
    )
    return form


@bp.get("/admin/users")
@admin_required
def users() -> str:
    """List every account."""
    rows = db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
    return render_template("backoffice/admin/users.html", users=rows, roles=ROLE_LABELS)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def new_user() -> str | Response | tuple[str, int]:
    """Create an account."""
    form = _with_counselors(NewAccountForm())
    if form.validate_on_submit():
        counselor = db.session.get(Counselor, form.counselor.data) if form.counselor.data else None
        try:
            user = accounts.create_user(
                db.session, form.email.data, form.role.data, form.password.data, counselor
            )
            user.active = form.active.data
            db.session.flush()
        except accounts.AccountError as exc:
            db.session.rollback()
            form.form_errors.append(account_message(exc))
        else:
            audit_event(
                "account",
                "user",
                user.id,
                change="created",
                role=user.role,
                counselor=user.counselor_id,
            )
            db.session.commit()
            flash(_("계정을 만들었습니다."), "info")
            return redirect(url_for("backoffice.users"))
    status = 422 if request.method == "POST" else 200
    return render_template("backoffice/admin/user_form.html", form=form, user=None), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int) -> str | Response | tuple[str, int]:
    """Change an account's role, counselor link or state."""
    user = get_or_404(User, user_id)
    form = _with_counselors(AccountForm(obj=user if request.method == "GET" else None))
    if request.method == "GET":
        form.counselor.data = user.counselor_id
    if form.validate_on_submit():
        counselor = db.session.get(Counselor, form.counselor.data) if form.counselor.data else None
        linked_before = user.counselor_id
        try:
            accounts.update_account(
                db.session, user, current_user, form.role.data, form.active.data, counselor
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            form.form_errors.append(account_message(exc))
        else:
            audit_event(
                "account", "user", user.id, change="updated", role=user.role, active=user.active
            )
            if user.counselor_id != linked_before:
                audit_event(
                    "account",
                    "user",
                    user.id,
                    change="linked" if user.counselor_id else "unlinked",
                    counselor=user.counselor_id or linked_before,
                )
            db.session.commit()
            flash(_("계정을 고쳤습니다."), "info")
            return redirect(url_for("backoffice.users"))
    status = 422 if request.method == "POST" else 200
    return render_template("backoffice/admin/user_form.html", form=form, user=user), status


@bp.post("/admin/users/<int:user_id>/reset-password")
@admin_required
def reset_user_password(user_id: int) -> str:
    """Give an account a new random password, shown once to the admin."""
    user = get_or_404(User, user_id)
    if user.id == current_user.id:
        abort(400)
    password = accounts.reset_password(db.session, user)
    audit_event("account", "user", user.id, change="password reset")
    db.session.commit()
    return render_template("backoffice/admin/password_reset.html", user=user, password=password)
