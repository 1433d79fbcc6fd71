"""The browser phone page: a keypad that plays a call through the line, in sandbox mode."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from callcenter.backoffice import bp
from callcenter.browser_phone import KEYS, PhoneCall, play
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
    """Show the keypad; each press replays the call from the first ring with the keys so far."""
    sandbox = current_app.config["SANDBOX"]
    form = request.form
    call = PhoneCall.parse(
        form.get("caller", CALLERS[0]),
        form.get("keys", ""),
        [form.get(f"leg{i}", "answers") for i in range(LEGS)],
    )
    if not call.counselors:
        call.counselors = ["answers"] * LEGS
    transcript = error = None
    if request.method == "POST" and sandbox and "hangup" not in form:
        if "press" in form:
            call.keys.append(form["press"])
        elif "digits" in form:
            call.keys.append(form.get("typed", "").strip())
        call = PhoneCall.parse(call.caller or "", call.keys_field, call.counselors)
        # Release this request's read transaction: the walker's requests write.
        db.session.close()
        transcript, error = play(current_app._get_current_object(), call)  # type: ignore[attr-defined]
    elif "hangup" in form:
        call.keys = []
    return render_template(
        "backoffice/phone.html",
        call=call,
        transcript=transcript,
        error=error,
        sandbox=sandbox,
        keys=KEYS,
        behaviours=BEHAVIOUR_LABELS,
        callers=CALLERS,
        legs=range(LEGS),
    ), (200 if sandbox else 409)
