"""Waiting for a busy field: the queue, what callers hear in it, and who leaves it first."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import CursorResult, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callcenter import telephony
from callcenter.labels import ordinal
from callcenter.models import Call, Field, UTCDateTime
from ivr import kept_turn
from ivr.cache import closed_now, menu_fields, rostered_ids
from ivr.calls import record_step
from ivr.reader import busy_board, reader_engine
from ivr.reservations import held_for, in_queue, queue_window, release
from ivr.responses import absolute, say, with_retries
from ivr.routing import Ring, arrival, dial_order, reserve_next, tried_counselors
from ivr.speech import spoken_minutes
from ivr.unanswered import everyone_paused

log = logging.getLogger(__name__)


def queue_name(field: Field) -> str:
    """Return the Twilio queue of a field."""
    return f"field-{field.code}"


def enqueue(response: VoiceResponse, call: Call, field: Field, now: datetime) -> None:
    """Put the caller in the field's queue, in the place of their first arrival at the field.

    The place is kept in the database (`queue_entered_at`), not by Twilio's queue: a caller
    put back after a ring nobody took keeps their turn, and hears it in the hold rounds.
    """
    returning = call.queue_entered_at is not None
    if not returning:
        call.queue_entered_at = arrival(call) or now
    call.queue_left_at = None  # back in the queue after a failed connection
    record_step(call, "queue", now, field=field.code)
    say(
        response,
        "queue_return" if returning else "queue_enter",
        call.language,
        field=field.name(call.language),
    )
    response.enqueue(
        queue_name(field),
        wait_url=with_retries(url_for("ivr.queue_wait", lang=call.language, field=field.id)),
        wait_url_method="POST",
        action=with_retries(url_for("ivr.queue_done", lang=call.language)),
        method="POST",
    )


# Built once: every hold round of every waiting caller counts the callers ahead.
_AHEAD = (
    select(func.count())
    .select_from(Call)
    .where(
        Call.field_id == bindparam("field_id"),
        Call.queue_entered_at > bindparam("fresh_after", type_=UTCDateTime()),
        in_queue(),
        Call.id != bindparam("call_id"),
        or_(
            Call.queue_entered_at < bindparam("entered_at", type_=UTCDateTime()),
            and_(
                Call.queue_entered_at == bindparam("entered_at", type_=UTCDateTime()),
                Call.id < bindparam("call_id"),
            ),
        ),
    )
)


def queue_position(session: Session, place: QueuePlace, now: datetime) -> int:
    """Return the caller's place among those waiting for their field (1 is next)."""
    if place.entered_at is None or place.field_id is None:
        return 1
    ahead = session.scalar(_AHEAD, _ahead_params(place, now))
    return (ahead or 0) + 1


def _ahead_params(place: QueuePlace, now: datetime) -> dict[str, Any]:
    """Return the parameters that count the callers ahead of a place in line."""
    return {
        "field_id": place.field_id,
        "fresh_after": now - queue_window(),
        "call_id": place.call_id,
        "entered_at": place.entered_at,
    }


@dataclass(frozen=True)
class QueuePlace:
    """Where a waiting call stands, read while its row is locked.

    The hold round commits before it walks the queue, which expires the call's record;
    reading these again would load the whole row once more on every round.
    """

    call_id: int
    field_id: int | None
    entered_at: datetime | None

    @classmethod
    def of(cls, call: Call) -> QueuePlace:
        return cls(call.id, call.field_id, call.queue_entered_at)


def waiting_music(
    language: str, position: int, average_seconds: int, field_id: int, keep_turn: bool = False
) -> VoiceResponse:
    """Tell a waiting caller where they stand, then hold; `*` leaves for a callback.

    `keep_turn`: the caller may be called back, so `1` is announced: hang up and keep the
    place in line (`ivr.kept_turn`).
    """
    config = current_app.config
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1,
        action=url_for("ivr.queue_key", lang=language, field=field_id),
        method="POST",
        timeout=1,
    )
    if position > 0:
        # Twilio's AvgQueueTime is how long callers have waited lately; before anyone has
        # left the queue, assume a few minutes a caller ahead.
        estimate = average_seconds if average_seconds > 0 else 180 * position
        minutes = spoken_minutes(estimate)
        # Korean ordinals in words ("첫 번째"): a voice reads "1번째" as "일번째".
        place = ordinal(position, language)
        say(gather, "queue_position", language, position=position, place=place, minutes=minutes)
    if keep_turn:
        say(gather, "queue_keep_turn_hint", language)
    say(gather, "queue_leave_hint", language)
    if config.get("IVR_HOLD_MUSIC_URL"):
        gather.play(config["IVR_HOLD_MUSIC_URL"])
    else:
        gather.pause(length=config["IVR_QUEUE_PAUSE"])
    return response


def serve_freed(
    session: Session, counselor_ids: Iterable[int], now: datetime, tz: ZoneInfo
) -> None:
    """Offer counselors who came free to the longest waiters of the fields they are on call for.

    Called once the request that freed them has committed.
    """
    fields: set[int] = set()
    for counselor_id in set(counselor_ids):
        fields.update(_fields_on_call(session, counselor_id, now, tz))
    if fields:
        serve_waiters(session, sorted(fields), now, tz)


def serve_waiters(
    session: Session,
    field_ids: Sequence[int],
    now: datetime,
    tz: ZoneInfo,
    asking: Call | None = None,
) -> Ring | None:
    """Give each free counselor of these fields to the longest waiter who can take them.

    The one dispatch path of the queue, whoever runs it (a freed counselor's request, a hold
    round, the scheduler's sweep): waiting callers are taken strictly by first arrival, each
    with one conditional take out of the queue and one reservation, committed together, so
    no second path can send another caller to the same counselor. The caller is then moved
    to the reserved counselor by a REST redirect; when `asking` (the waiting caller whose
    hold round runs this) is chosen, its ring is returned instead, for the hold round to
    answer directly. An entry whose caller hung up keeping the turn (`ivr.kept_turn`) is
    served in the same order: its request goes to the reserved counselor, whom the line
    then rings to call the citizen back.

    A caller Twilio refuses to redirect has gone: their reservation ends and the next is
    served. When Twilio does not answer, the redirect may have happened: the caller keeps
    the reservation, and their next hold round leaves for it if it did not.

    A database error (a deadlock among dispatches) ends this dispatch and is not raised:
    the request that runs it has committed its own answer already, which the webhook's retry
    would repeat (a second ring, a second reservation). The next dispatch goes on.
    """
    mine = None
    for _ in range(MAX_SERVED):
        try:
            if not any(dial_order(session, f, now, tz) for f in field_ids):
                break  # nobody free: nothing to hand out
            assigned = _take_next(session, field_ids, now, tz)
            if assigned is None:
                break
            session.commit()
        except DBAPIError:
            session.rollback()
            log.warning("Queue dispatch stopped by a database error", exc_info=True)
            break
        call_id, call_sid, language, ring, callback_id = assigned
        if callback_id is not None:  # a kept turn: ring the counselor, then the citizen
            kept_turn.ring_counselor(
                session, callback_id, call_id, ring.counselor_id, ring.position, now
            )
            session.commit()
            continue
        if asking is not None and call_id == asking.id:
            mine = ring
            continue
        url = absolute(url_for("ivr.queue_connect", lang=language))
        sent = telephony.redirect_call(session, call_sid, url)
        if sent.ok or not sent.refused:
            if not sent.ok:
                log.warning(
                    "No answer from Twilio to a queue redirect; the caller's hold "
                    "round will leave for the reserved counselor"
                )
            session.commit()
            continue
        log.warning("A waiting caller could not be moved to a freed counselor; serving the next")
        release(session, ring.counselor_id, call_sid, ring.position)
        call = session.get(Call, call_id)
        if call is not None:
            record_step(call, "dequeue_failed", now, counselor=ring.counselor_id)
        session.commit()
    return mine


MAX_SERVED = 20  # callers handed out by one dispatch; the next dispatch goes on


def _take_next(
    session: Session, field_ids: Sequence[int], now: datetime, tz: ZoneInfo
) -> tuple[int, str, str, Ring, int | None] | None:
    """Take the longest waiter who can be given a free counselor, and reserve that counselor.

    A kept turn's callback request goes to that counselor in the same transaction; its id is
    the last item (None for a caller on the line). Does not commit. None when no waiting
    caller can be served now. A waiter who cannot be given anyone (they rang every free
    counselor already, or another dispatch took the last one a moment ago) is passed over;
    once a field has nobody free, none of its waiters is tried, so concurrent dispatches do
    not each walk the whole queue.
    """
    waiting = session.execute(
        select(Call.id, Call.field_id)
        .where(
            Call.field_id.in_(field_ids),
            Call.queue_entered_at > now - queue_window(),
            in_queue(),
        )
        .order_by(Call.queue_entered_at, Call.id)
        .limit(MAX_SERVED)
    ).all()
    nobody_free: set[int] = set()
    for call_id, field_id in waiting:
        if field_id in nobody_free:
            continue
        passed_over = None
        with session.begin_nested() as attempt:
            if not take_from_queue(session, call_id, now):
                attempt.rollback()
                continue
            call = session.get(Call, call_id, populate_existing=True)
            assert call is not None and call.field_id is not None
            callback = None
            if call.kept_turn_at is not None:
                callback = kept_turn.waiting_request(session, call)
                if callback is None:  # closed meanwhile (the web ticket's page cancels)
                    record_step(call, "kept_turn_closed", now)
                    continue  # stays out of the queue
            ring = reserve_next(session, call, call.field_id, now, tz)
            if ring is None:  # nobody free whom this caller has not rung already
                attempt.rollback()
                passed_over = call
            else:
                if callback is not None:
                    kept_turn.assign(callback, ring.counselor_id, now)
                record_step(call, "dequeued", now, counselor=ring.counselor_id)
                callback_id = callback.id if callback is not None else None
                return call.id, call.call_sid, call.language, ring, callback_id
        # Passed over for having rung everyone free, the waiters behind may still be served;
        # with nobody free, or free counselors it has not rung held by another dispatch (or
        # kept for an earlier caller), none of them can be.
        assert passed_over is not None and field_id is not None
        free = dial_order(session, field_id, now, tz)
        if not free or set(dict(free)) - tried_counselors(session, passed_over):
            nobody_free.add(field_id)
    return None


def hold_round(
    session: Session, call: Call, field_id: int, queue_time: int, now: datetime, tz: ZoneInfo
) -> str | None:
    """Decide a waiting caller's hold round: None to hold on, else the step they leave for.

    A caller leaves when the queue's dispatch (run here too: a shift began, a reservation
    expired, a counselor came free without anyone to offer them) gives them a counselor, when
    they have waited IVR_QUEUE_MAX_WAIT since they first chose the field, or when a coordinator
    closed the field (they hear why, then the offer). Commits before a dispatch and when they
    leave; a round that only holds on is committed by its request.
    """
    if call.queue_left_at is not None and call.ended_at is None:
        # Taken out of the queue for a counselor, yet still holding: the REST redirect that
        # should have moved them did not happen. Leave for the reserved counselor, or go
        # back to the same place in line if the reservation ran out meanwhile.
        if now - call.queue_left_at < REDIRECT_GRACE:
            return None
        if held_for(session, call.call_sid, now) is not None:
            return _leave(session, call, "queue_counselor_free", now)
        call.queue_left_at = None
    if _waited_too_long(queue_time, call.queue_entered_at, now) and take_from_queue(
        session, call.id, now
    ):
        return _leave(session, call, "queue_timeout", now)
    chosen = field_id or call.field_id
    fields = [chosen] if chosen else []
    if not fields:
        return None
    if someone_may_be_free(session, fields[0], now, tz):
        # Let go of this caller's row (locked since the request began) before the dispatch
        # walks the queue from its head: another waiter's hold round walks it too, and each
        # holding its own row while reaching for the other's is a deadlock. A round with
        # nobody to hand out keeps the row to the end of its request: it touches no other.
        session.commit()
        if serve_waiters(session, fields, now, tz, asking=call) is not None:
            return _leave(session, call, "queue_counselor_free", now)
    if everyone_paused(session, fields[0] or 0, now, tz) and take_from_queue(session, call.id, now):
        return _leave(session, call, "queue_all_paused", now)  # nobody will come: the offer
    if closed_now(session, fields[0], now) and take_from_queue(session, call.id, now):
        return _leave(session, call, "queue_closed", now)  # a coordinator closed the field
    return None


def _waited_too_long(queue_time: int, entered_at: datetime | None, now: datetime) -> bool:
    """Whether a waiting caller has waited IVR_QUEUE_MAX_WAIT since they chose the field."""
    waited = queue_time
    if entered_at is not None:
        # Twilio's QueueTime restarts when a caller is put back; the wait that counts is the
        # one since the caller first chose the field.
        waited = max(waited, int((now - entered_at).total_seconds()))
    return waited >= current_app.config["IVR_QUEUE_MAX_WAIT"]


@dataclass(frozen=True)
class QuietRound:
    """What a hold round that only holds the caller on tells them."""

    position: int
    keep_turn: bool


# Built once: the waiting call's place, read by each quiet hold round.
_PLACE = select(
    Call.id,
    Call.field_id,
    Call.queue_entered_at,
    Call.from_number,
    in_queue().label("waiting"),
).where(Call.call_sid == bindparam("call_sid"))


def quiet_round(
    session: Session, call_sid: str, field_id: int, queue_time: int, now: datetime, tz: ZoneInfo
) -> QuietRound | None:
    """Return the hold round of a caller nothing can move this time; None for `hold_round`.

    Most rounds of a busy line only tell the caller their place: the busy board says nobody
    of the field is free, someone on duty is not paused, the field is open, and the caller
    is in line and within the longest wait. Such a round writes nothing, so it reads the
    call's place and the callers ahead in two statements on the autocommit pool, with no
    lock, no transaction and no ping; whatever else could happen is `hold_round`'s, in the
    locked request. Without a live board every round is `hold_round`'s.
    """
    if not field_id or busy_board() is None or someone_may_be_free(session, field_id, now, tz):
        return None
    if everyone_paused(session, field_id, now, tz) or closed_now(session, field_id, now):
        return None
    with reader_engine().connect() as connection:
        place = connection.execute(_PLACE, {"call_sid": call_sid}).first()
        if place is None or not place.waiting:
            return None  # taken out for a counselor (or never queued): the locked round decides
        if _waited_too_long(queue_time, place.queue_entered_at, now):
            return None
        ahead = connection.scalar(
            _AHEAD, _ahead_params(QueuePlace(place.id, place.field_id, place.queue_entered_at), now)
        )
    position = (ahead or 0) + 1 if place.queue_entered_at and place.field_id else 1
    return QuietRound(position, kept_turn.may_keep_turn(place.field_id, place.from_number))


def someone_may_be_free(session: Session, field_id: int, now: datetime, tz: ZoneInfo) -> bool:
    """Whether a hold round's dispatch could find a free counselor of the field.

    Every waiter's round runs the dispatch, as the net under the paths that free a counselor;
    the busy board (PostgreSQL) answers "nobody" without a query, a moment behind the
    database at most, which the next round makes up. Without a live board: True.
    """
    board = busy_board()
    if board is None:
        return True
    ids = rostered_ids(session, field_id, now, tz)
    free = board.free_in_dial_order(ids, now) if ids else []
    return free is None or bool(free)


# How long a REST redirect of a taken caller may take before their hold round acts instead.
REDIRECT_GRACE = timedelta(seconds=telephony.REST_TIMEOUT_SECONDS + 3)


def _leave(session: Session, call: Call, step: str, now: datetime) -> str:
    """Note why the caller leaves the queue and commit it; return the step."""
    call.queue_left_at = call.queue_left_at or now
    record_step(call, step, now)
    session.commit()
    return step


def take_from_queue(session: Session, call_id: int, now: datetime) -> bool:
    """Take a waiting call out of the queue unless another request took it or it ended.

    One conditional UPDATE decides, so a caller leaves the queue once: for a freed counselor's
    redirect, or at a hold round for a free counselor or the maximum wait; a kept turn
    (`ivr.kept_turn`) for its counselor's bridge call, or when its wait runs out.
    """
    taken = session.execute(
        update(Call)
        .where(Call.id == call_id, in_queue())
        .values(queue_left_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], taken).rowcount == 1


def _fields_on_call(session: Session, counselor_id: int, now: datetime, tz: ZoneInfo) -> list[int]:
    """Return the fields the counselor is on call for at this instant (the rosters' rule)."""
    return [
        field.id
        for field in menu_fields(session)
        if counselor_id in rostered_ids(session, field.id, now, tz)
    ]
