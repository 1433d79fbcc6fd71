"""The next free slot of each field, for the public status page, cached like the status."""

from __future__ import annotations

import threading
import time as monotonic
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from callcenter.appointments.slots import menu_fields, next_free_slot

_cache: dict[str, tuple[float, dict[str, datetime]]] = {}
_lock = threading.Lock()


def next_free_slots(session: Session, now: datetime, tz: ZoneInfo) -> dict[str, datetime]:
    """Return when each field's first bookable slot starts, by field code (none: left out)."""
    found: dict[str, datetime] = {}
    for field in menu_fields(session):
        slot = next_free_slot(session, field.id, now, tz)
        if slot is not None:
            found[field.code] = slot.starts_at
    return found


def cached_next_free_slots(session: Session, now: datetime, tz: ZoneInfo) -> dict[str, datetime]:
    """Return `next_free_slots`, rebuilt at most once every STATUS_CACHE_SECONDS."""
    ttl = float(current_app.config.get("STATUS_CACHE_SECONDS") or 0)
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if ttl > 0:
        with _lock:
            hit = _cache.get(key)
        if hit and hit[0] > monotonic.monotonic():
            return hit[1]
    found = next_free_slots(session, now, tz)
    if ttl > 0:
        with _lock:
            _cache[key] = (monotonic.monotonic() + ttl, found)
    return found


def clear_cache() -> None:
    """Forget cached answers (between tests)."""
    with _lock:
        _cache.clear()
