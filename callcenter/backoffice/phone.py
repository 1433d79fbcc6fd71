"""The browser phone page: a keypad that plays a call through the line, in sandbox mode."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from callcenter.backoffice import bp
from callcenter.browser_phone import KEYS, PhoneCall, play, valid_key
from callcenter.extensions import db

BEHAVIOUR_LABELS = {
    "answers": _l("받고 1번 누름"),
    "no-answer": _l("받지 않음"),
    "busy": _l("통화 중"),
    "declines": _l("받았지만 1번 안 누름"),
    "fails": _l("연결 실패"),
}
CALLERS = ("+821055551234", "+821099990000", "")
LEGS = 3


@bp.route("/phone", methods=["GET", "POST"])
@login_required
def phone() -> str | tuple[str, int]:
    """Show the keypad; dialling starts one practice call, each press continues it."""
    sandbox = current_app.config["SANDBOX"]
    form = request.form
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = [form.get(f"leg{i}", "answers") for i in range(LEGS)]
    fresh = PhoneCall.parse(form.get("caller", CALLERS[0]), "", settings)
    if not fresh.counselors:
        fresh.counselors = ["answers"] * LEGS
    call = PhoneCall.unseal(app, form.get("call", "")) or fresh
    error = None
    if request.method == "POST" and sandbox:
        # Release this request's read transaction: the walker's requests write.
        db.session.close()
        if "dial" in form:
            error = play(app, fresh)
            call = fresh
        elif call.in_progress and "hangup" in form:
            error = play(app, call, hang_up=True)
        elif call.in_progress and ("press" in form or "digits" in form):
            key = form.get("press") if "press" in form else form.get("typed", "").strip()
            error = play(app, call, key if key is not None and valid_key(key) else "")
    return render_template(
        "backoffice/phone.html",
        call=call,
        sealed=call.seal(app),
        settings=settings,
        error=error,
        sandbox=sandbox,
        keys=KEYS,
        behaviours=BEHAVIOUR_LABELS,
        callers=CALLERS,
        legs=range(LEGS),
    ), (200 if sandbox else 409)
