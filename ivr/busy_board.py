"""Each web worker's live copy of who is engaged, kept current by PostgreSQL notifications.

A menu choice of a field whose counselors are all talking or being rung has nobody to
reserve; on PostgreSQL each worker keeps every counselor's busy flag, reservation expiry, last
call and phone in memory, so such a choice queues the caller without a database write. A
trigger (migrations 0601, 0700 and 0820) announces any counselor added, removed or changed on
the `counselor_state` channel when the change commits, with the columns the copy keeps in the
payload; a thread of the worker listens, applies each payload in commit order, and so holds
what the database holds a moment after each commit, without reading the row back. The
same thread hears of roster edits (`roster_changed`) and empties the worker's roster cache
(`ivr.cache`), so a shift added for this afternoon rings at once rather than after
IVR_CACHE_SECONDS.

The copy is only trusted while notifications are known to reach it: it answers nothing (and
the menu choice tries the reservation) until it has loaded every row, after its connection
failed, when no notification (not even the ping it sends itself on a quiet channel) has
arrived for three heartbeats, and for a counselor it does not know yet.

The copy never decides who is rung: the reservation is one conditional UPDATE in the database
(`ivr.reservations`). A copy a moment behind can at most queue a caller, whom the queue's
dispatch then serves.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy.engine import URL

from ivr import cache as roster_cache
from ivr.reservations import busy_timeout, is_free

log = logging.getLogger(__name__)

CHANNEL = "counselor_state"
ROSTER_CHANNEL = "roster_changed"
PING = "ping"  # what a listener sends itself on a quiet channel
APPLICATION_NAME = "callcenter-busy-board"  # how its connections show in pg_stat_activity
# The listener's connection: a dead peer is noticed within about 20 seconds (TCP keepalives,
# and unacknowledged data given up after 15 s), and no query of its own runs for long.
CONNECTION_OPTIONS: dict[str, Any] = {
    "autocommit": True,
    "application_name": APPLICATION_NAME,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 2,
    "tcp_user_timeout": 15000,
    "options": "-c statement_timeout=10000",
}
COLUMNS = "id, phone, busy_since, last_connected_at, reserved_until, paused_until"
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CounselorState:
    """What the board knows of one counselor."""

    id: int
    phone: str
    busy_since: datetime | None
    last_connected_at: datetime | None
    reserved_until: datetime | None
    paused_until: datetime | None

    @classmethod
    def from_row(cls, row: tuple) -> CounselorState:
        """Read a row of COLUMNS (instants stored as naive UTC)."""
        return cls(row[0], row[1], _utc(row[2]), _utc(row[3]), _utc(row[4]), _utc(row[5]))


def conninfo(url: URL) -> str:
    """Return a libpq connection string for a SQLAlchemy PostgreSQL URL."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


class BusyBoard:
    """The counselors' busy flags and last calls, as a listener thread keeps them."""

    def __init__(self, conninfo: str, heartbeat: float = 5.0) -> None:
        self.conninfo = conninfo
        self.heartbeat = heartbeat
        self._states: dict[int, CounselorState] = {}
        self._live = False
        self._heard_at = 0.0  # monotonic time a notification last reached the listener
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start listening, in this process (a forked worker starts its own thread)."""
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if self._pid == os.getpid() and alive:
                return  # listening, or still winding down from stop()
            self._pid, self._live, self._states = os.getpid(), False, {}
            self._stop.clear()
            self._thread = threading.Thread(target=self._listen, name="busy-board", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening; the board answers nothing from now on."""
        self._stop.set()
        self._live = False
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout)
            if not self._thread.is_alive():
                self._thread = None

    @property
    def live(self) -> bool:
        """Whether the copy is loaded and a notification arrived within three heartbeats."""
        return (
            self._live
            and self._pid == os.getpid()
            and time.monotonic() - self._heard_at < 3 * self.heartbeat
        )

    def free_in_dial_order(self, ids: Sequence[int], now: datetime) -> list[tuple[int, str]] | None:
        """Return (id, phone) of the free counselors among `ids` in fair order, as the
        database would say (`ivr.reservations`); None when the board cannot be trusted."""
        if self._pid != os.getpid():
            self.start()
            return None
        if not self.live:
            return None
        states = self._states
        stale_before = now - busy_timeout()
        free = []
        for counselor_id in ids:
            state = states.get(counselor_id)
            if state is None:
                return None  # added a moment ago, or gone: let the database say
            if is_free(
                state.busy_since, state.reserved_until, state.paused_until, now, stale_before
            ):
                free.append(state)
        free.sort(key=_fair_order)
        return [(s.id, s.phone) for s in free]

    def all_paused(self, ids: Sequence[int], now: datetime) -> bool | None:
        """Whether every one of `ids` is paused now; None when the board cannot say."""
        if self._pid != os.getpid() or not self.live:
            return None
        states = [self._states.get(counselor_id) for counselor_id in ids]
        if any(state is None for state in states):
            return None
        return all(s.paused_until is not None and s.paused_until > now for s in states if s)

    def _listen(self) -> None:
        """Keep the copy current until stopped; reconnect after any failure."""
        pause = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, **CONNECTION_OPTIONS) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    connection.execute(f"LISTEN {ROSTER_CHANNEL}")
                    # Listening first: a change committed during the load is announced after.
                    self._load(connection)
                    roster_cache.clear()  # edits made while nobody listened
                    # Trusted once a notification is seen to arrive, this ping first of all.
                    connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, PING))
                    while not self._stop.is_set():
                        # No query may run while notifies() waits; psycopg keeps what
                        # arrives during a query for the next call.
                        notes = list(connection.notifies(timeout=self.heartbeat, stop_after=1))
                        if any(note.channel == ROSTER_CHANNEL for note in notes):
                            roster_cache.clear()
                        # Every one, in commit order: a state may come back (free, rung,
                        # free), and the last announcement of a counselor is their state.
                        for note in notes:
                            if note.channel == CHANNEL and note.payload != PING:
                                self._apply(connection, note.payload)
                        if notes:
                            self._heard_at, self._live, pause = time.monotonic(), True, 0.5
                        else:
                            # A quiet channel: check that notifications still reach us (a
                            # connection pooler in transaction mode, for one, drops them).
                            connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, PING))
            except (psycopg.Error, OSError):
                log.warning("Busy board lost its connection; menu choices ask the database")
            except Exception:  # never leave the worker without its listener
                log.exception("Busy board failed; menu choices ask the database")
            self._live = False
            self._stop.wait(pause)
            pause = min(pause * 2, 30.0)

    def _load(self, connection: psycopg.Connection) -> None:
        rows = connection.execute(f"SELECT {COLUMNS} FROM counselors").fetchall()
        self._states = {row[0]: CounselorState.from_row(row) for row in rows}

    def _apply(self, connection: psycopg.Connection, payload: str) -> None:
        """Take one announcement: the row's columns, its id alone when it is gone, or (from
        the trigger before migration 0820) a bare id whose row is read again."""
        if not payload.startswith("["):
            self._reload(connection, int(payload))
            return
        values = json.loads(payload)
        if len(values) == 1:
            self._states.pop(values[0], None)
        else:
            row = (values[0], values[1], *(_instant(v) for v in values[2:6]))
            self._states[values[0]] = CounselorState.from_row(row)

    def _reload(self, connection: psycopg.Connection, counselor_id: int) -> None:
        row = connection.execute(
            f"SELECT {COLUMNS} FROM counselors WHERE id = %s", (counselor_id,)
        ).fetchone()
        if row is None:
            self._states.pop(counselor_id, None)
        else:
            self._states[counselor_id] = CounselorState.from_row(row)


def _instant(value: str | None) -> datetime | None:
    """Read an instant as PostgreSQL's JSON writes a timestamp (ISO 8601, naive UTC)."""
    return None if value is None else datetime.fromisoformat(value)


def _fair_order(state: CounselorState) -> tuple[bool, datetime, int]:
    """Never connected first, then the longest since the last connected call."""
    last = state.last_connected_at
    return (last is not None, last or NEVER, state.id)
