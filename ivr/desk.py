"""The administrative desk: open on configured weekdays and hours, except on closure days."""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from callcenter.phones import Use, mask, outgoing_refusal
from ivr.settings import desk_days, desk_hours
from schedules.calendar import holiday_name

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def desk_number_allowed(number: str | None) -> bool:
    """Whether a desk number is set and passes the numbers rule (never abroad or premium)."""
    if not number:
        return False
    if reason := outgoing_refusal(number, Use.CALL):
        log.error("ADMIN_DESK_NUMBER %s is not dialed: %s", mask(number), reason)
        return False
    return True


def desk_is_open(config: Any, now: datetime, tz: ZoneInfo, session: Session | None = None) -> bool:
    """Whether callers can be put through to the desk now.

    Without a session (the fallback route) only the holiday calendar decides closure days;
    with one, coordinators' closed and opened days count too.
    """
    if not desk_number_allowed(config.get("ADMIN_DESK_NUMBER")):
        return False
    local = now.astimezone(tz)
    opens, closes = desk_hours(config)
    if local.weekday() not in desk_days(config):
        return False
    if not opens <= local.time().replace(tzinfo=None) < closes:
        return False
    if session is None:
        return holiday_name(local.date()) is None
    from ivr.cache import closed_day

    return not closed_day(session, local.date())
