"""Caller stories: the closed line says why (a holiday, a closure day) and when it opens."""

from datetime import date, datetime

import pytest

from schedules.calendar import holiday_name, spoken_holiday
from schedules.closures import set_day
from tests.ivr_support import SEOUL, play


@pytest.mark.parametrize(
    ("day", "calendar_name", "spoken"),
    [
        (date(2027, 2, 6), "설날 전날", "설날 연휴"),
        (date(2027, 2, 7), "설날", "설날 연휴"),
        (date(2027, 2, 8), "설날 다음날", "설날 연휴"),
        (date(2027, 2, 9), "설날 대체 휴일", "설날 대체공휴일"),
        (date(2027, 9, 14), "추석 전날", "추석 연휴"),
        (date(2027, 9, 16), "추석 다음날", "추석 연휴"),
        (date(2027, 10, 11), "한글날 대체 휴일", "한글날 대체공휴일"),
        (date(2026, 6, 3), "지방선거일", "선거일"),
        (date(2028, 4, 12), "국회의원 선거일", "선거일"),
    ],
)
def test_callers_hear_the_holiday_people_plan_around(day, calendar_name, spoken):
    assert holiday_name(day) == calendar_name
    assert spoken_holiday(day) == spoken


def test_english_names_of_holidays_for_callers():
    assert spoken_holiday(date(2027, 9, 15), "en") == "the Chuseok holidays"
    assert spoken_holiday(date(2027, 2, 9), "en") == "the substitute holiday for Seollal"
    assert spoken_holiday(date(2027, 10, 11), "en") == "the substitute holiday for Hangul Day"


def test_caller_on_the_day_before_seollal_hears_the_holiday_and_the_next_session(
    db, walker, on_shift, clock
):
    on_shift("legal", weekday=5)  # Saturdays 14:00-17:00; 2027-02-06 is one, and 설날 전날
    clock.now = datetime(2027, 2, 6, 15, 0, tzinfo=SEOUL)
    heard = play(walker, "1").heard
    assert "오늘은 설날 연휴입니다. 휴무일이라 상담 전화를 쉽니다." in heard
    assert "다음 상담은 2월 13일 토요일 오후 2시에 시작합니다." in heard


def test_caller_on_the_seollal_substitute_holiday_hears_it_named(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = datetime(2027, 2, 9, 14, 30, tzinfo=SEOUL)
    heard = play(walker, "1").heard
    assert "오늘은 설날 대체공휴일입니다." in heard
    assert "다음 상담은 2월 16일 화요일 오후 2시에 시작합니다." in heard
    assert "콜백을 원하시면 1번" in heard


def test_caller_on_chuseok_hears_the_chuseok_holidays(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = datetime(2027, 9, 14, 14, 30, tzinfo=SEOUL)
    heard = play(walker, "1").heard
    assert "오늘은 추석 연휴입니다. 휴무일이라 상담 전화를 쉽니다." in heard
    assert "다음 상담은 9월 21일 화요일 오후 2시에 시작합니다." in heard


def test_english_caller_on_chuseok_hears_the_holiday_in_english(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = datetime(2027, 9, 15, 14, 30, tzinfo=SEOUL)
    heard = play(walker, "9", "1").heard
    assert "The line is closed today for the Chuseok holidays." in heard
    assert "The next session starts on Tuesday, September 21, at 2 PM." in heard


def test_caller_on_hangul_days_substitute_holiday_hears_it(db, walker, on_shift, clock):
    on_shift("labor", weekday=0)
    clock.now = datetime(2027, 10, 11, 15, 0, tzinfo=SEOUL)
    heard = play(walker, "4").heard
    assert "오늘은 한글날 대체공휴일입니다." in heard
    assert "다음 상담은 10월 18일 월요일 오후 2시에 시작합니다." in heard


def test_caller_on_a_day_a_coordinator_closed_hears_their_reason(db, walker, on_shift, clock):
    on_shift("legal")
    set_day(db, date(2027, 3, 9), True, "청사 이전", None)
    db.commit()
    clock.now = datetime(2027, 3, 9, 14, 30, tzinfo=SEOUL)
    heard = play(walker, "1").heard
    assert "오늘은 휴무일이라 상담 전화를 쉽니다. 사유는 청사 이전입니다." in heard


def test_caller_on_a_holiday_opened_by_a_coordinator_hears_no_holiday(db, walker, on_shift, clock):
    on_shift("legal")
    set_day(db, date(2027, 9, 14), False, "근무일로 엶", None)
    db.commit()
    clock.now = datetime(2027, 9, 14, 18, 0, tzinfo=SEOUL)  # after the session that ran
    heard = play(walker, "1").heard
    assert "추석" not in heard
    assert "다음 상담은 9월 21일 화요일 오후 2시에 시작합니다." in heard


def test_caller_outside_hours_on_a_working_day_hears_no_reason(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = datetime(2027, 3, 2, 18, 0, tzinfo=SEOUL)
    heard = play(walker, "1").heard
    assert "휴무일" not in heard
    assert "다음 상담은 3월 9일 화요일 오후 2시에 시작합니다." in heard
