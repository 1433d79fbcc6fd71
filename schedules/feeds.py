"""Calendar subscriptions (iCal): a counselor's own shifts and a field's whole roster.

Series are recurring events (RRULE) whose exceptions come from the same occurrences as every
other consumer; one-off shifts are single events.

A feed is reached by a secret token in its URL, since calendar apps cannot sign in. Only a
digest of the token is stored; revoking a feed makes its URL answer 404 from then on.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callcenter.models import CalendarFeed, Counselor, Field, User, WeeklyShift
from schedules import patterns
from schedules.calendar import closure_days
from schedules.occurrences import Occurrence, occurrences

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


def _title(occurrence: Occurrence, feed: CalendarFeed, away: bool) -> str:
    """Return an event's summary: the field, the counselor in a field feed, an absence."""
    title = f"{occurrence.field.name_ko} 상담"
    if feed.field_id is not None:
        title += f": {occurrence.counselor.name}"
    return f"(부재) {title}" if away else title


def _event(
    occurrence: Occurrence, feed: CalendarFeed, now: datetime, tz: ZoneInfo, host: str
) -> icalendar.Event:
    """Render one dated shift as an event."""
    event = icalendar.Event()
    event.add("uid", f"{occurrence.key}-c{occurrence.counselor.id}@{host}")
    event.add("dtstamp", now)
    event.add("dtstart", occurrence.starts_at(tz))
    event.add("dtend", occurrence.ends_at(tz))
    event.add("summary", _title(occurrence, feed, occurrence.away))
    event.add("categories", [occurrence.field.code])
    return event


def _series_events(
    session: Session,
    found: list[Occurrence],
    feed: CalendarFeed,
    start: date,
    end: date,
    now: datetime,
    tz: ZoneInfo,
    host: str,
) -> list[icalendar.Event]:
    """Render each series as one recurring event over the feed's range.

    The RRULE says the pattern (FREQ=MONTHLY;BYDAY=2MO, FREQ=WEEKLY;INTERVAL=2) and ends with
    the range; the dates it would give that do not take place (closure days, skipped or
    cancelled occurrences) are EXDATEs, and occurrences during an absence are overridden
    (RECURRENCE-ID) with a `(부재)` title, so a calendar expands exactly the occurrences.
    """
    groups: dict[int, list[Occurrence]] = defaultdict(list)
    for occurrence in found:
        if occurrence.weekly_shift_id is not None:
            groups[occurrence.weekly_shift_id].append(occurrence)
    events = []
    for shift_id, group in groups.items():
        shift = session.get(WeeklyShift, shift_id)
        assert shift is not None
        planned = patterns.dates(shift, start, end)
        held = {o.day: o for o in group}
        first, sample = planned[0], group[0]
        uid = f"w{shift_id}-c{sample.counselor.id}@{host}"
        master = icalendar.Event()
        master.add("uid", uid)
        master.add("dtstamp", now)
        master.add("dtstart", datetime.combine(first, shift.start_time, tz))
        master.add("dtend", datetime.combine(first, shift.end_time, tz))
        last = datetime.combine(planned[-1], shift.start_time, tz).astimezone(UTC)
        master.add("rrule", {**patterns.rrule(patterns.pattern_of(shift)), "UNTIL": last})
        missing = [datetime.combine(d, shift.start_time, tz) for d in planned if d not in held]
        if missing:
            master.add("exdate", missing)
        master.add("summary", _title(sample, feed, away=False))
        master.add("categories", [sample.field.code])
        events.append(master)
        for occurrence in group:
            if occurrence.away:
                override = _event(occurrence, feed, now, tz, host)
                override.pop("uid")
                override.add("uid", uid)
                override.add("recurrence-id", occurrence.starts_at(tz))
                events.append(override)
    return events


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
        if not occurrence.recurring:
            cal.add_component(_event(occurrence, feed, now, tz, host))
    for series in _series_events(session, found, feed, start, end, now, tz, host):
        cal.add_component(series)
    cal.add_missing_timezones()
    feed.last_used_at = now
    return cal.to_ical()
