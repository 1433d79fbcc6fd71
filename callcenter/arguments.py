"""URL arguments (dates, years, pages, ids): read once, range-checked in one place.

Junk (`?page=abc`) is ignored as if the argument were absent; a value of the right kind but
out of range (`?date=9999-12-31`, `?year=99999`, an id no database column can hold) is refused
with a 400 page that says what to fix, never a 500 from deep inside a date or SQL library.
"""

from __future__ import annotations

from datetime import date

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, NotFound

# The line's dates: wide enough for any roster or report, narrow enough that a week, a month
# or a local day in any time zone around them is still a valid date and instant.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_ID = 2**31 - 1  # the largest integer column PostgreSQL's `integer` holds
MAX_PAGE = 100_000


class ArgumentError(BadRequest):
    """A URL argument out of range; its description says what to fix."""


def checked_date(value: date) -> date:
    """Return a date within the line's range, or refuse it."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ArgumentError(
            _(
                "날짜는 %(first)s부터 %(last)s까지만 볼 수 있습니다.",
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
        )
    return value


def checked_year(value: int) -> int:
    """Return a year within the line's range, or refuse it."""
    if not FIRST_DAY.year <= value <= LAST_DAY.year:
        raise ArgumentError(
            _(
                "연도는 %(first)d부터 %(last)d까지만 볼 수 있습니다.",
                first=FIRST_DAY.year,
                last=LAST_DAY.year,
            )
        )
    return value


def checked_int(value: int, high: int = MAX_ID) -> int:
    """Return a whole number up to `high`, or refuse it."""
    if not 0 <= value <= high:
        raise ArgumentError(_("번호는 %(high)d까지만 쓸 수 있습니다.", high=high))
    return value


def form_id(text: str | None) -> int | None:
    """Read an id chosen in a form; junk or an id no row can have reads as none."""
    value = _whole((text or "").strip())
    return value if value is not None and 1 <= value <= MAX_ID else None


def path_date(text: str) -> date:
    """Read an ISO date from the URL's path; junk is not found, out of range refused."""
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise NotFound() from None
    return checked_date(value)


def _text(name: str) -> str:
    return request.args.get(name, "").strip()


def _whole(text: str) -> int | None:
    """Read ASCII digits; anything else (signs, other scripts' digits, words) is junk."""
    if not (text.isascii() and text.isdigit()):
        return None
    # Longer than any id or year: out of range, without converting a million digits first.
    return int(text) if len(text) <= 12 else MAX_ID + 1


def int_arg(name: str) -> int | None:
    """Read an optional id or number from the query string."""
    value = _whole(_text(name))
    return None if value is None else checked_int(value)


def date_arg(name: str) -> date | None:
    """Read an optional ISO date from the query string."""
    try:
        value = date.fromisoformat(_text(name))
    except ValueError:
        return None
    return checked_date(value)


def year_arg(name: str = "year") -> int | None:
    """Read an optional year from the query string."""
    value = _whole(_text(name))
    return None if value is None else checked_year(value)


def page_arg() -> int:
    """Read the page number, 1 when absent."""
    value = _whole(_text("page"))
    return checked_int(value, MAX_PAGE) if value else 1
