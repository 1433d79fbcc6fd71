"""The call walker: plays a whole call against the app the way Twilio does.

It posts signed form data, follows `action`, `url`, `waitUrl` and `<Redirect>`, turns `<Say>`
into text, answers `<Gather>` from a script of keys or speech, plays the counselor's side of
each `<Dial>` (answers and presses 1, does not answer, is busy, declines, or the caller hangs
up while it rings or during the whisper), waits in queues, leaves voice messages, records
the conversations a `<Dial>` asks to record, and sends the status and recording callbacks.
It talks to a Flask test client or to a live base URL over HTTP, so tests,
`flask simulate-call` and benchmarks share it.
"""

from __future__ import annotations

import itertools
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol, cast
from xml.etree.ElementTree import Element

from twilio.request_validator import RequestValidator

from ivr.twiml_check import check_twiml

ACCOUNT_SID = "AC" + "0" * 32
COUNSELOR_BEHAVIOURS = (
    "answers",
    "no-answer",
    "busy",
    "declines",
    "fails",
    "caller-hangs-up",  # while the counselor's phone rings
    "caller-hangs-up-in-whisper",  # the counselor answered and hears the whisper
)
SPEAKERS = {"caller": "발신자", "counselor": "상담위원"}
MAX_REQUESTS = 300


class Transport(Protocol):
    """Something that posts a signed form to the app and returns (status, body)."""

    base_url: str

    def post(self, path: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """Post a form to a path of the app."""


class FlaskTransport:
    """Post through a Flask test client."""

    def __init__(self, client: Any, base_url: str = "http://localhost") -> None:
        self.client, self.base_url = client, base_url.rstrip("/")

    def post(self, path: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        response = self.client.post(path, data=form, headers=headers)
        return response.status_code, response.get_data(as_text=True)


class HttpTransport:
    """Post over HTTP to a running app (loopback, or the line's public URL)."""

    def __init__(self, base_url: str, timeout: float = 15.0) -> None:
        self.base_url, self.timeout = base_url.rstrip("/"), timeout

    def post(self, path: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")


@dataclass
class Script:
    """What the caller and the counselors do during one call.

    `keys` and `counselors` may be any iterables: a list for a scripted call, or an iterator
    that waits for each key a person presses (a browser phone feeding the walker live), with
    `on_line` streaming the transcript back as it happens.
    """

    caller: str | None = "+821055551234"  # None for a withheld number
    keys: Iterable[str] = field(default_factory=list)  # one answer per caller <Gather>
    counselors: Iterable[str] = field(default_factory=list)  # one behaviour per counselor leg
    talk_seconds: int = 180
    record_seconds: int = 20
    queue_polls: int = 3  # wait rounds before the caller gives up
    queue_keys: dict[int, str] = field(default_factory=dict)  # wait round -> key
    queue_position: int = 1
    queue_average: int = 0
    on_queue_poll: Callable[[CallWalker, int], None] | None = None
    # Called once a conversation is bridged: the back office may act on the live call (a REST
    # redirect of the caller's leg ends the conversation after `talk_seconds`).
    during_talk: Callable[[CallWalker], None] | None = None
    callbacks_first: bool = True  # leg status callback before the Dial action, or after
    repeat_callbacks: bool = False  # Twilio retries: send every status callback twice
    desk: str = "answers"  # a plain number dialled (the desk): answers, no-answer, busy
    on_line: Callable[[Line], None] | None = None  # called with each transcript line
    # Stop when the caller must press a key and none is left, instead of hanging up: the call
    # goes on later with `CallWalker.resume` (the browser phone, one key press at a time).
    pause_for_keys: bool = False


@dataclass
class Line:
    """One line of the transcript: who heard or did what."""

    who: str  # caller, counselor, line
    text: str

    def __str__(self) -> str:
        labels = {"caller": "발신자 듣기  ", "counselor": "상담위원 듣기", "line": "  진행      "}
        return f"{labels.get(self.who, self.who)} | {self.text}"


@dataclass
class Paused:
    """Where a call waits for the caller's next key: the TwiML being played and its verb."""

    call_sid: str
    body: str
    path: str
    verb: int
    elapsed: int = 0
    deferred: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the pause as plain data, to be kept between two requests."""
        return {
            "call_sid": self.call_sid,
            "body": self.body,
            "path": self.path,
            "verb": self.verb,
            "elapsed": self.elapsed,
            "deferred": [list(d) for d in self.deferred],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paused:
        """Rebuild a pause kept by `to_dict`."""
        deferred = [(str(p), dict(f)) for p, f in data.get("deferred", [])]
        return cls(
            str(data["call_sid"]),
            str(data["body"]),
            str(data["path"]),
            int(data["verb"]),
            int(data.get("elapsed", 0)),
            deferred,
        )


@dataclass
class Transcript:
    """What happened in a call, in order, with every exchange kept for inspection."""

    call_sid: str
    lines: list[Line] = field(default_factory=list)
    exchanges: list[tuple[str, dict[str, str], int, str]] = field(default_factory=list)
    ended: str = ""
    on_line: Callable[[Line], None] | None = None
    paused: Paused | None = None  # set when the call waits for a key (`pause_for_keys`)

    def add(self, who: str, text: str) -> None:
        line = Line(who, text)
        self.lines.append(line)
        if self.on_line is not None:
            self.on_line(line)

    @property
    def heard(self) -> str:
        """Everything the caller heard, as one text."""
        return "\n".join(line.text for line in self.lines if line.who == "caller")

    @property
    def counselor_heard(self) -> str:
        """Everything counselors heard in their whispers."""
        return "\n".join(line.text for line in self.lines if line.who == "counselor")

    @property
    def events(self) -> list[str]:
        return [line.text for line in self.lines if line.who == "line"]

    def documents(self, path_prefix: str = "") -> list[Element]:
        """Return the parsed TwiML answers to requests whose path starts with a prefix."""
        return [
            check_twiml(body)
            for path, _, _, body in self.exchanges
            if path.startswith(path_prefix) and body.lstrip().startswith("<")
        ]

    def __str__(self) -> str:
        return "\n".join(str(line) for line in self.lines)


class WalkerError(RuntimeError):
    """Raised when the app answers in a way Twilio would not accept."""


class _Hangup(Exception):
    """The caller hung up (the script ran out, or the line hung up on them)."""


class _Paused(Exception):
    """The caller must press a key and the script has none yet."""


class _HangupInDial(Exception):
    """The caller hung up while a counselor leg was ringing or in its whisper."""

    def __init__(self, reason: str, dial_status: str, leg_sid: str) -> None:
        super().__init__(reason)
        self.dial_status, self.leg_sid = dial_status, leg_sid


class _RedirectedInDial(Exception):
    """A REST update moved the caller's leg out of a bridged <Dial> to new TwiML."""

    def __init__(self, target: str, leg_sid: str, talked: int) -> None:
        super().__init__(target)
        self.target, self.leg_sid, self.talked = target, leg_sid, talked


class CallWalker:
    """Plays calls against one app, signing requests with its auth token."""

    def __init__(
        self,
        transport: Transport,
        auth_token: str,
        line_number: str = "+827000000000",
        voice_path: str = "/ivr/voice",
        status_path: str | None = "/ivr/status",
        redirects: Callable[[str], str | None] | None = None,
    ) -> None:
        """Play calls that start at `voice_path`; no `status_path` sends no final status."""
        self.transport = transport
        self.validator = RequestValidator(auth_token)
        self.line_number = line_number
        self.voice_path, self.status_path = voice_path, status_path
        self.redirects = redirects
        self._count = 0
        self._deferred: list[tuple[str, dict[str, str]]] = []

    # -- plumbing -------------------------------------------------------------------------

    def sign(self, path: str, form: dict[str, str]) -> dict[str, str]:
        """Return the headers Twilio would send with this form."""
        url = self.transport.base_url + path
        return {"X-Twilio-Signature": self.validator.compute_signature(url, form)}

    def post(self, path: str, form: dict[str, str]) -> str:
        """Post a signed form; refuse answers Twilio would refuse."""
        self._count += 1
        if self._count > MAX_REQUESTS:
            raise WalkerError(f"more than {MAX_REQUESTS} requests in one call: a loop?")
        status, body = self.transport.post(path, form, self.sign(path, form))
        self.transcript.exchanges.append((path, dict(form), status, body))
        if status != 200:
            raise WalkerError(f"{path} answered HTTP {status}: {body[:300]}")
        if body.strip():
            check_twiml(body)
        return body

    def _path(self, url: str, current: str) -> str:
        """Resolve a TwiML URL against the current one, as Twilio does, to an app path."""
        absolute = urllib.parse.urljoin(self.transport.base_url + current, url)
        parts = urllib.parse.urlsplit(absolute)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _callback(self, path: str | None, form: dict[str, str]) -> None:
        """Send a status-type callback, if any (twice when the script simulates retries)."""
        if path is None:
            return
        for _ in range(2 if self.script.repeat_callbacks else 1):
            self.post(path, form)

    def _form(self, **extra: str) -> dict[str, str]:
        form = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": self.transcript.call_sid,
            "From": self.script.caller or "anonymous",
            "To": self.line_number,
            "Direction": "inbound",
            "CallStatus": "in-progress",
            "ApiVersion": "2010-04-01",
        }
        form.update(extra)
        return form

    # -- the call -------------------------------------------------------------------------

    def call(self, script: Script, on_ring: Callable[[str], None] | None = None) -> Transcript:
        """Play one call from its first ring to its final status callback.

        With `script.pause_for_keys` the call stops instead where the caller must press a key
        the script does not have (`Transcript.paused`); `on_ring` is called with the CallSid
        once the line has taken the first ring.
        """
        self._begin(script, "CA" + secrets.token_hex(16))
        self.transcript.add("line", f"전화가 옵니다 ({script.caller or '발신번호 표시 제한'})")
        path = self.voice_path
        body = self.post(path, self._form(CallStatus="ringing"))
        if on_ring is not None:
            on_ring(self.transcript.call_sid)
        return self._play(body, path, 0)

    def resume(self, script: Script, paused: Paused) -> Transcript:
        """Go on with a paused call: answer the menu it waits at with the script's keys."""
        self._begin(script, paused.call_sid)
        self.elapsed, self._deferred = paused.elapsed, list(paused.deferred)
        self._resuming = True
        return self._play(paused.body, paused.path, paused.verb)

    def hang_up(self, script: Script, paused: Paused) -> Transcript:
        """End a paused call: the caller hangs up at the menu it waits at."""
        self._begin(script, paused.call_sid)
        self.elapsed, self._deferred = paused.elapsed, list(paused.deferred)
        self.transcript.ended = "caller hung up"
        self._finish()
        return self.transcript

    def _begin(self, script: Script, call_sid: str) -> None:
        self.script = script
        self._keys = iter(script.keys)
        self._legs = iter(script.counselors)
        self._count = 0
        self.elapsed = 0
        self._deferred = []
        self._resuming = False
        self._at: tuple[str, str, int] = ("", "", 0)
        self.transcript = Transcript(call_sid=call_sid, on_line=script.on_line)

    def _play(self, body: str | None, path: str, verb: int) -> Transcript:
        """Run TwiML from one of its verbs until the call ends or waits for a key."""
        try:
            while body is not None:
                body, path = self._run(body, path, verb)
                verb = 0
            self.transcript.ended = self.transcript.ended or "line hung up"
        except _Paused:
            body_at, path_at, index = self._at
            self.transcript.paused = Paused(
                self.transcript.call_sid, body_at, path_at, index, self.elapsed, self._deferred
            )
            return self.transcript
        except _Hangup as reason:
            self.transcript.ended = str(reason) or "caller hung up"
        self._finish()
        return self.transcript

    def _finish(self) -> None:
        """Send the call's final status and the callbacks Twilio sends once it has ended."""
        self.transcript.add("line", f"통화 종료 ({self.transcript.ended})")
        self._callback(
            self.status_path, self._form(CallStatus="completed", CallDuration=str(self.elapsed))
        )
        for path, form in self._deferred:
            self._callback(path, form)

    def _next_key(self) -> str:
        try:
            return next(self._keys)
        except StopIteration:
            if self.script.pause_for_keys:
                raise _Paused() from None
            raise _Hangup("caller hung up") from None

    def _run(self, body: str, path: str, start: int = 0) -> tuple[str | None, str]:
        """Execute one TwiML document from a verb; return the next document and its path."""
        for index, verb in enumerate(check_twiml(body)):
            if index < start:
                continue
            tag = verb.tag
            if tag in ("Say", "Play", "Pause"):
                self._hear("caller", verb)
            elif tag == "Gather":
                self._at = (body, path, index)
                # A resumed call already heard this menu's prompts before it paused.
                prompts, self._resuming = not self._resuming, False
                following = self._gather(
                    verb, path, self._next_key, "caller", self._form, prompts=prompts
                )
                if following is not None:
                    return following
            elif tag == "Redirect":
                target = self._path((verb.text or "").strip(), path)
                return self.post(target, self._form()), target
            elif tag in ("Hangup", "Reject"):
                self.transcript.ended = "line hung up"
                return None, path
            elif tag == "Dial":
                following = self._dial(verb, path)
                if following is not None:
                    return following
            elif tag == "Enqueue":
                return self._enqueue(verb, path)
            elif tag == "Record":
                following = self._record(verb, path)
                if following is not None:
                    return following
            elif tag == "Leave":
                raise WalkerError("<Leave> outside a queue")
        return None, path

    def _hear(self, who: str, verb: Element) -> None:
        if verb.tag == "Say":
            self.transcript.add(who, (verb.text or "").strip())
            self.elapsed += max(1, len(verb.text or "") // 8)
        elif verb.tag == "Play":
            self.transcript.add(who, f"[음악 {verb.text}]")
            self.elapsed += 10
        else:
            self.elapsed += int(verb.get("length", "1"))

    def _gather(
        self,
        verb: Element,
        path: str,
        answer: Callable[[], str],
        who: str,
        form: Callable[..., dict[str, str]],
        prompts: bool = True,
    ) -> tuple[str, str] | None:
        """Play a <Gather>'s prompts and answer it; None means fall through to the next verb."""
        for child in verb if prompts else ():
            self._hear(who, child)
        key = answer()
        action = self._path(verb.get("action") or path, path)
        if key.startswith("speech:"):
            said = key.removeprefix("speech:")
            self.transcript.add("line", f"{SPEAKERS[who]}: “{said}”")
            return self.post(action, form(SpeechResult=said, Confidence="0.9")), action
        if not key:
            self.elapsed += int(verb.get("timeout", "5"))
            if verb.get("actionOnEmptyResult") == "true":
                return self.post(action, form()), action
            return None
        finish = verb.get("finishOnKey", "#")
        digits = key[:-1] if finish and key.endswith(finish) else key
        self.transcript.add("line", f"{SPEAKERS[who]} {key} 누름")
        return self.post(action, form(Digits=digits)), action

    # -- counselors -----------------------------------------------------------------------

    def _dial(self, verb: Element, path: str) -> tuple[str, str] | None:
        numbers = [n for n in verb if n.tag == "Number"]
        targets = numbers or [verb]
        outcome, dial_sid, talked = "no-answer", "", 0
        for number in targets:
            to = (number.text or "").strip()
            if number.get("url") is None:
                dial_sid = "CA" + secrets.token_hex(16)
                if self.script.desk != "answers":
                    self.transcript.add("line", f"{to} 번호가 받지 않음 ({self.script.desk})")
                    outcome, talked = self.script.desk, 0
                    break
                self.transcript.add("line", f"{to} 번호로 연결됨")
                outcome, talked = "completed", 60
                self.elapsed += talked
                break
            try:
                outcome, dial_sid, talked = self._counselor_leg(number, path, verb)
            except _HangupInDial as left:
                self._leave_dial(verb, path, left)
            except _RedirectedInDial as moved:
                return self._moved_out_of_dial(verb, path, moved)
            if outcome == "completed" and talked:
                break
        if talked:
            self._record_conversation(verb, path, talked)
        action = verb.get("action")
        if action is None:
            return None
        target = self._path(action, path)
        form = self._form(
            DialCallStatus=outcome, DialCallSid=dial_sid, DialCallDuration=str(talked)
        )
        return self._dial_action(target, form), target

    def _dial_action(self, target: str, form: dict[str, str]) -> str:
        """Request a <Dial>'s action, the legs' status callbacks before or after it."""
        if self.script.callbacks_first:
            self._flush_leg_callbacks()
            return self.post(target, form)
        body = self.post(target, form)
        self._flush_leg_callbacks()
        return body

    def _moved_out_of_dial(
        self, verb: Element, path: str, moved: _RedirectedInDial
    ) -> tuple[str, str]:
        """Follow a REST redirect of the caller out of a conversation, as Twilio does.

        The counselor's leg ends (its status callback says completed), the <Dial>'s action is
        still requested but its answer is not executed, and the caller's call goes on with the
        TwiML at the new URL.
        """
        self._record_conversation(verb, path, moved.talked)
        target = self._path(moved.target, path)
        self.transcript.add("line", "통화 중에 발신자의 전화가 새 안내로 옮겨짐")
        action = verb.get("action")
        if action is not None:
            form = self._form(
                DialCallStatus="completed",
                DialCallSid=moved.leg_sid,
                DialCallDuration=str(moved.talked),
            )
            self._dial_action(self._path(action, path), form)  # its TwiML is not run
        else:
            self._flush_leg_callbacks()
        return self.post(target, self._form()), target

    def _leave_dial(self, verb: Element, path: str, left: _HangupInDial) -> NoReturn:
        """End the call in a <Dial>: Twilio still requests its action, with the call completed."""
        action = verb.get("action")
        if action is None:
            self._flush_leg_callbacks()
        else:
            form = self._form(
                CallStatus="completed",
                DialCallStatus=left.dial_status,
                DialCallSid=left.leg_sid,
                DialCallDuration="0",
            )
            self._dial_action(self._path(action, path), form)
        raise _Hangup(str(left))

    def _counselor_leg(self, number: Element, path: str, dial: Element) -> tuple[str, str, int]:
        """Play one counselor's side of a <Dial>; return (DialCallStatus, leg sid, talk).

        Raises `_HangupInDial` when the script has the caller hang up during this leg.
        """
        behaviour = next(self._legs, "answers")
        if behaviour not in COUNSELOR_BEHAVIOURS:
            raise WalkerError(f"unknown counselor behaviour {behaviour!r}")
        leg_sid = "CA" + secrets.token_hex(16)
        to = (number.text or "").strip()
        status_url = number.get("statusCallback")
        status_path = self._path(status_url, path) if status_url else None
        self._pending_leg: list[tuple[str, dict[str, str]]] = []

        def leg_form(**extra: str) -> dict[str, str]:
            form = {
                "AccountSid": ACCOUNT_SID,
                "CallSid": leg_sid,
                "ParentCallSid": self.transcript.call_sid,
                "From": dial.get("callerId", self.line_number),
                "To": to,
                "Direction": "outbound-dial",
                "CallStatus": "in-progress",
            }
            form.update(extra)
            return form

        def leg_status(status: str, duration: int | None = None) -> None:
            if status_path:
                extra = {"CallStatus": status}
                if duration is not None:
                    extra["CallDuration"] = str(duration)
                self._pending_leg.append((status_path, leg_form(**extra)))

        # Twilio sends progress events only when the <Number> asks for them; the end always.
        events = set((number.get("statusCallbackEvent") or "completed").split())
        if status_path:
            for event in ("initiated", "ringing"):
                if event in events:
                    self._callback(status_path, leg_form(CallStatus=event))
        if behaviour in ("no-answer", "busy", "fails"):
            status = {"no-answer": "no-answer", "busy": "busy", "fails": "failed"}[behaviour]
            self.transcript.add("line", f"상담위원 {to[-4:]}: {status}")
            self.elapsed += int(dial.get("timeout", "20")) if behaviour == "no-answer" else 2
            leg_status(status, 0)
            return status, leg_sid, 0
        if behaviour == "caller-hangs-up":
            self.transcript.add("line", f"상담위원 {to[-4:]} 전화가 울리는 중에 발신자가 끊음")
            self.elapsed += 5
            leg_status("canceled", 0)
            raise _HangupInDial("caller hung up while the phone rang", "canceled", leg_sid)
        if status_path and "answered" in events:
            self._callback(status_path, leg_form(CallStatus="in-progress"))
        self.transcript.add("line", f"상담위원 {to[-4:]} 전화를 받음")
        if behaviour == "caller-hangs-up-in-whisper":
            self._whisper_cut_short(number, path, leg_form)
            self.transcript.add("line", f"상담위원 {to[-4:]} 안내를 듣는 중에 발신자가 끊음")
            leg_status("completed", 5)
            raise _HangupInDial("caller hung up during the whisper", "completed", leg_sid)
        bridged = self._whisper(number, path, behaviour, leg_form)
        if not bridged:
            self.transcript.add("line", f"상담위원 {to[-4:]} 통화를 받지 않음 (1번 미입력)")
            leg_status("completed", 8)
            return "completed", leg_sid, 0
        talk = self.script.talk_seconds
        limit = int(dial.get("timeLimit") or 0)
        if self.script.during_talk is not None:
            self.script.during_talk(self)
        moved = self.redirects(self.transcript.call_sid) if self.redirects else None
        if limit and talk >= limit and not moved:
            talk = limit
            self.transcript.add("line", f"통화가 제한 시간 {limit}초에 닿아 끊김")
        self.transcript.add("line", f"발신자와 상담위원 {to[-4:]} 통화 {talk}초")
        self.elapsed += talk
        leg_status("completed", talk + 8)
        if moved:
            raise _RedirectedInDial(moved, leg_sid, talk)
        return "completed", leg_sid, talk

    def _whisper(
        self, number: Element, path: str, behaviour: str, leg_form: Callable[..., dict[str, str]]
    ) -> bool:
        """Run the whisper on the counselor's leg; True when it ends bridged."""
        url = self._path(number.get("url") or "", path)
        body: str | None = self.post(url, leg_form())
        key = iter(["1"] if behaviour == "answers" else [""])
        for _ in range(10):
            if body is None:
                return True
            following = None
            for verb in check_twiml(body):
                if verb.tag in ("Say", "Play", "Pause"):
                    self._hear("counselor", verb)
                elif verb.tag == "Gather":
                    following = self._gather(
                        verb, url, lambda: next(key, ""), "counselor", leg_form
                    )
                    if following is not None:
                        break
                elif verb.tag == "Hangup":
                    return False
                elif verb.tag == "Redirect":
                    target = self._path((verb.text or "").strip(), url)
                    following = (self.post(target, leg_form()), target)
                    break
            if following is None:
                return True
            body, url = following
        raise WalkerError("whisper did not end")

    def _whisper_cut_short(
        self, number: Element, path: str, leg_form: Callable[..., dict[str, str]]
    ) -> None:
        """Play the whisper's prompts to the counselor until the caller hangs up, unanswered."""
        url = self._path(number.get("url") or "", path)
        for verb in check_twiml(self.post(url, leg_form())):
            if verb.tag == "Gather":
                for child in verb:
                    self._hear("counselor", child)
                return
            if verb.tag in ("Say", "Play", "Pause"):
                self._hear("counselor", verb)

    def _flush_leg_callbacks(self) -> None:
        for path, form in getattr(self, "_pending_leg", []):
            self._callback(path, form)
        self._pending_leg = []

    # -- queue ----------------------------------------------------------------------------

    def _enqueue(self, verb: Element, path: str) -> tuple[str | None, str]:
        name = (verb.text or "").strip()
        self.transcript.add("line", f"대기열 {name}에 들어감")
        wait_url = self._path(verb.get("waitUrl") or "", path)
        action = verb.get("action")
        entered = self.elapsed
        result = "hangup"
        for poll in itertools.count():
            if poll >= self.script.queue_polls:
                break
            if self.script.on_queue_poll:
                self.script.on_queue_poll(self, poll)
            moved = self.redirects(self.transcript.call_sid) if self.redirects else None
            if moved:
                target = self._path(moved, path)
                self.transcript.add("line", "대기열에서 상담위원에게로 옮겨짐")
                return self.post(target, self._form()), target
            form = self._form(
                QueueSid="QU" + "0" * 32,
                QueuePosition=str(self.script.queue_position),
                QueueTime=str(self.elapsed - entered),
                AvgQueueTime=str(self.script.queue_average),
                CurrentQueueSize=str(self.script.queue_position),
            )
            if self._wait_round(self.post(wait_url, form), wait_url, poll):
                result = "leave"
                break
        if result == "hangup":
            self.transcript.add("line", "발신자가 기다리다 끊음")
        if action is None:
            if result == "hangup":
                raise _Hangup("caller hung up in queue")
            return None, path
        target = self._path(action, path)
        body = self.post(
            target, self._form(QueueResult=result, QueueTime=str(self.elapsed - entered))
        )
        if result == "hangup":
            raise _Hangup("caller hung up in queue")
        return body, target

    def _wait_round(self, body: str, url: str, poll: int) -> bool:
        """Play one round of hold TwiML; True when it ends with <Leave>."""
        for _ in range(5):
            following = None
            for verb in check_twiml(body):
                if verb.tag in ("Say", "Play", "Pause"):
                    self._hear("caller", verb)
                elif verb.tag == "Leave":
                    self.transcript.add("line", "대기열에서 나감")
                    return True
                elif verb.tag == "Hangup":
                    raise _Hangup("line hung up in queue")
                elif verb.tag == "Gather":
                    key = self.script.queue_keys.get(poll, "")
                    # mypy cannot infer a lambda with a default argument passed as a callable.
                    following = self._gather(verb, url, lambda k=key: k, "caller", self._form)  # type: ignore[misc]
                    if following is not None:
                        break
                elif verb.tag == "Redirect":
                    target = self._path((verb.text or "").strip(), url)
                    following = (self.post(target, self._form()), target)
                    break
            if following is None:
                return False
            body, url = following
        return False

    # -- recordings -----------------------------------------------------------------------

    def _record(self, verb: Element, path: str) -> tuple[str, str] | None:
        seconds = min(self.script.record_seconds, int(verb.get("maxLength", "3600")))
        if seconds <= 0:
            self.elapsed += int(verb.get("timeout", "5"))
            self.transcript.add("line", "(삐) 아무 말도 하지 않음")
            return None
        self.transcript.add("line", f"(삐) 발신자가 {seconds}초 동안 메시지를 남김")
        self.elapsed += seconds
        recording = _recording(seconds)
        self._recording_callback(verb, path, recording)
        action = self._path(verb.get("action") or path, path)
        return self.post(action, self._form(Digits="#", **recording)), action

    def _record_conversation(self, dial: Element, path: str, seconds: int) -> None:
        """Record a bridged conversation when its <Dial> asks to, as Twilio does."""
        if not (dial.get("record") or "").startswith("record-from-"):
            return
        self.transcript.add("line", f"통화 {seconds}초 녹음됨")
        self._recording_callback(dial, path, _recording(seconds))

    def _recording_callback(self, verb: Element, path: str, recording: dict[str, str]) -> None:
        """Queue the recording status callback, sent when the call has ended."""
        callback = verb.get("recordingStatusCallback")
        if callback:
            form = self._form(RecordingStatus="completed", **recording)
            self._deferred.append((self._path(callback, path), form))

    # -- other calls' events --------------------------------------------------------------

    def leg_ended(self, leg_sid: str, parent_sid: str) -> None:
        """Send the final status callback of another call's counselor leg."""
        path = self.status_path or "/ivr/status"
        form = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": leg_sid,
            "ParentCallSid": parent_sid,
            "CallStatus": "completed",
            "CallDuration": "300",
            "Direction": "outbound-dial",
        }
        self.post(path, form)


def _recording(seconds: int) -> dict[str, str]:
    """Return what Twilio says about a new recording of this many seconds."""
    sid = "RE" + secrets.token_hex(16)
    return {
        "RecordingSid": sid,
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}",
        "RecordingDuration": str(seconds),
    }


def outbox_redirects(app: Any) -> Callable[[str], str | None]:
    """Read sandbox REST redirects from the outbox, as Twilio would act on them."""
    seen: set[int] = set()

    def pending(call_sid: str) -> str | None:
        from sqlalchemy import select
        from sqlalchemy.orm import Session, scoped_session

        from callcenter.extensions import db
        from callcenter.models import OutboxMessage

        with app.app_context():
            rows = db.session.execute(
                select(OutboxMessage.id, OutboxMessage.body).where(
                    OutboxMessage.kind == "call_update"
                )
            ).all()
            cast(scoped_session[Session], db.session).remove()
        for row_id, body in rows:
            if row_id not in seen and body and body.startswith(f"{call_sid} -> "):
                seen.add(row_id)
                return body.split(" -> ", 1)[1]
        return None

    return pending
