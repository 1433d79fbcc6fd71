"""The call rates, defined once: reports, exports and the wallboard all divide here.

- answer rate: calls answered by a counselor ÷ calls offered;
- abandoned rate: calls the caller hung up in the menu, in the queue or while a counselor's
  phone rang ÷ calls offered;
- service level: calls answered within ANSWER_TARGET_SECONDS of choosing a field ÷ calls
  offered (a caller who gave up waiting counts against it, as the caller lived it).

A call is offered unless its number was blocked (callcenter/reporting/sources.py).
"""

from __future__ import annotations

ANSWER_TARGET_SECONDS = 20


def _percent(part: int, whole: int) -> float | None:
    """Return part ÷ whole in percent; None when there was nothing to divide."""
    return 100.0 * part / whole if whole else None


def answer_rate(answered: int, offered: int) -> float | None:
    """Return the share of offered calls a counselor answered, in percent."""
    return _percent(answered, offered)


def abandoned_rate(abandoned: int, offered: int) -> float | None:
    """Return the share of offered calls the caller hung up on, in percent."""
    return _percent(abandoned, offered)


def service_level(answered_in_target: int, offered: int) -> float | None:
    """Return the share of offered calls answered within the target, in percent."""
    return _percent(answered_in_target, offered)
