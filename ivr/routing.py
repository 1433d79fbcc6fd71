"""Putting a caller through to a counselor: the <Dial>, the whisper, the claim.

Ringing a counselor writes one row: the counselor's reservation (see `ivr.reservations`).
The <Dial> carries a `Ring` (caller, counselor, field, position, instant) in its URLs, and
the first request about that leg (the whisper, a status callback or the Dial action,
whichever comes first) records the call, the leg and the steps. That keeps the menu choice to
one statement, and a leg is never recorded twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from twilio.twiml.voice_response import VoiceResponse

from callcenter.models import (
    Call,
    CallLeg,
    CallOutcome,
    Channel,
    Consultation,
    Counselor,
    LegResult,
)
from ivr.cache import menu_fields, rostered_ids
from ivr.calls import insert_new, open_call, record_step, set_outcome
from ivr.reservations import busy_timeout, claim, free_counselors, reserve
from ivr.responses import say, with_retries

# What Twilio's DialCallStatus says about a leg nobody took.
DIAL_RESULTS = {
    "no-answer": LegResult.NO_ANSWER,
    "busy": LegResult.BUSY,
    "failed": LegResult.FAILED,
    "canceled": LegResult.CALLER_LEFT,  # the line never cancels a leg: the caller hung up
    "completed": LegResult.DECLINED,  # answered, but the whisper was not accepted
}


@dataclass(frozen=True)
class Ring:
    """One counselor leg of a call, as its URLs describe it."""

    call_sid: str
    counselor_id: int
    field_id: int
    position: int
    at: datetime
    language: str = "ko"
    phone: str = ""  # the counselor's number; never in the URLs

    def params(self) -> dict[str, Any]:
        """Return the query parameters that carry this ring."""
        return {
            "call": self.call_sid,
            "counselor": self.counselor_id,
            "field": self.field_id,
            "pos": self.position,
            "at": self.instant(),
            "lang": self.language,
        }

    def query(self) -> str:
        """Return `params()` as a query string, cheaply: the menu choice builds one per call."""
        return (
            f"?call={quote(self.call_sid, safe='')}&counselor={self.counselor_id}"
            f"&field={self.field_id}&pos={self.position}&at={self.instant()}"
            f"&lang={self.language}"
        )

    def instant(self) -> str:
        """Return the ring's instant for its URLs, to the millisecond.

        It is the caller's arrival at the field, their place in its queue: in a burst, many
        callers choose a field within the same second.
        """
        return f"{self.at.timestamp():.3f}"

    @classmethod
    def from_args(cls, args: Any) -> Ring | None:
        """Read a ring back from a request's query string (signed by Twilio)."""
        try:
            return cls(
                call_sid=args["call"],
                counselor_id=int(args["counselor"]),
                field_id=int(args["field"]),
                position=int(args["pos"]),
                at=datetime.fromtimestamp(float(args["at"]), UTC),
                language="en" if args.get("lang") == "en" else "ko",
            )
        except (KeyError, ValueError, OverflowError):
            return None


def dial_order(
    session: Session,
    field_id: int,
    now: datetime,
    tz: ZoneInfo,
    exclude: frozenset[int] | set[int] = frozenset(),
) -> list[tuple[int, str]]:
    """Return (id, phone) of the free on-call counselors of a field, in fair order.

    Who is rostered comes from the short roster cache; who is free is read fresh. A read
    only: ringing one of them takes a reservation (`reserve_next`).
    """
    ids = [i for i in rostered_ids(session, field_id, now, tz) if i not in exclude]
    return free_counselors(session, ids, now)


def reserve_next(
    session: Session, call: Call, field_id: int, now: datetime, tz: ZoneInfo
) -> Ring | None:
    """Reserve the next free counselor of the field this call has not rung; its ring or None.

    The caller keeps the place of their first arrival at the field: earlier waiting callers
    who could take the counselor go first.
    """
    tried = tried_counselors(session, call)
    ids = [i for i in rostered_ids(session, field_id, now, tz) if i not in tried]
    position = next_position(session, call)
    arrived = arrival(call) or now
    found = reserve(session, ids, field_id, call.call_sid, position, now, arrived)
    if found is None:
        return None
    return Ring(call.call_sid, found[0], field_id, position, now, call.language, found[1])


def arrival(call: Call) -> datetime | None:
    """Return when the caller chose the field they wait for: their place in its line."""
    if call.queue_entered_at is not None:
        return call.queue_entered_at
    for step in reversed(call.steps or []):
        if step.get("step") == "field":
            return datetime.fromisoformat(step.get("arrived") or step["at"])
    return None


def note_arrival(call: Call, field_id: int, at: datetime) -> None:
    """Record the caller's choice of a field and its exact instant (`arrival` reads it).

    Steps keep whole seconds; callers who choose within one second would tie, and the
    queue's first-come order would fall to the order their calls began.
    """
    record_step(call, "field", at, field=field_id, arrived=at.isoformat())


def tried_counselors(session: Session, call: Call) -> set[int]:
    """Return the counselors this call has already rung."""
    if call.id is None:
        return set()
    rows = session.scalars(select(CallLeg.counselor_id).where(CallLeg.call_id == call.id))
    return {counselor_id for counselor_id in rows if counselor_id is not None}


def next_position(session: Session, call: Call) -> int:
    """Return the position of the next leg of this call."""
    if call.id is None:
        return 0
    last = session.scalar(select(func.max(CallLeg.position)).where(CallLeg.call_id == call.id))
    return 0 if last is None else last + 1


def dial(response: VoiceResponse, ring: Ring, phone: str) -> None:
    """Add the <Dial> that rings one counselor, with the whisper on the counselor's leg."""
    config = current_app.config
    options: dict[str, Any] = {}
    if config.get("RECORDING_ENABLED"):
        options = {
            "record": "record-from-answer-dual",
            "recording_status_callback": with_retries(
                url_for("ivr.recording", call=ring.call_sid), callback=True
            ),
            "recording_status_callback_method": "POST",
        }
    query = ring.query()
    dial_verb = response.dial(
        caller_id=config["TWILIO_PHONE_NUMBER"],
        timeout=config["IVR_DIAL_TIMEOUT"],
        # The conversation limit, never longer than a busy flag holds (see docs/ivr.md).
        time_limit=int(conversation_limit().total_seconds()),
        action=with_retries(_route("ivr.dial_done") + query),
        method="POST",
        **options,
    )
    dial_verb.number(
        phone,
        url=with_retries(_route("ivr.whisper") + query),
        method="POST",
        # Only the leg's end: the whisper records the answer, and the leg is recorded by
        # whichever request about it comes first, so progress events would be work for nothing.
        status_callback=with_retries(_route("ivr.status") + query, callback=True),
        status_callback_event="completed",
        status_callback_method="POST",
    )


def conversation_limit() -> timedelta:
    """Return the longest conversation: the Dial's timeLimit, at most the busy timeout.

    A conversation ends before its busy flag could be taken for a lost one.
    """
    minutes = int(current_app.config.get("IVR_CONVERSATION_LIMIT_MINUTES") or 0)
    longest = busy_timeout()
    return min(timedelta(minutes=minutes), longest) if minutes > 0 else longest


def reached_limit(duration: int | None) -> bool:
    """Whether a conversation of this many seconds ended at the conversation limit."""
    # Twilio's DialCallDuration at the limit is the limit, give or take its rounding.
    return duration is not None and duration >= conversation_limit().total_seconds() - 1


_routes: dict[tuple[str, str], str] = {}


def _route(endpoint: str) -> str:
    """Return an endpoint's path; built once per mount point, as this runs on every choice."""
    key = (request.script_root, endpoint)
    path = _routes.get(key)
    if path is None:
        path = _routes[key] = url_for(endpoint)
    return path


def ensure_leg(session: Session, ring: Ring) -> CallLeg:
    """Return the recorded leg of a ring, recording it (and its steps) on first sight."""
    call = open_call(session, ring.call_sid, None, ring.at)
    session.flush()
    statement = select(CallLeg).where(CallLeg.call_id == call.id, CallLeg.position == ring.position)
    leg = session.scalar(statement)
    if leg is None:
        # Whichever request about the leg comes first records it; the call's row lock makes
        # the others wait, and a leg recorded meanwhile is kept as it is.
        values = {
            "call_id": call.id,
            "counselor_id": ring.counselor_id,
            "position": ring.position,
            "result": LegResult.RINGING.value,
            "started_at": ring.at,
        }
        added = insert_new(session, CallLeg, values)
        if added is None:
            leg = session.scalar(statement)
            assert leg is not None
        else:
            leg = added
            _note_first_ring(call, ring)
    # The leg's call is the one just locked: no second read of it when the leg is used.
    set_committed_value(leg, "call", call)
    return leg


def _note_first_ring(call: Call, ring: Ring) -> None:
    """Record on the call what the first request about a new leg tells of it."""
    if call.field_id is None:
        call.field_id = ring.field_id
        call.language = ring.language
        note_arrival(call, ring.field_id, ring.at)
    record_step(call, "dial", ring.at, position=ring.position, counselor=ring.counselor_id)


def claim_counselor(
    session: Session, counselor_id: int, leg_sid: str, now: datetime, ring: Ring | None = None
) -> bool:
    """Mark a counselor busy with this leg unless another call holds or reserves them.

    One conditional UPDATE decides, so two whispers accepted at once cannot both win; the
    ring's own reservation becomes the busy flag.
    """
    if ring is None:
        return claim(session, counselor_id, leg_sid, now)
    return claim(session, counselor_id, leg_sid, now, ring.call_sid, ring.position)


def whisper(
    session: Session, leg: CallLeg, ring: Ring, leg_sid: str, now: datetime
) -> VoiceResponse:
    """Tell the counselor what the call is about; ask for 1 unless they auto-answer."""
    response = VoiceResponse()
    leg.leg_sid = leg.leg_sid or leg_sid
    leg.answered_at = leg.answered_at or now
    auto_answer = session.scalar(
        select(Counselor.auto_answer).where(Counselor.id == ring.counselor_id)
    )
    # The menu's copy of the fields; a field closed since the caller chose it is read.
    field = next((f for f in menu_fields(session) if f.id == leg.call.field_id), None)
    chosen = field or leg.call.field
    field_name = chosen.name_ko if chosen else ""
    if auto_answer:
        if accept(session, leg, leg_sid, now, ring):
            say(response, "whisper_auto", "ko", field=field_name)
        else:
            say(response, "whisper_taken", "ko")
            response.hangup()
        return response
    if ring.language == "en":
        say(response, "whisper_english", "ko")
    gather = response.gather(
        num_digits=1,
        action=with_retries(url_for("ivr.whisper_answer", **ring.params())),
        method="POST",
        timeout=current_app.config["IVR_WHISPER_TIMEOUT"],
        action_on_empty_result=True,
    )
    say(gather, "whisper", "ko", field=field_name)
    return response


def whisper_answer(
    session: Session, leg: CallLeg, ring: Ring, leg_sid: str, digits: str, now: datetime
) -> VoiceResponse:
    """Bridge the call when the counselor pressed 1 and is still free; else end their leg.

    A decline keeps the reservation until the Dial ends: the caller's next ring comes from
    the Dial's action, and the freed counselor is offered to the queue from there.
    """
    response = VoiceResponse()
    if leg.result in (LegResult.CONNECTED, LegResult.COMPLETED):
        return response  # a retried request: the leg is already bridged
    if digits != "1":
        leg.result = LegResult.DECLINED
        say(response, "whisper_declined", "ko")
        response.hangup()
        return response
    if not accept(session, leg, leg_sid, now, ring):
        say(response, "whisper_taken", "ko")
        response.hangup()
    return response  # an empty document bridges the two parties


def accept(session: Session, leg: CallLeg, leg_sid: str, now: datetime, ring: Ring) -> bool:
    """Claim the counselor for this leg and record the connection, once."""
    if leg.counselor_id is None or not claim_counselor(
        session, leg.counselor_id, leg_sid, now, ring
    ):
        leg.result = LegResult.BUSY
        return False
    call = leg.call
    leg.leg_sid = leg.leg_sid or leg_sid
    leg.result = LegResult.CONNECTED
    leg.answered_at = leg.answered_at or now
    call.connected_counselor_id = leg.counselor_id
    call.answered_at = call.answered_at or now
    if call.queue_entered_at is not None and call.queue_left_at is None:
        call.queue_left_at = now
    set_outcome(call, CallOutcome.CONNECTED)
    record_step(call, "connected", now, position=leg.position, counselor=leg.counselor_id)
    session.execute(
        update(Counselor)
        .where(Counselor.id == leg.counselor_id)
        # Taking a call starts the count of unanswered rings again (ivr.unanswered).
        .values(last_connected_at=now, missed_rings=0)
        .execution_options(synchronize_session=False)
    )
    if not call.practice:
        start_draft_consultation(session, call, leg.counselor_id, now)
    return True


def start_draft_consultation(
    session: Session, call: Call, counselor_id: int, now: datetime
) -> Consultation:
    """Open the draft consultation of a connected call, once per call. Does not commit."""
    existing = session.scalar(select(Consultation).where(Consultation.call_id == call.id))
    if existing is not None:
        return existing
    draft = Consultation(
        status="draft",
        channel=Channel.PHONE,
        field_id=call.field_id,
        counselor_id=counselor_id,
        started_at=now,
        citizen_phone=call.from_number,
        citizen_phone_last4=call.from_last4,
        call_id=call.id,
    )
    session.add(draft)
    return draft


def leg_result_from_dial(status: str) -> LegResult:
    """Translate Twilio's DialCallStatus for a leg that was never bridged."""
    return DIAL_RESULTS.get(status, LegResult.FAILED)
