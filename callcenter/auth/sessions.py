"""Signing a browser in and out of the back office over its server-side session."""

from __future__ import annotations

from flask import flash, g, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from callcenter.extensions import db
from callcenter.models import User, utcnow
from callcenter.user_sessions import end_session, live_session, open_session

SESSION_KEY = "sid"


def sign_in(user: User) -> None:
    """Open a session for this browser and sign the account in. Commits."""
    session.clear()
    g.pop("csrf_token", None)  # made for the cleared session: the next form gets a new one
    token = open_session(db.session, user, utcnow(), request.remote_addr)
    db.session.commit()
    session[SESSION_KEY] = token
    login_user(user)


def sign_out(reason: str = "logout") -> None:
    """End this browser's session on the server too, and forget the cookie. Commits."""
    token = session.get(SESSION_KEY)
    if token:
        end_session(db.session, token, utcnow(), reason)
        db.session.commit()
    logout_user()
    session.clear()


def signed_in_user(user_id: str) -> User | None:
    """Load the account the cookie names, only while its server-side session is open."""
    token = session.get(SESSION_KEY)
    if not token or not user_id.isdigit():
        return None
    row = live_session(db.session, token, utcnow())
    # The guard below loads the user first thing in a request, so this commits nothing else.
    if db.session.dirty:
        db.session.commit()
    if row is None or row.user_id != int(user_id):
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end_dead_cookies() -> None:
    """Drop the sign-in of a cookie whose session has ended, before any view runs."""
    # This request's cookie decides, never an account that an earlier request of a shared
    # app context loaded (the test client's requests share one).
    g.pop("_login_user", None)
    if request.endpoint in (None, "static") or "_user_id" not in session:
        return  # Twilio's webhooks and public visitors carry no sign-in
    if current_user.is_authenticated:
        return
    logout_user()
    session.clear()
    flash(_("로그인이 끝났습니다. 다시 로그인해 주십시오."), "info")
