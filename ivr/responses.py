"""TwiML answers: speaking from the prompt catalogue, and the never-an-error-page rule."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, request, url_for
from sqlalchemy.exc import DBAPIError
from twilio.twiml import TwiML
from twilio.twiml.voice_response import VoiceResponse

from callcenter.characters import strip_unsafe
from callcenter.extensions import db
from ivr import prompts
from ivr.security import signature_is_valid

log = logging.getLogger(__name__)

LANGUAGE_CODES = {"ko": "ko-KR", "en": "en-US"}


def language_code(language: str) -> str:
    """Return Twilio's language code for the line's language."""
    return LANGUAGE_CODES.get(language, "ko-KR")


def say_text(node: TwiML, words: str, language: str = "ko") -> None:
    """Add a <Say> in the configured voice of a language."""
    if not words:
        return
    voice = current_app.config.get("IVR_VOICE_EN" if language == "en" else "IVR_VOICE_KO")
    options = {"voice": voice} if voice else {}
    node.say(words, language=language_code(language), **options)


def say(node: TwiML, key: str, language: str = "ko", **values: Any) -> None:
    """Add a <Say> of a catalogue prompt."""
    say_text(node, prompts.text(key, language, **values), language)


def twiml(response: VoiceResponse) -> Response:
    """Wrap TwiML in a response with the XML content type."""
    return Response(render(response), mimetype="text/xml")


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(value: object) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    escaped = _text(text).replace('"', "&quot;").replace("\r", "&#13;")
    return escaped.replace("\n", "&#10;").replace("\t", "&#09;")


def _element(node: TwiML) -> str:
    attributes = "".join(f' {k}="{_attribute(v)}"' for k, v in sorted(node.attrs.items()))
    inner = _text(node.value) if node.value else ""
    for child in node.verbs:
        inner += _text(child) if isinstance(child, str) else _element(child)
    if not inner:
        return f"<{node.name}{attributes} />"
    return f"<{node.name}{attributes}>{inner}</{node.name}>"


def render(response: TwiML) -> str:
    """Serialise TwiML as the twilio library does, without building an ElementTree first.

    Every webhook answers through here; the library's own `str()` is several times slower.
    Characters XML 1.0 does not allow (from a coordinator's wording or a field's name) are
    dropped, so that Twilio can always read the answer.
    """
    return '<?xml version="1.0" encoding="UTF-8"?>' + strip_unsafe(_element(response))


def absolute(path: str) -> str:
    """Make an app path absolute, for URLs handed to Twilio's REST API."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.url_root.rstrip("/")
    return base + path


# Twilio's connection overrides, appended to the URLs the app hands it as a fragment (never
# sent back, and not part of what Twilio signs): status callbacks, which nobody listens to,
# are retried on any failure, our error answers included; URLs a caller or counselor waits on
# are retried when the connection fails, as a retry after a slow answer could act twice.
CALLBACK_RETRIES = "#rc=3&rp=all"
ACTION_RETRIES = "#rc=2&rp=ct"


def with_retries(url: str, callback: bool = False) -> str:
    """Return a URL for TwiML or the REST API with Twilio's retry overrides."""
    return url + (CALLBACK_RETRIES if callback else ACTION_RETRIES)


# Who hears an apology depends on the request that failed.
COUNSELOR_SIDE = {
    "ivr.whisper",
    "ivr.whisper_answer",
    "ivr.callback_bridge_answer",
    "ivr.callback_bridge_connect",
    "ivr.callback_bridge_done",
}
QUEUE_WAIT = {"ivr.queue_wait", "ivr.queue_key"}  # waitUrl TwiML: no <Dial>, no <Redirect> out
# Nobody listens to these.
CALLBACKS = {"ivr.status", "ivr.recording", "ivr.voicemail_saved", "ivr.callback_bridge_status"}


def apology(language: str = "ko") -> Response:
    """Say sorry and go on as best fits the failed request.

    A caller is handed to the fallback route (unless the fallback itself failed); a
    counselor's own leg ends, so the line tries the next counselor or the counselor can
    call again; a waiting caller leaves the queue, whose action then decides; Twilio's
    status callbacks get an empty answer.
    """
    response = VoiceResponse()
    endpoint = request.endpoint or ""
    if endpoint in CALLBACKS:
        # Nothing was recorded: an error status makes Twilio send the callback again.
        return Response(render(response), status=503, mimetype="text/xml")
    if endpoint in COUNSELOR_SIDE:
        say(response, "sorry", "ko")
        response.hangup()
        return twiml(response)
    say(response, "sorry", language)
    if endpoint in QUEUE_WAIT:
        response.leave()
    elif endpoint == "ivr.fallback":
        say(response, "fallback_later", language)
        response.hangup()
    else:
        response.redirect(url_for("ivr.fallback", lang=language, after="error"), method="POST")
    return twiml(response)


def _worth_retrying(error: DBAPIError) -> bool:
    """Whether a database error rolled back a request that may simply be made again."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if code in ("40P01", "40001"):  # deadlock detected, serialisation failure
        return True
    return "database is locked" in str(error.orig)


def webhook(view: Callable[..., Response]) -> Callable[..., Response]:
    """Guard a Twilio webhook: signature check (403), then speech instead of any error."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        if not signature_is_valid():
            log.warning("Rejected unsigned or tampered webhook", extra={"url": request.url})
            abort(403)
        try:
            if request.endpoint != "ivr.fallback":  # the fallback answers without the database
                # A no-op but every 30 seconds, when the worker rereads coordinators' wording.
                prompts.refresh_overrides(db.session)
            try:
                return view(*args, **kwargs)
            except DBAPIError as error:
                if not _worth_retrying(error):
                    raise
                # A deadlock or a serialisation failure rolled the whole request back: the
                # same request again sees the other side's committed work.
                log.warning("IVR webhook retried after %s", type(error.orig).__name__)
                db.session.rollback()
                return view(*args, **kwargs)
        except Exception:
            log.exception(
                "IVR webhook failed", extra={"call_sid": request.form.get("CallSid", "-")}
            )
            try:
                db.session.rollback()
            except Exception:  # the database may be what failed
                log.warning("Rollback failed after a webhook error")
            return apology(request.args.get("lang", "ko"))

    return wrapper
