"""Calendar feeds carry series as RRULEs that a calendar library expands to the on-call dates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import icalendar
import recurring_ical_events

from schedules import patterns
from schedules.feeds import build_calendar, issue_feed
from schedules.oncall import on_call
from schedules.shifts import mark_unavailable, skip_occurrence
from tests.roster_helpers import SEOUL, counselor, seoul, weekly

NOW = seoul(date(2027, 1, 3), 9)
START, END = date(2027, 1, 1), date(2027, 6, 30)


def expanded(body: bytes) -> set[tuple[date, time]]:
    """Return the (date, start) of every event a calendar app would show in the range."""
    calendar = icalendar.Calendar.from_ical(body)
    events = recurring_ical_events.of(calendar).between(START, END + timedelta(days=1))
    return {
        (e.decoded("dtstart").date(), e.decoded("dtstart").time())
        for e in events
        if isinstance(e.decoded("dtstart"), datetime)
    }


def on_call_dates(db, who, field, hours: list[int]) -> set[tuple[date, time]]:  # type: ignore[no-untyped-def]
    """Return (date, hour) whenever on-call resolution names the counselor in the range."""
    found = set()
    day = START
    while day <= END:
        for hour in hours:
            if who in on_call(db, field.id, seoul(day, hour, 30), SEOUL):
                found.add((day, time(hour)))
        day += timedelta(days=1)
    return found


def patterned_roster(db, fields):  # type: ignore[no-untyped-def]
    legal = fields["legal"]
    kim = counselor(db, "김변호", "+821011110001", legal)
    weekly(db, kim, legal, 1, "09:00", "10:00", month_week=2)  # 2027-02-09 is a holiday
    weekly(db, kim, legal, 4, "10:00", "11:00", month_week=patterns.LAST)
    first = date(2027, 1, 4)
    every_other = weekly(
        db,
        kim,
        legal,
        0,
        "11:00",
        "12:00",
        interval_weeks=2,
        week_parity=patterns.week_parity(first),
        valid_from=first,
    )
    skip_occurrence(db, every_other, date(2027, 2, 1), SEOUL)
    return kim, legal


def test_monthly_series_is_one_event_with_a_monthly_rrule(db, fields, make_user):
    kim, _ = patterned_roster(db, fields)
    feed, _ = issue_feed(db, make_user("counselor", counselor=kim), NOW, counselor=kim)
    text = build_calendar(db, feed, NOW, SEOUL).decode()
    assert "RRULE:FREQ=MONTHLY;UNTIL=" in text and "BYDAY=2TU" in text
    assert "BYDAY=-1FR" in text
    assert "FREQ=WEEKLY" in text and "INTERVAL=2" in text


def test_rrules_expand_to_the_dates_of_on_call_resolution(db, fields, make_user):
    kim, legal = patterned_roster(db, fields)
    feed, _ = issue_feed(db, make_user("counselor", counselor=kim), NOW, counselor=kim)
    shown = expanded(build_calendar(db, feed, NOW, SEOUL))
    expected = on_call_dates(db, kim, legal, [9, 10, 11])
    assert shown == expected
    assert (date(2027, 1, 12), time(9)) in shown
    assert (date(2027, 2, 9), time(9)) not in shown  # the second Tuesday, and 설날 연휴
    assert (date(2027, 2, 1), time(11)) not in shown  # skipped


def test_an_absence_on_a_series_date_is_shown_marked(db, fields, make_user):
    kim, _ = patterned_roster(db, fields)
    mark_unavailable(db, kim, seoul(date(2027, 1, 12), 0), seoul(date(2027, 1, 13), 0))
    feed, _ = issue_feed(db, make_user("counselor", counselor=kim), NOW, counselor=kim)
    calendar = icalendar.Calendar.from_ical(build_calendar(db, feed, NOW, SEOUL))
    events = recurring_ical_events.of(calendar).at(date(2027, 1, 12))
    assert [str(e["summary"]) for e in events] == ["(부재) 법률 상담"]


def test_second_monday_series_is_rrule_freq_monthly_byday_2mo(db, fields, make_user):
    legal = fields["legal"]
    lee = counselor(db, "이변호", "+821011110002", legal)
    weekly(db, lee, legal, 0, "14:00", "17:00", month_week=2)
    feed, _ = issue_feed(db, make_user("counselor", counselor=lee), NOW, counselor=lee)
    body = build_calendar(db, feed, NOW, SEOUL)
    rules = [
        e.get("rrule").to_ical().decode()
        for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
        if e.get("rrule")
    ]
    assert len(rules) == 1
    assert rules[0].startswith("FREQ=MONTHLY") and "BYDAY=2MO" in rules[0]
    assert (date(2027, 1, 11), time(14)) in expanded(body)  # the second Monday of January
    assert (date(2027, 1, 18), time(14)) not in expanded(body)
