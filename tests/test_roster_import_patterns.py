"""Roster CSV: monthly and every-other-week days, in codes and in Korean, with their errors."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from callcenter.models import WeeklyShift
from schedules import patterns
from schedules.occurrences import occurrences
from schedules.roster_import import apply_roster, read_roster
from tests.roster_helpers import SEOUL

HEADER = "name,phone,field,day,start,end,from\n"


@pytest.fixture(autouse=True)
def english(app, db):
    """Read the import's problems in English (Korean is the default, tested apart)."""
    with app.test_request_context(), force_locale("en"):
        yield


def read(db, text: str):  # type: ignore[no-untyped-def]
    return read_roster(db, text.encode("utf-8"))


def imported(db, text: str) -> list[WeeklyShift]:  # type: ignore[no-untyped-def]
    parsed = read(db, text)
    assert parsed.ok, parsed.errors
    apply_roster(db, parsed.rows)
    db.flush()
    return list(db.scalars(select(WeeklyShift).order_by(WeeklyShift.id)))


def test_ordinal_weekdays_import_as_monthly_series(db):
    shifts = imported(
        db,
        HEADER + "김변호,010-1234-5678,legal,2mon,14:00,17:00,\n"
        "김변호,010-1234-5678,legal,4mon,14:00,17:00,\n"
        "박세무,010-2345-6789,tax,lastfri,10:00,12:00,\n",
    )
    assert [(s.weekday, s.month_week) for s in shifts] == [(0, 2), (0, 4), (4, patterns.LAST)]


def test_korean_spellings_import_as_the_same_series(db):
    shifts = imported(
        db,
        "이름,전화번호,분야,요일,시작,종료\n"
        "김변호,010-1234-5678,법률,둘째 월,14:00,17:00\n"
        "박세무,010-2345-6789,세무,마지막 금요일,10:00,12:00\n",
    )
    assert [patterns.pattern_of(s).code for s in shifts] == ["2mon", "lastfri"]


def test_every_other_week_imports_from_its_first_date(db):
    shifts = imported(db, HEADER + "이노무,010-3456-7890,labor,mon/2,09:00,12:00,2027-03-22\n")
    days = [o.day for o in occurrences(db, date(2027, 3, 1), date(2027, 4, 30), SEOUL)]
    assert shifts[0].valid_from == date(2027, 3, 22)
    assert days == [date(2027, 3, 22), date(2027, 4, 5), date(2027, 4, 19)]


def test_importing_the_same_monthly_rows_twice_adds_nothing(db):
    text = HEADER + "김변호,010-1234-5678,legal,2mon,14:00,17:00,\n"
    imported(db, text)
    parsed = read(db, text)
    assert apply_roster(db, parsed.rows).weekly_shifts_created == 0


def test_sixth_monday_is_a_bad_day_named_by_its_line(db):
    parsed = read(db, HEADER + "김변호,010-1234-5678,legal,6mon,14:00,17:00,\n")
    assert len(parsed.errors) == 1
    line, problem = parsed.errors[0]
    assert line == 2
    assert "day '6mon' is neither a weekday" in problem
    assert "lastmon" in problem


def test_every_other_week_without_a_first_date_is_named_by_its_line(db):
    parsed = read(
        db,
        HEADER + "김변호,010-1234-5678,legal,mon,14:00,17:00,\n"
        "이노무,010-3456-7890,labor,mon/2,09:00,12:00,\n",
    )
    assert parsed.errors == [(3, "day 'mon/2' is every other week: give its first date in from")]


def test_first_date_on_another_weekday_is_named_by_its_line(db):
    parsed = read(db, HEADER + "이노무,010-3456-7890,labor,mon/2,09:00,12:00,2027-03-23\n")
    assert parsed.errors == [(2, "from 2027-03-23 is not a Monday, the day of 'mon/2'")]


def test_first_date_on_a_weekly_row_is_named_by_its_line(db):
    parsed = read(db, HEADER + "김변호,010-1234-5678,legal,2mon,14:00,17:00,2027-01-11\n")
    assert parsed.errors[0][0] == 2
    assert "only for every-other-week" in parsed.errors[0][1]
