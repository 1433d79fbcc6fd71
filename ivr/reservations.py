"""Who may be rung, and the reservation a ring makes: the line's one busy rule.

A counselor is *engaged* while they talk (a busy flag younger than the busy timeout) or while
a ring reserves them (a reservation not yet expired), and *paused* after rings in a row they
did not answer, until the end of that shift (`ivr.unanswered`); otherwise they are *free*. Putting a
counselor's number in a <Dial> first reserves them for that one call and that one leg, with
one conditional UPDATE that picks the first free counselor in fair order (never connected
first, then the longest since their last connected call). So two overlapping callers never
ring the same person, and a counselor on a call is never rung.

The reservation ends when the leg is taken (it becomes the busy flag, see `claim`), declined,
unanswered or cancelled (`release`), when the call ends (`release_call`), or when it expires:
ring time, whisper time and a margin after it was made, so a lost callback cannot hold a
counselor for longer.

The same UPDATE keeps the queue's first-come order: it does not hand a counselor to a caller
while an earlier caller of the field waits in the queue who has not rung that counselor yet.
On PostgreSQL the candidate row is locked with SKIP LOCKED, so concurrent rings pick
different counselors instead of waiting on each other; SQLite runs one writer at a time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, and_, bindparam, or_, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, TextClause

from callcenter.models import Call, UTCDateTime

# The rule, once for SQL (every statement below) and once for the busy board's copy
# (`is_free`); tests check that the two agree.
FREE_SQL = (
    "(counselors.busy_since IS NULL OR counselors.busy_since <= :stale_before)"
    " AND (counselors.reserved_until IS NULL OR counselors.reserved_until <= :now)"
    " AND (counselors.paused_until IS NULL OR counselors.paused_until <= :now)"
)
FAIR_ORDER_SQL = (
    "counselors.last_connected_at IS NOT NULL, counselors.last_connected_at, counselors.id"
)
# A queue entry still waiting (`calls AS w`): not taken out, and either its caller is on the
# line or they hung up keeping their place for a callback (`ivr.kept_turn`). The same
# condition for the ORM is `in_queue`.
IN_QUEUE_SQL = "w.queue_left_at IS NULL AND (w.ended_at IS NULL OR w.kept_turn_at IS NOT NULL)"
# An earlier caller of the field waiting in the queue who could take this counselor.
_WAITER_AHEAD_SQL = (
    "EXISTS (SELECT 1 FROM calls AS w WHERE w.field_id = :field_id"
    " AND w.queue_entered_at > :queue_fresh AND w.queue_entered_at < :arrived"
    f" AND {IN_QUEUE_SQL} AND w.call_sid <> :call_sid"
    " AND NOT EXISTS (SELECT 1 FROM call_legs AS l"
    " WHERE l.call_id = w.id AND l.counselor_id = counselors.id))"
)
_RESERVE_SQL = (
    "UPDATE counselors SET reserved_call_sid = :call_sid, reserved_position = :position,"
    " reserved_until = :until"
    " WHERE counselors.id = (SELECT counselors.id FROM counselors"
    f" WHERE counselors.id {{ids}} AND {FREE_SQL} AND NOT {_WAITER_AHEAD_SQL}"
    f" ORDER BY {FAIR_ORDER_SQL} LIMIT 1{{lock}})"
    f" AND {FREE_SQL}"
    " RETURNING counselors.id, counselors.phone"
)
_FREE_SQL = (
    f"SELECT counselors.id, counselors.phone FROM counselors WHERE counselors.id {{ids}}"
    f" AND {FREE_SQL} ORDER BY {FAIR_ORDER_SQL}"
)
_INSTANTS = ("now", "stale_before", "until", "queue_fresh", "arrived")


def in_queue() -> ColumnElement[bool]:
    """Return the ORM condition of a queue entry still waiting (`IN_QUEUE_SQL`)."""
    return and_(
        Call.queue_left_at.is_(None), or_(Call.ended_at.is_(None), Call.kept_turn_at.is_not(None))
    )


def busy_timeout() -> timedelta:
    """Return how long a busy flag holds before it is taken to be stale."""
    return timedelta(minutes=current_app.config.get("IVR_BUSY_TIMEOUT_MINUTES", 120))


def reservation_time() -> timedelta:
    """Return how long a ring reserves its counselor: ring, whisper and a margin."""
    config = current_app.config
    seconds = (
        config["IVR_DIAL_TIMEOUT"]
        + config["IVR_WHISPER_TIMEOUT"]
        + config["IVR_RESERVATION_MARGIN"]
    )
    return timedelta(seconds=seconds)


def queue_window() -> timedelta:
    """Return how far back a waiting caller still counts (older ones lost their callbacks)."""
    return timedelta(seconds=current_app.config["IVR_QUEUE_MAX_WAIT"] + 300)


def is_free(
    busy_since: datetime | None,
    reserved_until: datetime | None,
    paused_until: datetime | None,
    now: datetime,
    stale_before: datetime,
) -> bool:
    """Whether a counselor with these flags may be rung (`FREE_SQL`, in Python)."""
    return (
        (busy_since is None or busy_since <= stale_before)
        and (reserved_until is None or reserved_until <= now)
        and not is_paused(paused_until, now)
    )


def is_paused(paused_until: datetime | None, now: datetime) -> bool:
    """Whether the line keeps a counselor off its rings at an instant (the pause of FREE_SQL)."""
    return paused_until is not None and paused_until > now


def ids_sql(dialect: str) -> str:
    """Return how a statement takes a list of counselor ids, as one parameter `ids`."""
    if dialect == "postgresql":
        return "= ANY(:ids)"
    return "IN (SELECT value FROM json_each(:ids))"


def ids_value(dialect: str, ids: Sequence[int]) -> Any:
    """Return the `ids` parameter as the dialect's statement takes it."""
    return list(ids) if dialect == "postgresql" else json.dumps(list(ids))


def reserve_sql(dialect: str) -> str:
    """Return the reservation UPDATE for a dialect, with `:name` parameters."""
    lock = " FOR UPDATE OF counselors SKIP LOCKED" if dialect == "postgresql" else ""
    return _RESERVE_SQL.format(ids=ids_sql(dialect), lock=lock)


def reserve_params(
    dialect: str,
    ids: Sequence[int],
    field_id: int,
    call_sid: str,
    position: int,
    now: datetime,
    arrived: datetime,
) -> dict[str, Any]:
    """Return the parameters of a reservation (instants timezone-aware)."""
    return {
        "ids": ids_value(dialect, ids),
        "field_id": field_id,
        "call_sid": call_sid,
        "position": position,
        "now": now,
        "stale_before": now - busy_timeout(),
        "until": now + reservation_time(),
        "queue_fresh": now - queue_window(),
        "arrived": arrived,
    }


def _typed(sql: str) -> TextClause:
    """Return a text statement whose instants bind as the models store them."""
    statement = text(sql)
    names = [name for name in _INSTANTS if f":{name}" in sql]
    return statement.bindparams(*(bindparam(name, type_=UTCDateTime()) for name in names))


def reserve(
    session: Session,
    ids: Sequence[int],
    field_id: int,
    call_sid: str,
    position: int,
    now: datetime,
    arrived: datetime | None = None,
) -> tuple[int, str] | None:
    """Reserve the first free counselor of `ids` for this ring; return (id, phone) or None.

    `arrived` is when the caller chose the field: waiting callers who came earlier go first.
    Runs in the session's transaction (the caller commits).
    """
    if not ids:
        return None
    dialect = session.get_bind().dialect.name
    params = reserve_params(dialect, ids, field_id, call_sid, position, now, arrived or now)
    row = session.execute(_typed(reserve_sql(dialect)), params).first()
    return None if row is None else (row[0], row[1])


def free_counselors(session: Session, ids: Sequence[int], now: datetime) -> list[tuple[int, str]]:
    """Return (id, phone) of the free counselors among `ids`, in fair order."""
    if not ids:
        return []
    dialect = session.get_bind().dialect.name
    statement = _typed(_FREE_SQL.format(ids=ids_sql(dialect)))
    params = {"ids": ids_value(dialect, ids), "now": now, "stale_before": now - busy_timeout()}
    return [(row[0], row[1]) for row in session.execute(statement, params)]


_CLAIM_SQL = (
    "UPDATE counselors SET busy_since = :now, busy_call_sid = :leg_sid,"
    " reserved_call_sid = NULL, reserved_position = NULL, reserved_until = NULL"
    " WHERE counselors.id = :counselor_id"
    " AND (counselors.busy_since IS NULL OR counselors.busy_since <= :stale_before)"
    " AND (counselors.reserved_until IS NULL OR counselors.reserved_until <= :now"
    " OR (counselors.reserved_call_sid = :call_sid AND counselors.reserved_position = :position))"
)


def claim(
    session: Session,
    counselor_id: int,
    leg_sid: str,
    now: datetime,
    call_sid: str = "",
    position: int = -1,
) -> bool:
    """Mark a counselor busy with this leg unless another call holds or reserves them.

    The ring's own reservation (call and position) turns into the busy flag; a call that
    holds no reservation (the callback bridge) may take a counselor nobody reserved.
    """
    params = {
        "counselor_id": counselor_id,
        "leg_sid": leg_sid,
        "now": now,
        "stale_before": now - busy_timeout(),
        "call_sid": call_sid,
        "position": position,
    }
    return cast(CursorResult[Any], session.execute(_typed(_CLAIM_SQL), params)).rowcount == 1


_RELEASE_SQL = (
    "UPDATE counselors SET reserved_call_sid = NULL, reserved_position = NULL,"
    " reserved_until = NULL WHERE counselors.id = :counselor_id"
    " AND counselors.reserved_call_sid = :call_sid AND counselors.reserved_position = :position"
)


def release(session: Session, counselor_id: int, call_sid: str, position: int) -> bool:
    """End the reservation this ring holds on a counselor, if it still holds it."""
    params = {"counselor_id": counselor_id, "call_sid": call_sid, "position": position}
    return cast(CursorResult[Any], session.execute(text(_RELEASE_SQL), params)).rowcount == 1


_RELEASE_CALL_SQL = (
    "UPDATE counselors SET reserved_call_sid = NULL, reserved_position = NULL,"
    " reserved_until = NULL WHERE counselors.reserved_call_sid = :call_sid"
    " RETURNING counselors.id"
)


def release_call(session: Session, call_sid: str) -> list[int]:
    """End every reservation an ended call holds; return the counselors freed."""
    return list(session.scalars(text(_RELEASE_CALL_SQL), {"call_sid": call_sid}))


_RELEASE_EXPIRED_SQL = (
    "UPDATE counselors SET reserved_call_sid = NULL, reserved_position = NULL,"
    " reserved_until = NULL WHERE counselors.reserved_until <= :now RETURNING counselors.id"
)


def release_expired(session: Session, now: datetime) -> list[int]:
    """End reservations whose time has passed (their leg's callbacks never came)."""
    return list(session.scalars(_typed(_RELEASE_EXPIRED_SQL), {"now": now}))


_HELD_FOR_SQL = (
    "SELECT counselors.id, counselors.phone, counselors.reserved_position FROM counselors"
    " WHERE counselors.reserved_call_sid = :call_sid AND counselors.reserved_until > :now"
    " ORDER BY counselors.reserved_position DESC LIMIT 1"
)


def held_for(session: Session, call_sid: str, now: datetime) -> tuple[int, str, int] | None:
    """Return (id, phone, position) of the counselor reserved for a call, if any."""
    row = session.execute(_typed(_HELD_FOR_SQL), {"call_sid": call_sid, "now": now}).first()
    return None if row is None else (row[0], row[1], row[2])
