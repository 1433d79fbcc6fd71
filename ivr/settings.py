"""The voice line's settings, read from the environment once when the app is built."""

from __future__ import annotations

import os
from datetime import time
from typing import Any

from flask.sansio.app import App

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


# name -> (default, parser); every one can be overridden by create_app(**overrides).
SETTINGS: dict[str, tuple[Any, Any]] = {
    "IVR_VOICE_KO": ("Polly.Seoyeon-Neural", str),
    "IVR_VOICE_EN": ("Polly.Joanna-Neural", str),
    "IVR_MENU_TRIES": (3, int),
    "IVR_GATHER_TIMEOUT": (6, int),
    "IVR_DIAL_TIMEOUT": (20, int),
    "IVR_WHISPER_TIMEOUT": (8, int),
    # Seconds a ring's reservation outlasts the ring and whisper time (see ivr.reservations).
    "IVR_RESERVATION_MARGIN": (25, int),
    "IVR_QUEUE_MAX_WAIT": (600, int),
    "IVR_QUEUE_PAUSE": (20, int),
    "IVR_HOLD_MUSIC_URL": ("", str),
    "IVR_SURVEY_ENABLED": (True, _bool),
    "IVR_VOICEMAIL_MAX_SECONDS": (120, int),
    "IVR_BUSY_TIMEOUT_MINUTES": (120, int),
    # Unanswered rings in a row after which a counselor is paused for the shift (0: never).
    "IVR_PAUSE_AFTER_MISSED": (3, int),
    # Longest conversation before the line ends it with a notice (0: IVR_BUSY_TIMEOUT_MINUTES),
    # and how long before that the counselor is warned.
    "IVR_CONVERSATION_LIMIT_MINUTES": (20, int),
    "IVR_CONVERSATION_WARNING_MINUTES": (2, int),
    "ADMIN_DESK_HOURS": ("09:00-18:00", str),
    "ADMIN_DESK_DAYS": ("mon,tue,wed,thu,fri", str),
    "TRUSTED_PROXY_COUNT": (0, int),
    "IVR_CACHE_SECONDS": (30, int),
    "IVR_BUSY_BOARD": (True, _bool),
}


def load_settings(app: App) -> None:
    """Fill in the IVR settings the app was not given explicitly."""
    given = set(app.config)
    for name, (default, parse) in SETTINGS.items():
        if name in app.config:
            continue
        raw = os.environ.get(name)
        app.config[name] = parse(raw) if raw not in (None, "") else default
    if app.testing and "IVR_CACHE_SECONDS" not in given | set(os.environ):
        # Each test builds its own roster; a cached one from the previous test would lie.
        app.config["IVR_CACHE_SECONDS"] = 0
    if app.testing and "IVR_BUSY_BOARD" not in given | set(os.environ):
        # Tests change busy flags and call at once; the board learns of a change a moment
        # after its commit. Its own tests wait for it.
        app.config["IVR_BUSY_BOARD"] = False


def desk_hours(config: Any) -> tuple[time, time]:
    """Return the administrative desk's opening and closing wall-clock times."""
    opens, closes = str(config.get("ADMIN_DESK_HOURS", "09:00-18:00")).split("-")
    return time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip())


def desk_days(config: Any) -> set[int]:
    """Return the weekdays (Monday is 0) the administrative desk is staffed."""
    names = str(config.get("ADMIN_DESK_DAYS", "mon,tue,wed,thu,fri")).lower().split(",")
    return {WEEKDAYS.index(n.strip()) for n in names if n.strip() in WEEKDAYS}
