"""Reading roster form input: dates, times, ids; errors say what to fix."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import abort
from flask_babel import gettext
from sqlalchemy.orm import Session

from callcenter.arguments import FIRST_DAY, LAST_DAY, form_id
from callcenter.models import Counselor, Field


class FormError(ValueError):
    """Input the user must correct."""


def parse_date(text: str | None, label: str) -> date:
    """Read an ISO date (YYYY-MM-DD) within the line's range of dates."""
    try:
        value = date.fromisoformat((text or "").strip())
    except ValueError:
        raise FormError(
            gettext("%(label)s: 날짜를 YYYY-MM-DD 형식으로 입력하세요.", label=label)
        ) from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise FormError(
            gettext(
                "%(label)s: 날짜는 %(first)s부터 %(last)s까지 입력할 수 있습니다.",
                label=label,
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
        )
    return value


def optional_date(text: str | None, label: str) -> date | None:
    """Read an ISO date, or None when left empty."""
    return parse_date(text, label) if (text or "").strip() else None


def parse_time(text: str | None, label: str) -> time:
    """Read an HH:MM time."""
    try:
        value = time.fromisoformat((text or "").strip())
    except ValueError:
        raise FormError(
            gettext("%(label)s: 시각을 HH:MM 형식으로 입력하세요.", label=label)
        ) from None
    return value.replace(second=0, microsecond=0)


def parse_local(day_text: str | None, time_text: str | None, label: str, tz: ZoneInfo) -> datetime:
    """Read a local date and time into an instant."""
    day = parse_date(day_text, label)
    clock = parse_time(time_text or "00:00", label)
    return datetime.combine(day, clock, tz)


def _row(session: Session, model, ident: object):
    """Load a row by an id from a URL or a form; None for junk or ids no row can have."""
    number = ident if isinstance(ident, int) else form_id(ident if isinstance(ident, str) else None)
    return session.get(model, number) if number else None


def get_or_404(session: Session, model, ident):
    """Load a row by id or answer 404."""
    row = _row(session, model, ident)
    if row is None:
        abort(404)
    return row


def pick_counselor(session: Session, ident: str | None) -> Counselor:
    """Read the chosen counselor."""
    counselor = _row(session, Counselor, ident)
    if counselor is None:
        raise FormError(gettext("상담위원을 선택하세요."))
    return counselor


def pick_field(session: Session, ident: str | None) -> Field:
    """Read the chosen field."""
    field = _row(session, Field, ident)
    if field is None:
        raise FormError(gettext("분야를 선택하세요."))
    return field


def local_next(value: str | None, default: str) -> str:
    """Return a same-site path to go back to, refusing anything that leaves the site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
