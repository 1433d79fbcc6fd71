"""The interface's language: Korean unless a visitor chose English, and remembered once chosen."""

from __future__ import annotations

from flask import Flask, Response, request

LANGUAGES = ("ko", "en")
COOKIE = "lang"
COOKIE_SECONDS = 365 * 86400


def select_locale() -> str:
    """Pick Korean unless the visitor asked for English (now, before, or in their account)."""
    from flask_login import current_user

    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if not chosen and getattr(current_user, "is_authenticated", False):
        chosen = current_user.locale
    return chosen if chosen in LANGUAGES else "ko"


def remember_choice(response: Response) -> Response:
    """Keep an explicit ?lang= choice for every later page, public or back office."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=COOKIE_SECONDS, samesite="Lax")
        # A shared cache must not hand this cookie to other visitors.
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def register(app: Flask) -> None:
    """Remember the language on every answer."""
    app.after_request(remember_choice)
