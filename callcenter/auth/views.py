"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from callcenter import clock
from callcenter.accounts import verify_password
from callcenter.auth import bp, throttle
from callcenter.extensions import db
from callcenter.models import User


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("이메일", validators=[DataRequired(), Email()])
    password = PasswordField("비밀번호", validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    """Follow `next` only to a path on this site."""
    if target and urlsplit(target).netloc == "" and target.startswith("/"):
        return target
    return url_for("backoffice.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("backoffice.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    now, address = clock.now(), request.remote_addr
    email = form.email.data.strip().lower()
    if throttle.is_locked(db.session, email, address, now):
        flash(_("로그인 시도가 너무 많습니다. 15분 뒤에 다시 시도해 주십시오."), "error")
        return render_template("auth/login.html", form=form), 429
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.active or not verify_password(user, form.password.data):
        throttle.record_failure(db.session, email, address, now)
        db.session.commit()
        flash(_("이메일 또는 비밀번호가 맞지 않습니다."), "error")
        return render_template("auth/login.html", form=form), 401
    throttle.clear(db.session, email, now)
    user.last_login_at = now
    db.session.commit()
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout() -> Response:
    """Sign out."""
    logout_user()
    flash(_("로그아웃했습니다."), "info")
    return redirect(url_for("auth.login"))
