"""Flask's signed-cookie sessions, without the cookie work for requests that carry none.

Every Twilio webhook arrives without a cookie, many times a second; building the cookie's
signer for each of them is wasted work. Requests with a session cookie are handled exactly
as by Flask's own interface.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin


class CookieSessions(SecureCookieSessionInterface):
    """Skip the cookie's signer and settings when there is no session to read or write."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:
            # Nothing to store or to delete: only say that the answer depended on the cookie.
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
