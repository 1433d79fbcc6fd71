"""End sessions that should no longer be valid: deactivated accounts and changed passwords.

Sessions live in signed cookies, so the server cannot delete them. Instead each session
remembers a fingerprint of the password it was opened with; when an admin resets the password
(or the account is deactivated) every other session of that account stops working.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from callcenter.backoffice import bp
from callcenter.crypto import keyring
from callcenter.models import User

SESSION_KEY = "password_fingerprint"


def fingerprint(user: User) -> str:
    """Return the account id and a keyed digest of its password hash (never the hash itself)."""
    return f"{user.id}:" + keyring.digest("session:" + user.password_hash)[:16]


def remember_password(user: User) -> None:
    """Tie this session to the account's current password."""
    session[SESSION_KEY] = fingerprint(user)


def _may_be_signed_in() -> bool:
    """Whether the request carries a sign-in at all; Twilio's webhooks, for one, never do."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or cookie in request.cookies


@bp.before_app_request
def end_stale_sessions() -> Response | None:
    """Sign out a session whose account was deactivated or whose password was reset."""
    if request.endpoint in (None, "static") or not _may_be_signed_in():
        return None
    if not current_user.is_authenticated:
        return None
    remembered = session.get(SESSION_KEY, "")
    if current_user.active and not remembered.startswith(f"{current_user.id}:"):
        # First request of this sign-in (a cookie may still carry an earlier account's mark).
        remember_password(current_user)
        return None
    if current_user.active and remembered == fingerprint(current_user):
        return None
    logout_user()
    session.pop(SESSION_KEY, None)
    flash(_("계정이 바뀌어 로그아웃되었습니다. 다시 로그인해 주십시오."), "info")
    return redirect(url_for("auth.login"))
