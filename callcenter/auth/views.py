"""Sign in and sign out."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from callcenter import clock
from callcenter.accounts import authenticate
from callcenter.auth import bp, sessions, throttle
from callcenter.extensions import db


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
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("backoffice.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    now, address = clock.now(), request.remote_addr
    email = (form.email.data or "").strip().lower()
    attempt = throttle.admit(db.session, email, address, now)
    db.session.commit()  # the attempt counts from now, and the account's lock is released
    if attempt.refused:
        return _too_many_tries(form, attempt)
    user = authenticate(db.session, email, form.password.data or "")
    if user is None:
        flash(_("이메일 또는 비밀번호가 맞지 않습니다."), "error")
        return render_template("auth/login.html", form=form), 401
    throttle.succeeded(db.session, email, address, now)
    user.last_login_at = now
    sessions.sign_in(user)
    return redirect(_safe_next(request.args.get("next")))


def _too_many_tries(form: LoginForm, attempt: throttle.Attempt) -> tuple[str, int, dict[str, str]]:
    """Ask to wait before the next try, saying how long."""
    seconds = throttle.wait_text_seconds(attempt.wait)
    if seconds < 120:
        message = _(
            "로그인 시도가 너무 많습니다. %(seconds)d초 뒤에 다시 시도해 주십시오.",
            seconds=seconds,
        )
    else:
        message = _(
            "로그인 시도가 너무 많습니다. %(minutes)d분 뒤에 다시 시도해 주십시오.",
            minutes=math.ceil(seconds / 60),
        )
    flash(message, "error")
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(seconds)}


@bp.post("/logout")
def logout() -> Response:
    """Sign out, ending the session on the server: a copy of the cookie no longer works."""
    sessions.sign_out()
    flash(_("로그아웃했습니다."), "info")
    return redirect(url_for("auth.login"))
