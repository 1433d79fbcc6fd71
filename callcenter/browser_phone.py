"""The browser phone: one practice call through the voice line, played a key press at a time.

The call walker posts the same signed requests as Twilio to the line's webhooks. Between two
key presses the call waits at its menu (`ivr.walker.Paused`); the page keeps that pause, the
transcript so far and the settings in one signed form field, so the next press continues the
same call (same CallSid) on whichever worker answers. Calls are marked practice as soon as
the line has taken the first ring, which leaves them out of figures and drafts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session, scoped_session

from callcenter.extensions import db
from ivr.calls import mark_practice
from ivr.walker import (
    COUNSELOR_BEHAVIOURS,
    CallWalker,
    FlaskTransport,
    Line,
    Paused,
    Script,
    WalkerError,
    outbox_redirects,
)

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")
MAX_PRESSES = 30
SILENCE = "-"  # how an unanswered menu is written in the page's fields
SILENCE_FIELD_VALUES = {SILENCE: ""}
SALT = "browser-phone"


@dataclass
class PhoneCall:
    """One practice call: its settings, the keys pressed so far and where it waits."""

    caller: str | None
    keys: list[str]
    counselors: list[str]  # the behaviours of the counselors not rung yet
    lines: list[Line] = field(default_factory=list)
    paused: Paused | None = None
    ended: bool = False

    @classmethod
    def parse(cls, caller: str, keys: str, counselors: list[str]) -> PhoneCall:
        """Build a call from the page's form fields, dropping what the walker cannot play."""
        pressed = [SILENCE_FIELD_VALUES.get(k, k) for k in keys.split("|")] if keys else []
        pressed = [k for k in pressed if valid_key(k)][:MAX_PRESSES]
        behaviours = [c for c in counselors if c in COUNSELOR_BEHAVIOURS]
        return cls(caller or None, pressed, behaviours)

    @property
    def keys_field(self) -> str:
        return "|".join(k or SILENCE for k in self.keys)

    @property
    def in_progress(self) -> bool:
        """Whether the call waits for the caller's next key."""
        return self.paused is not None

    @property
    def call_sid(self) -> str | None:
        return self.paused.call_sid if self.paused else None

    def seal(self, app: Flask) -> str:
        """Return the call as one signed form value, to be continued by the next request."""
        data: dict[str, Any] = {
            "caller": self.caller,
            "keys": self.keys,
            "counselors": self.counselors,
            "lines": [[line.who, line.text] for line in self.lines],
            "paused": self.paused.to_dict() if self.paused else None,
            "ended": self.ended,
        }
        return _serializer(app).dumps(data)

    @classmethod
    def unseal(cls, app: Flask, sealed: str) -> PhoneCall | None:
        """Return the call a signed form value holds, or None if it is missing or altered."""
        try:
            data = _serializer(app).loads(sealed)
        except BadSignature:
            return None
        paused = Paused.from_dict(data["paused"]) if data.get("paused") else None
        lines = [Line(who, text) for who, text in data.get("lines", [])]
        return cls(
            data.get("caller"),
            list(data.get("keys", [])),
            list(data.get("counselors", [])),
            lines,
            paused,
            bool(data.get("ended")),
        )


def _serializer(app: Flask) -> URLSafeSerializer:
    return URLSafeSerializer(app.secret_key or "", salt=SALT)


def valid_key(key: str) -> bool:
    """A key press, a run of digits ending in #, or silence (the empty answer)."""
    return key == "" or (all(c in "0123456789*#" for c in key) and len(key) <= 20)


class _Counted:
    """The counselors' behaviours, remembering how many legs the walker has rung."""

    def __init__(self, behaviours: list[str]) -> None:
        self.behaviours, self.used = behaviours, 0

    def __iter__(self) -> Iterator[str]:
        for behaviour in self.behaviours:
            self.used += 1
            yield behaviour

    @property
    def rest(self) -> list[str]:
        return self.behaviours[self.used :]


def _walker(app: Flask) -> CallWalker:
    transport = FlaskTransport(app.test_client(), app.config.get("PUBLIC_BASE_URL") or "")
    if not transport.base_url:
        transport.base_url = "http://localhost"
    return CallWalker(
        transport,
        app.config["TWILIO_AUTH_TOKEN"],
        line_number=app.config["TWILIO_PHONE_NUMBER"],
        redirects=outbox_redirects(app),
    )


def _mark(app: Flask, call_sid: str) -> None:
    """Mark the new call as practice before anything else about it happens."""
    with app.app_context():
        mark_practice(db.session, call_sid)
        db.session.commit()
        cast(scoped_session[Session], db.session).remove()


def play(app: Flask, call: PhoneCall, key: str | None = None, hang_up: bool = False) -> str | None:
    """Dial (no call yet), press a key or hang up; update the call and return any complaint."""
    legs = _Counted(call.counselors)
    script = Script(
        caller=call.caller, keys=[] if key is None else [key], counselors=legs, pause_for_keys=True
    )
    walker = _walker(app)
    try:
        if call.paused is None:
            call.keys, call.lines, call.ended = [], [], False
            transcript = walker.call(script, on_ring=lambda sid: _mark(app, sid))
        elif hang_up:
            transcript = walker.hang_up(script, call.paused)
        else:
            call.keys.append(key or "")
            transcript = walker.resume(script, call.paused)
    except WalkerError as exc:
        call.paused, call.ended = None, True
        return str(exc)
    call.lines.extend(transcript.lines)
    call.counselors = legs.rest
    call.paused = transcript.paused
    call.ended = transcript.paused is None
    return None
