"""Every path through the menus ends somewhere: the exhaustive walk of all key sequences.

Each scenario (nobody on duty, a free counselor, every counselor busy) is played with every
sequence of answers up to a bounded depth: each key of the keypad, silence, and, where the
menu takes speech, a field's name and words the menu cannot understand. A call the line hangs
up must have ended with one of the endings of `ivr.endings.ENDINGS`, and the caller must have
had it (a conversation took place, a callback or a voice message is stored, or the goodbye
said when to call again). A sequence that runs out while the line still asks is the caller
hanging up, not a dead end; longer sequences carry it on.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import select

from callcenter.models import Call, CallbackRequest, Counselor, Voicemail
from ivr.calls import block_number
from ivr.endings import ENDINGS
from ivr.walker import Script, Transcript
from tests.ivr_support import SEOUL, TUESDAY_AFTERNOON

SATURDAY = datetime(2027, 3, 6, 11, 0, tzinfo=SEOUL)
KEYS = [*"0123456789*#", ""]
SPEECH = ["speech:세무 상담", "speech:음 그러니까요"]
DEPTH = 4


def _conversation(transcript: Transcript, call: Call, db) -> bool:
    return any(("통화" in e and "초" in e) or "번호로 연결됨" in e for e in transcript.events)


def _callback(transcript: Transcript, call: Call, db) -> bool:
    return db.scalar(select(CallbackRequest).where(CallbackRequest.call_id == call.id)) is not None


def _voice_message(transcript: Transcript, call: Call, db) -> bool:
    return db.scalar(select(Voicemail).where(Voicemail.call_id == call.id)) is not None


def _call_again(transcript: Transcript, call: Call, db) -> bool:
    said = transcript.heard.rsplit("\n", 3)[-3:]
    phrases = ("다시 걸어 주십시오", "다시 전화해 주세요", "call again")
    return any(phrase in line for line in said for phrase in phrases)


def _blocked(transcript: Transcript, call: Call, db) -> bool:
    return "시청 민원실로 문의해 주십시오" in transcript.heard


def _booking_link(transcript: Transcript, call: Call, db) -> bool:
    return call.reached("booking_link_sms")


# Each ending of the line, and how the caller can tell they had it.
EVIDENCE = {
    "conversation": _conversation,
    "callback": _callback,
    "voice_message": _voice_message,
    "call_again": _call_again,
    "blocked": _blocked,
    "booking_link": _booking_link,
}


def test_every_ending_of_the_line_has_its_evidence():
    assert set(EVIDENCE) == set(ENDINGS)


def _pending_question(transcript: Transcript) -> str:
    """Return the TwiML the caller stopped answering (the last document with a <Gather>)."""
    bodies = [body for *_, body in transcript.exchanges if "<Gather" in body]
    return bodies[-1] if bodies else ""


def _state(transcript: Transcript, call: Call) -> tuple:
    """Return what decides the rest of a call: the question asked and what the call went through.

    The flow reads a call's record for which steps it reached, how many numbers it refused
    and how often speech was not understood (twice is as good as more); the order and the
    other repeats of steps decide nothing.
    """
    steps = call.steps or ()
    reached = frozenset(step["step"] for step in steps)
    refused = sum(1 for step in steps if step["step"] == "callback_invalid")
    misheard = min(2, sum(1 for step in steps if step.get("reason") == "not_understood"))
    question = _pending_question(transcript)
    return question, call.language, call.field_id, reached, refused, misheard


def _walk(db, walker, script_options: dict, depth: int) -> tuple[Counter, int]:
    """Play every answer sequence up to `depth`; return the endings met and the calls played.

    Sequences that bring the caller to the same question with the same call record have the
    same continuations, so each such state is carried on once: the walk covers every
    sequence without replaying the equal ones.
    """
    endings: Counter = Counter()
    frontier: list[list[str]] = [[]]
    seen: set[tuple] = set()
    played = 0
    for _ in range(depth + 1):
        following: list[list[str]] = []
        for keys in frontier:
            transcript = walker.call(Script(keys=list(keys), **script_options))
            played += 1
            call = db.scalar(select(Call).where(Call.call_sid == transcript.call_sid))
            path = " ".join(repr(k) for k in keys)
            if transcript.ended != "line hung up":
                state = _state(transcript, call)
                if transcript.ended == "caller hung up" and len(keys) < depth and state not in seen:
                    seen.add(state)
                    speech = 'input="dtmf speech"' in state[0]
                    following.extend([*keys, key] for key in KEYS + (SPEECH if speech else []))
                continue
            ended = [s.get("ending") for s in call.steps or () if s["step"] == "ended"]
            assert ended, f"the line hung up with no ending after {path}:\n{transcript}"
            assert ended[-1] in ENDINGS, path
            assert EVIDENCE[ended[-1]](transcript, call, db), (
                f"{ended[-1]} without its evidence after {path}:\n{transcript}"
            )
            endings[ended[-1]] += 1
        frontier = following
        db.expire_all()
    return endings, played


@pytest.fixture
def walk_settings(settings):
    # Fewer tries make the offers reachable within the depth; limits high enough that a
    # callback is never refused because earlier paths asked for one.
    settings(
        IVR_MENU_TRIES=2,
        IVR_SURVEY_ENABLED=False,
        ADMIN_DESK_NUMBER="+82318282114",
        TICKET_MAX_OPEN_PER_NUMBER=100000,
        TICKET_MAX_PER_NUMBER_PER_DAY=100000,
        CALLBACK_MAX_PER_HOUR=100000,
    )


def test_no_path_of_a_closed_field_ends_in_a_bare_hang_up(
    db, walker, on_shift, clock, walk_settings
):
    on_shift("legal")
    on_shift("tax")
    clock.now = SATURDAY
    endings, played = _walk(db, walker, {}, DEPTH)
    assert played > 200
    assert endings["callback"] and endings["voice_message"]


def test_no_path_ends_in_a_bare_hang_up_when_nothing_is_recorded(
    db, walker, on_shift, clock, walk_settings
):
    on_shift("legal")
    clock.now = SATURDAY
    endings, _ = _walk(db, walker, {"record_seconds": 0}, DEPTH - 1)
    assert endings["call_again"]


def test_no_path_ends_in_a_bare_hang_up_while_counselors_are_free(
    db, walker, on_shift, clock, walk_settings
):
    on_shift("legal")
    on_shift("tax")
    endings, _ = _walk(db, walker, {}, DEPTH - 1)
    assert endings["conversation"]


def test_no_path_ends_in_a_bare_hang_up_while_every_counselor_is_busy(
    db, walker, on_shift, clock, walk_settings
):
    for code in ("legal", "tax"):
        on_shift(code, busy_since=TUESDAY_AFTERNOON, busy_call_sid="CA" + "b" * 32)
    _, played = _walk(db, walker, {"queue_polls": 1}, DEPTH - 1)
    assert played > 100
    assert db.scalar(select(Counselor.busy_since).limit(1)) is not None


def test_a_blocked_number_hears_where_to_turn(db, walker, clock, walk_settings):
    block_number(db, "010-5555-1234", "abuse")
    db.commit()
    endings, _ = _walk(db, walker, {}, 1)
    assert endings == Counter({"blocked": 1})


def test_no_path_ends_in_a_bare_hang_up_after_any_key_in_the_queue(
    db, walker, on_shift, clock, walk_settings
):
    for code in ("legal", "tax"):
        on_shift(code, busy_since=TUESDAY_AFTERNOON, busy_call_sid="CA" + "b" * 32)
    endings: Counter = Counter()
    for key in KEYS:
        # The key is pressed at the first hold round; the menus before and the offers after
        # take every sequence of answers.
        met, _ = _walk(db, walker, {"queue_polls": 2, "queue_keys": {0: key}}, 2)
        endings.update(met)
    # 1 keeps the turn for a callback and hangs up; * leads to the callback offer.
    assert endings["callback"]
