"""Short-lived per-process copies of slow-changing data the menu-choice path reads.

The field menu, who is rostered on call this minute and whether today is a closure day change
when a coordinator edits them, not between two calls; reading them once every
IVR_CACHE_SECONDS keeps the menu-choice webhook fast with years of shifts. On PostgreSQL a
roster edit empties the cache at once (the busy board hears of it, see `ivr.busy_board`).
Busy flags and fair order are never cached for a fixed time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from callcenter.models import Field
from schedules.calendar import day_status
from schedules.oncall import on_call_ids

_entries: dict[tuple[Any, ...], tuple[float, Any]] = {}
_generation = 0  # moves on at every clear(), so a load begun before it is not kept
_lock = threading.Lock()  # a clear() between the check and the store would be lost


@dataclass(frozen=True)
class MenuField:
    """A field as the menu needs it, detached from any database session."""

    id: int
    code: str
    digit: str
    name_ko: str
    name_en: str

    def name(self, language: str) -> str:
        """Return the field's name in the given language."""
        return self.name_en if language == "en" else self.name_ko


def _cached(key: tuple[Any, ...], load):
    """Return a cached value younger than IVR_CACHE_SECONDS, else load and keep it."""
    ttl = current_app.config.get("IVR_CACHE_SECONDS", 0)
    now = time.monotonic()
    if ttl > 0:
        hit = _entries.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
    began = _generation
    value = load()
    if ttl > 0:
        with _lock:
            if began == _generation:
                if len(_entries) > 4096:  # old minutes pile up; start afresh now and then
                    _entries.clear()
                _entries[key] = (now, value)
    return value


def menu_fields(session: Session) -> list[MenuField]:
    """Return the active fields in menu order."""

    def load() -> list[MenuField]:
        return [
            MenuField(f.id, f.code, f.digit, f.name_ko, f.name_en)
            for f in session.scalars(Field.menu())
        ]

    return _cached(("fields",), load)


def rostered_ids(session: Session, field_id: int, at: datetime, tz: ZoneInfo) -> tuple[int, ...]:
    """Return who is rostered on call for a field in the minute of `at` (busy or not)."""
    minute = at.astimezone(tz).replace(second=0, microsecond=0)

    def load() -> tuple[int, ...]:
        return tuple(on_call_ids(session, field_id, at, tz))

    return _cached(("oncall", field_id, minute), load)


def closed_day(session: Session, day: date) -> bool:
    """Whether the weekly roster (and the desk) rest on this date."""
    return _cached(("closed", day), lambda: day_status(session, day).closed)


def clear() -> None:
    """Forget everything cached (on PostgreSQL, the busy board calls this on a roster edit)."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def closed_now(session: Session, field_id: int, now: datetime) -> bool:
    """Whether a coordinator has closed the field (or the whole line) at this instant.

    Cached like the rosters (a closure saved empties the cache on PostgreSQL), as every
    waiting caller's hold round asks.
    """
    from schedules.line_closures import active_closure

    def load() -> bool:
        return active_closure(session, field_id, now) is not None

    return _cached(("closed", field_id, now.replace(second=0, microsecond=0)), load)
