"""TwiML answers: speaking from the prompt catalogue, and the never-an-error-page rule."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, request, url_for
from twilio.twiml import TwiML
from twilio.twiml.voice_response import VoiceResponse

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
    return Response(str(response), mimetype="text/xml")


def absolute(path: str) -> str:
    """Make an app path absolute, for URLs handed to Twilio's REST API."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.url_root.rstrip("/")
    return base + path


def apology(language: str = "ko") -> Response:
    """Say sorry and hand the call to the fallback route."""
    response = VoiceResponse()
    say(response, "sorry", language)
    response.redirect(url_for("ivr.fallback", lang=language, after="error"), method="POST")
    return twiml(response)


def webhook(view: Callable[..., Response]) -> Callable[..., Response]:
    """Guard a Twilio webhook: signature check (403), then speech instead of any error."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        if not signature_is_valid():
            log.warning("Rejected unsigned or tampered webhook", extra={"url": request.url})
            abort(403)
        try:
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
