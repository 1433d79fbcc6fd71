"""Closure days: the Korean public holidays and a coordinator's overrides."""

from __future__ import annotations

from datetime import date

from callcenter.models import DayOverride, DayOverrideKind
from schedules.calendar import closure_days, day_status, holiday_name, is_closed


def test_holiday_names_are_korean_by_default():
    assert holiday_name(date(2026, 9, 25)) == "추석"
    assert holiday_name(date(2026, 9, 25), "en") == "Chuseok"


def test_substitute_and_election_days_are_holidays():
    assert holiday_name(date(2027, 2, 9)) is not None  # substitute for Seollal
    assert holiday_name(date(2026, 8, 17)) is not None  # substitute for Liberation Day
    assert holiday_name(date(2026, 6, 3)) is not None  # local elections


def test_an_ordinary_working_day_is_open(db):
    status = day_status(db, date(2026, 11, 25))
    assert (status.closed, status.reason, status.overridden) == (False, None, False)


def test_a_holiday_is_closed_with_its_name_as_reason(db):
    status = day_status(db, date(2026, 9, 24))
    assert (status.closed, status.reason, status.overridden) == (True, "추석 전날", False)


def test_a_coordinator_closure_gives_its_reason(db):
    db.add(DayOverride(date=date(2026, 11, 25), kind=DayOverrideKind.CLOSED, reason="청사 점검"))
    db.flush()
    status = day_status(db, date(2026, 11, 25))
    assert (status.closed, status.reason, status.overridden) == (True, "청사 점검", True)


def test_a_reopened_holiday_is_open_and_keeps_the_holiday_name(db):
    db.add(DayOverride(date=date(2026, 9, 25), kind=DayOverrideKind.OPEN))
    db.flush()
    status = day_status(db, date(2026, 9, 25))
    assert (status.closed, status.reason, status.overridden) == (False, "추석", True)
    assert not is_closed(db, date(2026, 9, 25))


def test_closure_days_covers_every_date_of_the_range(db):
    db.add(DayOverride(date=date(2026, 9, 23), kind=DayOverrideKind.CLOSED))
    db.flush()
    days = closure_days(db, date(2026, 9, 22), date(2026, 9, 28))
    closed = [day.day for day in days.values() if day.closed]
    assert len(days) == 7
    assert closed == [date(2026, 9, 23), date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26)]
