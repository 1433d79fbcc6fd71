"""Error pages for people; IVR errors are answered by the IVR blueprint with speech.

Pages speak the interface's language and lead back to where the visitor belongs: citizens on
the public pages to the live status page, staff to the start page (or to sign-in).
"""

from __future__ import annotations

import logging

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import BadRequest, HTTPException

from callcenter.extensions import db
from callcenter.models.lengths import TooLong

log = logging.getLogger(__name__)

# Each status: a title and what the visitor can do about it. Werkzeug's own texts are English.
PAGES = {
    400: (_l("요청을 처리할 수 없습니다"), _l("입력한 값을 확인하고 다시 시도해 주십시오.")),
    403: (
        _l("이 페이지를 볼 권한이 없습니다"),
        _l("다른 계정으로 로그인해야 할 수 있습니다. 필요하면 관리자에게 문의해 주십시오."),
    ),
    404: (
        _l("페이지를 찾을 수 없습니다"),
        _l("주소가 바뀌었거나 없는 페이지입니다. 주소를 확인해 주십시오."),
    ),
    405: (_l("이 방법으로는 열 수 없는 페이지입니다"), _l("처음 화면에서 다시 시작해 주십시오.")),
    413: (_l("보낸 내용이 너무 큽니다"), _l("더 작은 파일이나 짧은 내용으로 다시 보내 주십시오.")),
    429: (_l("요청이 너무 많습니다"), _l("잠시 후 다시 시도해 주십시오.")),
    500: (
        _l("문제가 생겼습니다"),
        _l("잠시 후 다시 시도해 주십시오. 문제가 계속되면 관리자에게 알려 주십시오."),
    ),
}
# Fields whose names a length message can give; others are "입력한 내용".
FIELD_LABELS = {
    "reason": _l("사유"),
    "note": _l("메모"),
    "name": _l("이름"),
    "name_ko": _l("이름 (한국어)"),
    "name_en": _l("이름 (영어)"),
    "email": _l("이메일"),
    "phone": _l("전화번호"),
}
# Where citizens are (by the URL's first segment, for URLs no view matched): their pages lead
# back to the status page, never into the back office.
PUBLIC_SEGMENTS = frozenset({"status", "status.json", "callback", "api"})


def is_public_request() -> bool:
    """Whether the visitor was on the citizens' pages."""
    if request.blueprint is not None:
        return request.blueprint == "public"
    return request.path.split("/")[1] in PUBLIC_SEGMENTS


def _signed_in() -> bool | None:
    """Whether a staff member is signed in; None when that cannot be read (no database)."""
    try:
        return bool(current_user.is_authenticated)
    except Exception:
        log.warning("Could not read the signed-in user for an error page")
        return None


def _way_back() -> tuple[str, str, str]:
    """Return the layout, the link back and its label that fit this visitor."""
    if is_public_request():
        return "public/layout.html", url_for("public.status_page"), _("실시간 상담 현황으로")
    signed_in = _signed_in()
    if signed_in:
        return "base.html", url_for("backoffice.index"), _("처음 화면으로")
    # Without a readable account the staff layout cannot draw its menu: use the plain one.
    layout = "base.html" if signed_in is False else "public/layout.html"
    return layout, url_for("auth.login"), _("로그인 화면으로")


def render_error(code: int, message: str | None = None) -> tuple[str, int]:
    """Render the error page of a status, in the visitor's language, with a way back."""
    title, advice = PAGES.get(code, PAGES[400 if code < 500 else 500])
    layout, back, back_label = _way_back()
    page = render_template(
        "error.html",
        layout=layout,
        code=code,
        title=str(title),
        message=message,
        advice=str(advice),
        back=back,
        back_label=back_label,
    )
    return page, code


def _own_message(exc: HTTPException) -> str | None:
    """Return a description the app wrote for this error, not Werkzeug's default English."""
    default = type(exc).description
    return exc.description if exc.description and exc.description != default else None


def too_long_message(exc: TooLong) -> str:
    """Say which text is too long and how long it may be."""
    label = FIELD_LABELS.get(exc.column)
    if label is None:
        return _("입력한 내용이 너무 깁니다. %(limit)d자까지 쓸 수 있습니다.", limit=exc.limit)
    return _(
        "%(label)s 항목이 너무 깁니다. %(limit)d자까지 쓸 수 있습니다.",
        label=label,
        limit=exc.limit,
    )


def _same_site_referrer() -> str | None:
    """Return the page the form was on, when it is one of ours."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return referrer
    return None


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/ivr/") or request.accept_mimetypes.best == "application/json":
            return {"error": exc.name, "status": exc.code}, exc.code
        return render_error(exc.code or 500, _own_message(exc))

    @app.errorhandler(TooLong)
    def too_long(exc: TooLong):
        db.session.rollback()
        message = too_long_message(exc)
        back = _same_site_referrer() if request.method == "POST" else None
        if back:
            flash(message, "error")
            return redirect(back)
        return http_error(BadRequest(message))

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        log.exception("Unhandled error", extra={"path": request.path})
        try:
            db.session.rollback()
        except Exception:  # the database may be what failed
            log.warning("Rollback failed after an unhandled error")
        return render_error(500)
