"""Calendar subscriptions (iCal): a counselor's own shifts and a field's whole roster.

A feed is reached by a secret token in its URL, since calendar apps cannot sign in. Only a
digest of the token is stored; revoking a feed makes its URL answer 404 from then on.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callcenter.models import CalendarFeed, Counselor, Field, User
from schedules.calendar import closure_days
from schedules.occurrences import occurrences

# A personal feed covers about half a year ahead; a field feed, with many more events, a quarter.
PAST_DAYS = 31
FUTURE_DAYS = 190
FIELD_PAST_DAYS = 14
FIELD_FUTURE_DAYS = 92


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feed(
    session: Session,
    owner: User,
    now: datetime,
    *,
    counselor: Counselor | None = None,
    field: Field | None = None,
) -> tuple[CalendarFeed, str]:
    """Create a feed and return it with its token (shown once); older ones of it are revoked."""
    if (counselor is None) == (field is None):
        raise ValueError("a feed is either a counselor's or a field's")
    old = update(CalendarFeed).where(
        CalendarFeed.owner_id == owner.id, CalendarFeed.revoked_at.is_(None)
    )
    if counselor is not None:
        old = old.where(CalendarFeed.counselor_id == counselor.id)
    else:
        assert field is not None  # exactly one of them, checked above
        old = old.where(CalendarFeed.field_id == field.id)
    session.execute(old.values(revoked_at=now))
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        token_digest=_digest(token),
        owner_id=owner.id,
        counselor_id=counselor.id if counselor else None,
        field_id=field.id if field else None,
        created_at=now,
    )
    session.add(feed)
    session.flush()
    return feed, token


def active_feeds(session: Session, owner: User) -> list[CalendarFeed]:
    """Return the owner's feeds that still work."""
    return list(
        session.scalars(
            select(CalendarFeed)
            .where(CalendarFeed.owner_id == owner.id, CalendarFeed.revoked_at.is_(None))
            .order_by(CalendarFeed.created_at)
        )
    )


def find_feed(session: Session, token: str) -> CalendarFeed | None:
    """Return the live feed behind a token, or None for unknown and revoked tokens."""
    if not token or len(token) > 100:
        return None
    return session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_digest == _digest(token), CalendarFeed.revoked_at.is_(None)
        )
    )


def revoke_feed(feed: CalendarFeed, now: datetime) -> None:
    """Make a feed's URL stop working."""
    feed.revoked_at = feed.revoked_at or now


def build_calendar(
    session: Session, feed: CalendarFeed, now: datetime, tz: ZoneInfo, host: str = "callcenter"
) -> bytes:
    """Render a feed as iCalendar text, with local wall-clock times in the line's zone."""
    today = now.astimezone(tz).date()
    if feed.counselor_id is not None:
        start, end = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
    else:
        start = today - timedelta(days=FIELD_PAST_DAYS)
        end = today + timedelta(days=FIELD_FUTURE_DAYS)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Civil counseling line//Rosters//KO")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-timezone", tz.key)
    if feed.counselor_id is not None:
        counselor = session.get(Counselor, feed.counselor_id)
        assert counselor is not None
        cal.add("x-wr-calname", f"{counselor.name} 상담 근무")
        found = occurrences(session, start, end, tz, counselor_id=counselor.id)
    else:
        field = session.get(Field, feed.field_id)
        assert field is not None
        cal.add("x-wr-calname", f"{field.name_ko} 상담 근무표")
        found = occurrences(session, start, end, tz, field_ids=[field.id])
        for day, status in closure_days(session, start, end).items():
            if status.closed:
                event = icalendar.Event()
                event.add("uid", f"closed-{day.isoformat()}@{host}")
                event.add("dtstamp", now)
                event.add("dtstart", day)
                event.add("dtend", day + timedelta(days=1))
                event.add("summary", f"휴무: {status.reason or '휴무일'}")
                event.add("transp", "TRANSPARENT")
                cal.add_component(event)
    for occurrence in found:
        event = icalendar.Event()
        event.add("uid", f"{occurrence.key}-c{occurrence.counselor.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", occurrence.starts_at(tz))
        event.add("dtend", occurrence.ends_at(tz))
        title = f"{occurrence.field.name_ko} 상담"
        if feed.field_id is not None:
            title += f": {occurrence.counselor.name}"
        if occurrence.away:
            title = f"(부재) {title}"
        event.add("summary", title)
        event.add("categories", [occurrence.field.code])
        cal.add_component(event)
    cal.add_missing_timezones()
    feed.last_used_at = now
    return cal.to_ical()
