"""The line's time zone, from CALLCENTER_TIMEZONE."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def line_timezone() -> ZoneInfo:
    """Return the time zone weekly shifts are written in."""
    return _zone(current_app.config["CALLCENTER_TIMEZONE"])
