"""A Twilio-like driver for load benchmarks: overlapping calls played in real time over HTTP.

Each call runs in its own thread and plays what Twilio would: the Voice URL, the menu choice,
every `<Dial>` (a child leg with its own CallSid, its status callbacks, the whisper, the
counselor pressing 1, declining, or not answering, a talk time, then the Dial's action, with
the leg's final status before, after, at the same time as, or twice around the action),
`<Enqueue>` (hold rounds to `waitUrl`; a REST redirect of the call, which in sandbox mode is
an `outbox_messages` row of kind `call_update`, moves it out as Twilio would; `<Leave>` posts
the Enqueue's action), the survey, and the call's final status. Requests are signed with
twilio's RequestValidator over the URL without its `#...` fragment (Twilio's connection
overrides), which is never sent; callbacks whose fragment asks for retries are retried on a
5xx answer, as Twilio does.

The driver keeps its own books of which counselor is being rung or talking for which call,
so that the figures (rings to an engaged counselor, queue overtakes, time to connect) do not
depend on what the app says about itself. Every loop is bounded in count and in time.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import secrets
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
LINE_NUMBER = "+827000000000"
MAX_DOCUMENTS = 60  # TwiML documents one call may go through
MAX_HOLD_ROUNDS = 400
APOLOGY = "일시적인 문제로"  # the `sorry` prompt of every apology (ivr.responses.apology)
ORDERINGS = ("leg_first", "action_first", "together", "leg_twice", "together_twice")


def new_sid() -> str:
    """Return a fresh CallSid-like identifier."""
    return "CA" + secrets.token_hex(16)


@dataclass(frozen=True)
class Timing:
    """Seconds of what people do, scaled down so that a run lasts minutes."""

    dial_timeout: float = 5.0  # the line's IVR_DIAL_TIMEOUT: how long a no-answer rings
    whisper_timeout: float = 3.0  # IVR_WHISPER_TIMEOUT: how long an ignored whisper waits
    ring: tuple[float, float] = (0.3, 2.0)  # until the counselor picks up
    press: tuple[float, float] = (0.3, 1.5)  # from the whisper to pressing 1
    talk: tuple[float, float] = (3.0, 8.0)
    listen: tuple[float, float] = (0.2, 1.0)  # the menu, before the caller presses a key
    hold_round: float = 2.0  # between two requests to the queue's waitUrl
    patience: tuple[float, float] = (5.0, 25.0)  # of the callers who hang up in the queue
    http_timeout: float = 15.0  # Twilio gives up on a webhook after 15 seconds


@dataclass(frozen=True)
class Mix:
    """How often counselors and callers do each thing (shares of legs and callers)."""

    answers: float = 0.80
    declines: float = 0.05  # presses 2 in the whisper
    ignores: float = 0.05  # lets the whisper time out
    no_answer: float = 0.10
    abandon_queue: float = 0.05  # queued callers who hang up after their patience
    survey: float = 0.6  # callers who answer the satisfaction question

    def behaviour(self, rng: random.Random) -> str:
        """Pick what a rung counselor does."""
        roll = rng.random()
        for name, share in (
            ("answers", self.answers),
            ("declines", self.declines),
            ("ignores", self.ignores),
        ):
            if roll < share:
                return name
            roll -= share
        return "no-answer"


@dataclass
class Leg:
    """One ring of a counselor for a call, as the driver saw it."""

    phone: str
    asked_at: float  # the request whose answer was this <Dial> was sent
    rung_at: float  # ... and answered
    via: str  # the endpoint that answered with the <Dial>
    behaviour: str = ""
    ring_delay: float = 0.0
    whisper_delay: float = 0.0
    accepted_at: float | None = None
    taken: bool = False  # the whisper said another call had the counselor
    ordering: str = ""


@dataclass
class Wait:
    """One stay in a field's queue."""

    entered_at: float  # the <Enqueue> was received
    asked_at: float  # the request that answered with it was sent
    left_at: float | None = None
    how: str = ""  # redirect, leave, hangup, deadline
    rounds: int = 0
    round_sent: float = 0.0  # the last hold round was sent (its answer may be <Leave>)
    redirect_seen: float = 0.0  # the REST redirect that moved the call out was seen


@dataclass
class CallRecord:
    """What happened to one call, by the driver's clock (time.monotonic)."""

    sid: str
    field: str
    digit: str
    started_at: float = 0.0
    choice_sent: float = 0.0
    choice_answered: float = 0.0
    free_at_choice: int = 0  # counselors of the field not engaged when the choice was sent
    legs: list[Leg] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)
    connected_at: float | None = None
    offered: str | None = None
    ended: str = ""
    ended_at: float = 0.0
    last_asked: float = 0.0
    last_answered: float = 0.0
    last_via: str = ""
    abandon_after: float | None = None
    fell_back: int = 0  # requests of the call's flow that failed: Twilio used the fallback URL


@dataclass
class Redirect:
    """A REST redirect of a call, as read from the sandbox outbox."""

    sid: str
    url: str
    seen_at: float
    state: str  # what the call was doing when it was seen
    used: bool = False


class Driver:
    """Plays calls against one base URL; collects latencies, errors and its own books."""

    def __init__(
        self,
        base_url: str,
        token: str,
        roster: dict[str, set[str]],
        timing: Timing,
        mix: Mix,
        seed: int,
        deadline: float,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.validator = RequestValidator(token)
        self.roster = roster
        self.timing, self.mix = timing, mix
        self.seed = seed
        self.deadline = deadline
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.server_errors: list[tuple[str, int, str]] = []
        self.transport_errors: list[tuple[str, str]] = []
        self.apologies: list[tuple[str, str]] = []
        self.oddities: list[str] = []
        self.engaged: dict[str, tuple[str, str]] = {}  # phone -> (call sid, ringing|talking)
        self.engaged_rings: list[dict[str, Any]] = []
        self.orderings: Counter[str] = Counter()
        self.redirects: dict[str, list[Redirect]] = defaultdict(list)
        self.wakeups: dict[str, threading.Event] = {}
        self.state: dict[str, str] = {}
        self.holding: dict[str, CallRecord] = {}
        self.helpers: list[threading.Thread] = []
        self.records: list[CallRecord] = []
        self.requests: list[tuple[float, float]] = []  # (sent, answered) of every request

    # -- HTTP -----------------------------------------------------------------------------

    def _path(self, url: str) -> tuple[str, str]:
        """Return (path with query, fragment) of a TwiML URL, relative or absolute."""
        absolute = urllib.parse.urljoin(self.base_url + "/", url)
        parts = urllib.parse.urlsplit(absolute)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return path, parts.fragment

    def post(self, url: str, form: dict[str, str]) -> str:
        """Post a signed form as Twilio does; return the body ("" on failure).

        The fragment is Twilio's connection overrides: `rc` tries again, `rp=ct` only when
        the connection could not be made, `rp=all` also after a timeout or an error answer.
        A request unanswered after 15 seconds is given up, as Twilio gives up on it.
        """
        path, fragment = self._path(url)
        overrides = dict(urllib.parse.parse_qsl(fragment))
        retries = int(overrides.get("rc", "0"))
        on_any = overrides.get("rp") == "all"
        endpoint = path.split("?", 1)[0]
        signature = self.validator.compute_signature(self.base_url + path, form)
        body = urllib.parse.urlencode(form).encode()
        headers = {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        for attempt in range(retries + 1):
            last = attempt == retries
            connection = http.client.HTTPConnection(
                self.host, self.port, timeout=self.timing.http_timeout
            )
            began = time.perf_counter()
            try:
                try:
                    connection.connect()
                except OSError as error:
                    with self.lock:
                        self.transport_errors.append((endpoint, f"connect: {error!r}"))
                    if last:
                        return ""
                    continue
                try:
                    connection.request("POST", path, body=body, headers=headers)
                    response = connection.getresponse()
                    status, text = response.status, response.read().decode()
                except OSError as error:  # sent: the app may have acted on it
                    self._note(endpoint, time.perf_counter() - began)
                    with self.lock:
                        self.transport_errors.append((endpoint, f"answer: {error!r}"))
                    if on_any and not last:
                        continue
                    return ""
            finally:
                connection.close()
            self._note(endpoint, time.perf_counter() - began)
            with self.lock:
                if status >= 500:
                    self.server_errors.append((endpoint, status, form.get("CallSid", "")))
                if "after=error" in text or APOLOGY in text:
                    self.apologies.append((endpoint, form.get("CallSid", "")))
            if status >= 500 and on_any and not last:
                time.sleep(0.5)
                continue
            if status != 200:
                with self.lock:
                    self.oddities.append(f"{endpoint} answered HTTP {status}")
                return ""
            return text
        return ""

    def _note(self, endpoint: str, elapsed: float) -> None:
        """Keep a request's latency (a timed-out one counts for the time waited)."""
        answered = time.monotonic()
        with self.lock:
            self.requests.append((answered - elapsed, answered))
            self.latencies[endpoint].append(elapsed)

    def flow(self, record: CallRecord, url: str, form: dict[str, str]) -> tuple[str, str]:
        """Post a request of the call's own flow; note when it was asked and answered.

        When it fails (no answer in time, an error), Twilio requests the number's fallback
        URL instead and plays what that answers.
        """
        record.last_asked = time.monotonic()
        body = self.post(url, form)
        if not body.strip():
            record.fell_back += 1
            failed = self.base_url + self._path(url)[0]
            fallback = dict(form, ErrorCode="11200", ErrorUrl=failed)
            body, url = self.post("/ivr/fallback", fallback), "/ivr/fallback"
        record.last_answered = time.monotonic()
        record.last_via = self._path(url)[0].split("?", 1)[0]
        return body, url

    def background(self, work: Callable[[], Any], delay: float = 0.0) -> None:
        """Run a request on its own thread, as Twilio's status callbacks are."""

        def run() -> None:
            if delay:
                time.sleep(delay)
            work()

        thread = threading.Thread(target=run, daemon=True)
        with self.lock:
            self.helpers.append(thread)
        thread.start()

    def together(self, works: list[Callable[[], Any]]) -> list[Any]:
        """Run requests at the same instant, each on its own thread; return their results."""
        barrier = threading.Barrier(len(works))
        results: list[Any] = [None] * len(works)

        def run(index: int) -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            results[index] = works[index]()

        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(works))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.timing.http_timeout * 4)
        return results

    # -- forms ----------------------------------------------------------------------------

    def call_form(self, record: CallRecord, **extra: str) -> dict[str, str]:
        form = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": record.sid,
            "From": f"+8210{4000_0000 + int(record.sid[2:9], 16) % 9999_9999:08d}",
            "To": LINE_NUMBER,
            "Direction": "inbound",
            "CallStatus": "in-progress",
            "ApiVersion": "2010-04-01",
        }
        form.update(extra)
        return form

    # -- the driver's books ---------------------------------------------------------------

    def _ring(self, record: CallRecord, leg: Leg) -> None:
        """Note a counselor rung for a call; a counselor engaged by another call is a fault."""
        with self.lock:
            owner = self.engaged.get(leg.phone)
            if owner is not None and owner[0] != record.sid:
                self.engaged_rings.append(
                    {
                        "phone": leg.phone,
                        "call": record.sid,
                        "via": leg.via,
                        "engaged_by": owner[0],
                        "as": owner[1],
                        "at": leg.rung_at,
                    }
                )
            self.engaged[leg.phone] = (record.sid, "ringing")

    def _talk(self, record: CallRecord, phone: str) -> None:
        with self.lock:
            self.engaged[phone] = (record.sid, "talking")

    def _free(self, record: CallRecord, phone: str) -> None:
        """Note a counselor free again; called before the request that frees them is sent."""
        with self.lock:
            if self.engaged.get(phone, ("",))[0] == record.sid:
                del self.engaged[phone]

    def free_in(self, field_code: str) -> int:
        """Return how many counselors of a field the driver's books show as free."""
        with self.lock:
            return sum(1 for phone in self.roster[field_code] if phone not in self.engaged)

    # -- redirects ------------------------------------------------------------------------

    def deliver(self, sid: str, url: str) -> None:
        """Hand a REST redirect to its call, as Twilio moves a live call to new TwiML."""
        with self.lock:
            state = self.state.get(sid, "unknown")
            item = Redirect(sid, url, time.monotonic(), state)
            self.redirects[sid].append(item)
            wake = self.wakeups.get(sid)
        if wake is not None:
            wake.set()

    def _take_redirect(self, record: CallRecord, stay: Wait) -> str | None:
        """Return a redirect for this call seen while it held or asked to hold, if any."""
        with self.lock:
            for item in self.redirects.get(record.sid, []):
                if not item.used and item.seen_at >= stay.asked_at:
                    item.used = True
                    stay.redirect_seen = item.seen_at
                    return item.url
        return None

    def in_flight_since(self, instant: float) -> float:
        """Return the earliest send of a request still unanswered at an instant (or just then).

        Whatever a request decided before the instant, it decided after this.
        """
        with self.lock:
            sent = [s for s, a in self.requests if s <= instant <= a + 0.2]
        return min(sent, default=instant)

    def stray_redirects(self, sids: set[str]) -> list[Redirect]:
        """Return the redirects of these calls that arrived while they were not in a queue."""
        with self.lock:
            return [r for s in sids for r in self.redirects.get(s, []) if not r.used]

    def _set_state(self, record: CallRecord, state: str) -> None:
        with self.lock:
            self.state[record.sid] = state

    # -- a whole call ---------------------------------------------------------------------

    def play(self, record: CallRecord) -> None:
        """Play one call from its first ring to its final status callback."""
        rng = random.Random(f"{self.seed}-{record.sid}")
        with self.lock:
            self.records.append(record)
            self.wakeups[record.sid] = threading.Event()
        record.started_at = time.monotonic()
        if rng.random() < self.mix.abandon_queue:
            record.abandon_after = rng.uniform(*self.timing.patience)
        final_sent = False
        try:
            self._set_state(record, "menu")
            body = self.post("/ivr/voice", self.call_form(record, CallStatus="ringing"))
            menu = self._first(body, "Gather")
            if menu is None:
                record.ended = "no menu"
                return
            time.sleep(rng.uniform(*self.timing.listen))
            record.free_at_choice = self.free_in(record.field)
            record.choice_sent = time.monotonic()
            choice = self.call_form(record, Digits=record.digit)
            body, url = self.flow(record, menu.get("action") or "/ivr/menu", choice)
            record.choice_answered = record.last_answered
            final_sent = self._run(record, body, url, rng)
        except Exception as error:  # a benchmark records the fault and goes on
            with self.lock:
                self.oddities.append(f"driver error in {record.sid}: {error!r}")
            record.ended = record.ended or "driver error"
        finally:
            self._set_state(record, "ended")
            if not final_sent:
                self.post("/ivr/status#rc=3&rp=all", self._final(record))
            record.ended_at = time.monotonic()

    def _final(self, record: CallRecord) -> dict[str, str]:
        seconds = int(time.monotonic() - record.started_at)
        return self.call_form(record, CallStatus="completed", CallDuration=str(seconds))

    @staticmethod
    def _first(body: str, tag: str) -> ElementTree.Element | None:
        if not body.strip():
            return None
        return next(ElementTree.fromstring(body).iter(tag), None)

    def _run(self, record: CallRecord, body: str, url: str, rng: random.Random) -> bool:
        """Follow TwiML until the call ends; return whether its final status was sent."""
        for _ in range(MAX_DOCUMENTS):
            if time.monotonic() > self.deadline:
                record.ended = record.ended or "deadline"
                return False
            following = self._document(record, body, url, rng)
            if following is None:
                return False
            if following == "final-sent":
                return True
            body, url = following
        record.ended = "too many documents"
        return False

    def _document(
        self, record: CallRecord, body: str, url: str, rng: random.Random
    ) -> tuple[str, str] | str | None:
        """Execute one TwiML document; return the next one, None to hang up."""
        if not body.strip():
            record.ended = record.ended or "empty answer"
            return None
        self._set_state(record, "busy")
        for verb in ElementTree.fromstring(body):
            tag = verb.tag
            if tag in ("Say", "Play", "Pause"):
                continue  # spoken time is left out: the figures are about the line's work
            if tag == "Gather":
                return self._gather(record, verb, rng)
            if tag == "Redirect":
                target = (verb.text or "").strip()
                if "/ivr/fallback" in target:
                    record.ended = "apology"
                    return None
                return self.flow(record, target, self.call_form(record))
            if tag in ("Hangup", "Reject"):
                record.ended = record.ended or "line hung up"
                return None
            if tag == "Dial":
                return self._dial(record, verb, rng)
            if tag == "Enqueue":
                return self._enqueue(record, verb, rng)
            if tag == "Leave":
                with self.lock:
                    self.oddities.append(f"<Leave> outside a queue for {record.sid}")
                return None
        record.ended = record.ended or "document ended"
        return None

    def _gather(
        self, record: CallRecord, verb: ElementTree.Element, rng: random.Random
    ) -> tuple[str, str] | None:
        action = verb.get("action") or ""
        endpoint = self._path(action)[0].split("?", 1)[0]
        if endpoint == "/ivr/offer":
            rung = {leg.phone for leg in record.legs}
            everyone = rung >= self.roster[record.field]
            record.offered = "after ringing everyone on duty" if everyone else "while on duty"
            record.ended = "offered a callback"
            return None
        if endpoint == "/ivr/survey":
            if rng.random() < self.mix.survey:
                time.sleep(0.3)
                score = str(rng.randint(1, 5))
                return self.flow(record, action, self.call_form(record, Digits=score))
            record.ended = record.ended or "hung up at the survey"
            return None
        with self.lock:
            self.oddities.append(f"unexpected <Gather> to {endpoint} for {record.sid}")
        record.ended = f"gather {endpoint}"
        return None

    # -- counselors -----------------------------------------------------------------------

    def _dial(
        self, record: CallRecord, verb: ElementTree.Element, rng: random.Random
    ) -> tuple[str, str] | None:
        number = verb.find("Number")
        action = verb.get("action")
        if number is None or action is None:
            with self.lock:
                self.oddities.append(f"<Dial> without a counselor or action for {record.sid}")
            return None
        self._set_state(record, "dial")
        phone = (number.text or "").strip()
        leg = Leg(phone, record.last_asked, record.last_answered, record.last_via)
        leg.behaviour = self.mix.behaviour(rng)
        record.legs.append(leg)
        self._ring(record, leg)
        leg_sid = new_sid()
        status_url = number.get("statusCallback") or ""
        whisper_url = number.get("url") or ""

        def leg_form(**extra: str) -> dict[str, str]:
            form = {
                "AccountSid": ACCOUNT_SID,
                "CallSid": leg_sid,
                "ParentCallSid": record.sid,
                "From": verb.get("callerId", LINE_NUMBER),
                "To": phone,
                "Direction": "outbound-dial",
                "CallStatus": "in-progress",
                "ApiVersion": "2010-04-01",
            }
            form.update(extra)
            return form

        # Twilio sends progress events only when the <Number> asks for them; the end always.
        events = set((number.get("statusCallbackEvent") or "completed").split())

        def progress() -> None:
            for status in ("initiated", "ringing"):
                if status in events:
                    self.post(status_url, leg_form(CallStatus=status))

        self.background(progress)
        talked, leg_status = 0, "completed"
        if leg.behaviour == "no-answer":
            time.sleep(self.timing.dial_timeout)
            leg_status = "no-answer"
            dial_status = "no-answer"
        else:
            leg.ring_delay = rng.uniform(*self.timing.ring)
            time.sleep(leg.ring_delay)
            if "answered" in events:
                # The answered event and the whisper request leave Twilio independently.
                self.background(
                    lambda: self.post(status_url, leg_form(CallStatus="in-progress")),
                    delay=rng.uniform(0, 0.05),
                )
            talked = self._whisper(record, leg, whisper_url, leg_form, rng)
            dial_status = "completed"
        self._free(record, phone)
        leg_final = leg_form(CallStatus=leg_status, CallDuration=str(talked))
        dial_form = self.call_form(
            record, DialCallStatus=dial_status, DialCallSid=leg_sid, DialCallDuration=str(talked)
        )
        return self._finals(record, leg, status_url, leg_final, action, dial_form, rng)

    def _whisper(
        self,
        record: CallRecord,
        leg: Leg,
        url: str,
        leg_form: Callable[..., dict[str, str]],
        rng: random.Random,
    ) -> int:
        """Play the whisper; return the talk time when the counselor took the call."""
        body = self.post(url, leg_form())
        gather = self._first(body, "Gather")
        if gather is None:
            leg.taken = self._first(body, "Hangup") is not None
            return 0
        action = gather.get("action") or ""
        if leg.behaviour == "answers":
            leg.whisper_delay = rng.uniform(*self.timing.press)
            time.sleep(leg.whisper_delay)
            answer = self.post(action, leg_form(Digits="1"))
            if not answer or self._first(answer, "Hangup") is not None:
                leg.taken = True
                return 0
            leg.accepted_at = time.monotonic()
            record.connected_at = record.connected_at or leg.accepted_at
            self._talk(record, leg.phone)
            talk = rng.uniform(*self.timing.talk)
            time.sleep(talk)
            return max(1, round(talk))
        if leg.behaviour == "declines":
            time.sleep(rng.uniform(0.3, 1.0))
            self.post(action, leg_form(Digits="2"))
        else:  # ignores the whisper: the Gather times out and posts nothing pressed
            time.sleep(self.timing.whisper_timeout)
            self.post(action, leg_form())
        return 0

    def _finals(
        self,
        record: CallRecord,
        leg: Leg,
        status_url: str,
        leg_final: dict[str, str],
        action: str,
        dial_form: dict[str, str],
        rng: random.Random,
    ) -> tuple[str, str]:
        """Send the leg's final status and the Dial's action in one of Twilio's orders."""
        ordering = rng.choice(ORDERINGS)
        leg.ordering = ordering
        with self.lock:
            self.orderings[ordering] += 1

        def final() -> str:
            return self.post(status_url, leg_final)

        def act() -> tuple[str, str]:
            return self.flow(record, action, dial_form)

        if ordering == "leg_first":
            final()
            return act()
        if ordering == "action_first":
            answer = act()
            self.background(final, delay=rng.uniform(0, 0.3))
            return answer
        if ordering == "leg_twice":  # Twilio's retry of the final status arrives late
            final()
            answer = act()
            self.background(final, delay=rng.uniform(0, 0.5))
            return answer
        works: list[Callable[[], Any]] = [act, final]
        if ordering == "together_twice":
            works.append(final)
        results = self.together(works)
        answer = results[0]
        if answer is None:
            return "", action
        record.last_answered = time.monotonic()
        return answer

    # -- the queue ------------------------------------------------------------------------

    def _enqueue(
        self, record: CallRecord, verb: ElementTree.Element, rng: random.Random
    ) -> tuple[str, str] | str | None:
        wait_url = verb.get("waitUrl") or ""
        action = verb.get("action")
        stay = Wait(entered_at=record.last_answered, asked_at=record.last_asked)
        record.waits.append(stay)
        self._set_state(record, "hold")
        with self.lock:
            self.holding[record.sid] = record
            wake = self.wakeups[record.sid]
        moved: str | None = None
        try:
            for _ in range(MAX_HOLD_ROUNDS):
                moved = self._take_redirect(record, stay)
                if moved:
                    stay.how = "redirect"
                    break
                now = time.monotonic()
                patience = record.abandon_after
                if patience is not None and now - stay.entered_at > patience:
                    stay.how = "hangup"
                    break
                if now > self.deadline:
                    stay.how = "deadline"
                    break
                wake.clear()
                stay.round_sent = time.monotonic()
                form = self.call_form(
                    record,
                    QueueSid="QU" + "0" * 32,
                    QueuePosition="1",
                    QueueTime=str(int(now - stay.entered_at)),
                    AvgQueueTime="0",
                    CurrentQueueSize="1",
                )
                body = self._hold_round(wait_url, form, wake)
                stay.rounds += 1
                moved = self._take_redirect(record, stay)
                if moved:  # Twilio moves the call whatever the round answered
                    stay.how = "redirect"
                    break
                if body and self._first(body, "Leave") is not None:
                    stay.how = "leave"
                    break
                if not body:  # the hold round failed: Twilio ends the <Enqueue> with an error
                    stay.how = "error"
                    break
                # The round's own answer set `wake`: clear it, then look once more for a
                # redirect delivered before the clear (one after it sets `wake` again), and
                # play the round's hold time as Twilio does before it asks for the next.
                wake.clear()
                moved = self._take_redirect(record, stay)
                if moved:
                    stay.how = "redirect"
                    break
                wake.wait(self.timing.hold_round)
            else:
                stay.how = "too many rounds"
        finally:
            stay.left_at = time.monotonic()
            with self.lock:
                self.holding.pop(record.sid, None)
            self._set_state(record, "busy")
        waited = str(int(stay.left_at - stay.entered_at))
        if stay.how == "redirect" and moved:
            return self.flow(record, moved, self.call_form(record))
        if stay.how in ("leave", "error") and action:
            result = self.call_form(record, QueueResult=stay.how, QueueTime=waited)
            return self.flow(record, action, result)
        record.ended = "hung up in the queue" if stay.how == "hangup" else stay.how
        if action:
            # The caller hangs up: the Enqueue's action and the call's final status at once.
            hangup = self.call_form(record, QueueResult="hangup", QueueTime=waited)
            self.together(
                [
                    lambda: self.post(action, hangup),
                    lambda: self.post("/ivr/status#rc=3&rp=all", self._final(record)),
                ]
            )
            return "final-sent"
        return None

    def _hold_round(self, url: str, form: dict[str, str], wake: threading.Event) -> str:
        """Request one hold round; a REST redirect meanwhile moves the call at once.

        Twilio drops the answer of a hold round once the call has been moved, so the round
        runs on its own thread and is not waited for when the redirect comes first.
        """
        answer: list[str] = []

        def round_trip() -> None:
            answer.append(self.post(url, form))
            wake.set()

        self.background(round_trip)
        wake.wait(self.timing.http_timeout * 3 + 1)
        return answer[0] if answer else ""

    def holders(self) -> list[CallRecord]:
        """Return the calls holding in a queue now."""
        with self.lock:
            return list(self.holding.values())

    def join_helpers(self, timeout: float) -> int:
        """Wait for the background callbacks to finish; return how many did not."""
        ends = time.monotonic() + timeout
        with self.lock:
            helpers = list(self.helpers)
        for thread in helpers:
            thread.join(timeout=max(0.0, ends - time.monotonic()))
        return sum(thread.is_alive() for thread in helpers)
