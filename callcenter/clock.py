"""The app's one clock: every "now" of the back office, the jobs and the voice line.

The wall clock unless the app's `CLOCK` setting names a function returning an aware datetime
(tests freeze time with it, the call walker plays calls at chosen instants). `IVR_CLOCK` is
the setting's older name and still works.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from callcenter.timezone import line_timezone


def now() -> datetime:
    """Return the current instant, timezone-aware."""
    if has_app_context():
        config = current_app.config
        hook = config.get("CLOCK") or config.get("IVR_CLOCK")
        if hook is not None:
            return hook()
    return datetime.now(UTC)


def today(tz: ZoneInfo | None = None) -> date:
    """Return the line's local date now (or the date in another time zone)."""
    return now().astimezone(tz or line_timezone()).date()
