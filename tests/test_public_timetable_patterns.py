"""The public timetable says when monthly and fortnightly sessions come, in people's words."""

from __future__ import annotations

from datetime import date

import pytest

from callcenter.reporting.status import clear_cache
from schedules import patterns
from tests.roster_helpers import counselor, weekly


@pytest.fixture(autouse=True)
def fresh_status(app, settings):
    """Build the status on every request, so each test sees its own data."""
    settings(STATUS_CACHE_SECONDS=0)
    clear_cache()
    yield
    clear_cache()


def _lawyer_twice_a_month(db, fields):  # type: ignore[no-untyped-def]
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "14:00", "17:00", month_week=2)
    weekly(db, kim, fields["legal"], 0, "14:00", "17:00", month_week=4)
    db.commit()


def test_timetable_says_second_and_fourth_monday(client, clock, db, fields):
    _lawyer_twice_a_month(db, fields)
    page = client.get("/status").get_data(as_text=True)
    assert "매월 둘째·넷째 월요일</span> 14:00–17:00" in page


def test_timetable_says_every_other_week(client, clock, db, fields):
    lee = counselor(db, "이노무", "+821011110003", fields["labor"])
    first = date(2027, 3, 1)
    weekly(
        db,
        lee,
        fields["labor"],
        0,
        "09:00",
        "12:00",
        interval_weeks=2,
        week_parity=patterns.week_parity(first),
        valid_from=first,
    )
    db.commit()
    assert "격주 월요일</span> 09:00–12:00" in client.get("/status").get_data(as_text=True)


def test_json_lists_monthly_hours_apart_from_weekly_ones(client, clock, db, fields):
    _lawyer_twice_a_month(db, fields)
    body = client.get("/status.json").get_json()
    legal = next(f for f in body["fields"] if f["code"] == "legal")
    assert legal["weekly_hours"]["mon"] == []
    assert legal["recurring_hours"] == [
        {
            "day": "mon",
            "hours": ["14:00", "17:00"],
            "weeks_of_month": [2, 4],
            "every_other_week": False,
            "description": {
                "ko": "매월 둘째·넷째 월요일",
                "en": "2nd and 4th Monday of the month",
            },
        }
    ]


def test_english_timetable_says_the_weeks_in_english(client, clock, db, fields):
    _lawyer_twice_a_month(db, fields)
    page = client.get("/status?lang=en").get_data(as_text=True)
    assert "2nd and 4th Monday of the month" in page
