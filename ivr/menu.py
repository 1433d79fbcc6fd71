"""The field menu: what it says, and what a key or a spoken word chooses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from twilio.twiml.voice_response import VoiceResponse

from callcenter.models import Call
from ivr import prompts
from ivr.cache import MenuField
from ivr.calls import record_step
from ivr.offers import offer
from ivr.responses import language_code, say, say_text


@dataclass(frozen=True)
class Choice:
    """What the caller chose in the menu: a field, a command, or nothing usable."""

    kind: str  # field, desk, desk_closed, english, korean, repeat, none, invalid, not_understood
    field: MenuField | None = None


def menu_gather(
    response: VoiceResponse, fields: list[MenuField], language: str, attempt: int, desk_open: bool
) -> None:
    """Add the menu <Gather> (keys and speech), then the no-input route."""
    config = current_app.config
    action = url_for("ivr.menu", lang=language, attempt=attempt)
    gather = response.gather(
        input="dtmf speech",
        num_digits=1,
        action=action,
        method="POST",
        timeout=config["IVR_GATHER_TIMEOUT"],
        speech_timeout="auto",
        language=language_code(language),
        hints=", ".join(f.name(language) for f in fields),
    )
    spoken = " ".join(
        prompts.text("menu_field", language, name=f.name(language), digit=f.digit) for f in fields
    )
    if desk_open:
        spoken += " " + prompts.text("menu_desk", language)
    spoken = f"{spoken} {prompts.text('menu_choose', language)}".strip()
    say_text(gather, spoken, language)
    if language == "ko":
        say(gather, "menu_english", "en")
    else:
        say(gather, "menu_korean", "ko")
    say(gather, "menu_repeat", language)
    response.redirect(action, method="POST")


def interpret(
    digits: str, speech: str, fields: list[MenuField], desk_open: bool, language: str = "ko"
) -> Choice:
    """Read a key press or a spoken answer as a menu choice.

    9 switches the language: to English from the Korean menu, back to Korean from the English.
    """
    if digits:
        if digits == "*":
            return Choice("repeat")
        if digits == "9":
            return Choice("korean" if language == "en" else "english")
        if digits == "0":
            return Choice("desk") if desk_open else Choice("desk_closed")
        for field in fields:
            if field.digit == digits:
                return Choice("field", field)
        return Choice("invalid")
    said = speech.strip().lower()
    if not said:
        return Choice("none")
    for field in fields:
        if field.name_ko in said or field.name_en.lower() in said or field.code in said:
            return Choice("field", field)
    if "english" in said or "영어" in said:
        return Choice("english")
    if "한국어" in said or "korean" in said:
        return Choice("korean")
    return Choice("not_understood")


def retry_or_offer(
    response: VoiceResponse,
    call: Call,
    choice: Choice,
    attempt: int,
    fields: list[MenuField],
    desk_open: bool,
    now: datetime,
) -> None:
    """Say what went wrong and ask again; after the last try, offer a callback or a message.

    Speech that was not understood is asked for again in other words, naming the fields. A
    caller who could not choose is never hung up on: the line offers to call them back or to
    take a voice message.
    """
    language = call.language
    reason = {"none": "no_input", "desk_closed": "desk_closed"}.get(choice.kind, choice.kind)
    record_step(call, "menu_retry", now, reason=reason, attempt=attempt)
    if reason == "not_understood":
        names = ", ".join(f.name(language) for f in fields)
        example = fields[0].name(language) if fields else ""
        misheard = [s for s in call.steps or () if s.get("reason") == "not_understood"]
        prompt = "speech_again" if len(misheard) > 1 else "speech_not_understood"
        say(response, prompt, language, fields=names, example=example)
    else:
        say(response, "invalid_choice" if reason == "invalid" else reason, language)
    if attempt >= current_app.config["IVR_MENU_TRIES"]:
        record_step(call, "menu_gave_up", now)
        say(response, "menu_offer", language)
        offer(response, call)
    else:
        menu_gather(response, fields, language, attempt + 1, desk_open)
