"""The browser phone: play a call through the voice line with the call walker, in process."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from ivr.walker import (
    COUNSELOR_BEHAVIOURS,
    CallWalker,
    FlaskTransport,
    Script,
    Transcript,
    WalkerError,
    outbox_redirects,
)

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")
MAX_PRESSES = 30
SILENCE = "-"  # how an unanswered menu is written in the page's hidden field
SILENCE_FIELD_VALUES = {SILENCE: ""}


@dataclass
class PhoneCall:
    """The keys pressed so far and how the counselors behave, replayed from the first ring."""

    caller: str | None
    keys: list[str]
    counselors: list[str]

    @classmethod
    def parse(cls, caller: str, keys: str, counselors: list[str]) -> PhoneCall:
        """Build a call from the page's form fields, dropping what the walker cannot play."""
        pressed = [SILENCE_FIELD_VALUES.get(k, k) for k in keys.split("|")] if keys else []
        pressed = [k for k in pressed if _valid_key(k)][:MAX_PRESSES]
        behaviours = [c for c in counselors if c in COUNSELOR_BEHAVIOURS]
        return cls(caller or None, pressed, behaviours)

    @property
    def keys_field(self) -> str:
        return "|".join(k or SILENCE for k in self.keys)


def _valid_key(key: str) -> bool:
    """A key press, a run of digits ending in #, or silence (the empty answer)."""
    return key == "" or (all(c in "0123456789*#" for c in key) and len(key) <= 20)


def play(app: Flask, call: PhoneCall) -> tuple[Transcript | None, str | None]:
    """Play the call against this app; return the transcript, or the walker's complaint."""
    transport = FlaskTransport(app.test_client(), app.config.get("PUBLIC_BASE_URL") or "")
    if not transport.base_url:
        transport.base_url = "http://localhost"
    walker = CallWalker(
        transport,
        app.config["TWILIO_AUTH_TOKEN"],
        line_number=app.config["TWILIO_PHONE_NUMBER"],
        redirects=outbox_redirects(app),
    )
    script = Script(caller=call.caller, keys=list(call.keys), counselors=list(call.counselors))
    try:
        return walker.call(script), None
    except WalkerError as exc:
        return None, str(exc)
