"""Monthly and every-other-week series: one occurrence rule for every consumer, on 2027 dates."""

from __future__ import annotations

from datetime import date, time, timedelta

from schedules import patterns
from schedules.occurrences import occurrences
from schedules.oncall import coverage_gaps, next_session_start, on_call
from tests.roster_helpers import SEOUL, counselor, one_off, seoul, weekly

MON, TUE, FRI = 0, 1, 4


def test_second_tuesday_of_january_2027_is_on_call(db, fields):
    lawyer = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, lawyer, fields["legal"], TUE, "14:00", "17:00", month_week=2)
    assert on_call(db, fields["legal"].id, seoul(date(2027, 1, 12), 15), SEOUL) == [lawyer]


def test_third_tuesday_of_january_2027_is_not_on_call(db, fields):
    lawyer = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, lawyer, fields["legal"], TUE, "14:00", "17:00", month_week=2)
    assert on_call(db, fields["legal"].id, seoul(date(2027, 1, 19), 15), SEOUL) == []


def test_last_friday_is_the_fifth_in_a_month_of_five_fridays(db, fields):
    taxman = counselor(db, "박세무", "+821011110002", fields["tax"])
    weekly(db, taxman, fields["tax"], FRI, "10:00", "12:00", month_week=patterns.LAST)
    at = seoul(date(2027, 1, 22), 11)  # the 4th Friday of five
    assert on_call(db, fields["tax"].id, at, SEOUL) == []
    assert on_call(db, fields["tax"].id, seoul(date(2027, 1, 29), 11), SEOUL) == [taxman]


def test_last_friday_is_the_fourth_in_a_month_of_four_fridays(db, fields):
    taxman = counselor(db, "박세무", "+821011110002", fields["tax"])
    weekly(db, taxman, fields["tax"], FRI, "10:00", "12:00", month_week=patterns.LAST)
    assert on_call(db, fields["tax"].id, seoul(date(2027, 2, 26), 11), SEOUL) == [taxman]


def test_fifth_friday_runs_only_in_months_that_have_one(db, fields):
    taxman = counselor(db, "박세무", "+821011110002", fields["tax"])
    weekly(db, taxman, fields["tax"], FRI, "10:00", "12:00", month_week=5)
    found = occurrences(db, date(2027, 1, 1), date(2027, 3, 31), SEOUL)
    assert [o.day for o in found] == [date(2027, 1, 29)]


def test_monthly_session_on_a_holiday_is_closed(db, fields):
    # 2027-03-01 is the first Monday of March and 삼일절.
    lawyer = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, lawyer, fields["legal"], MON, "14:00", "17:00", month_week=1)
    assert on_call(db, fields["legal"].id, seoul(date(2027, 3, 1), 15), SEOUL) == []
    assert occurrences(db, date(2027, 3, 1), date(2027, 3, 31), SEOUL) == []


def test_one_off_on_a_closure_day_still_counts_beside_a_monthly_series(db, fields):
    lawyer = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, lawyer, fields["legal"], MON, "14:00", "17:00", month_week=1)
    one_off(db, lawyer, fields["legal"], date(2027, 3, 1), "14:00", "17:00")
    assert on_call(db, fields["legal"].id, seoul(date(2027, 3, 1), 15), SEOUL) == [lawyer]


def _every_other_monday(db, fields):  # type: ignore[no-untyped-def]
    labor = counselor(db, "이노무", "+821011110003", fields["labor"])
    first = date(2027, 3, 22)
    weekly(
        db,
        labor,
        fields["labor"],
        MON,
        "09:00",
        "12:00",
        interval_weeks=2,
        week_parity=patterns.week_parity(first),
        valid_from=first,
    )
    return labor


def test_every_other_week_runs_across_a_month_boundary(db, fields):
    labor = _every_other_monday(db, fields)
    field_id = fields["labor"].id
    assert on_call(db, field_id, seoul(date(2027, 3, 22), 10), SEOUL) == [labor]
    assert on_call(db, field_id, seoul(date(2027, 3, 29), 10), SEOUL) == []
    assert on_call(db, field_id, seoul(date(2027, 4, 5), 10), SEOUL) == [labor]
    assert on_call(db, field_id, seoul(date(2027, 4, 12), 10), SEOUL) == []


def test_every_other_week_starts_on_its_first_date(db, fields):
    _every_other_monday(db, fields)
    assert on_call(db, fields["labor"].id, seoul(date(2027, 3, 8), 10), SEOUL) == []


def test_occurrences_and_on_call_agree_for_every_pattern(db, fields):
    legal = fields["legal"]
    people = [counselor(db, f"상담{i}", f"+8210111200{i:02d}", legal) for i in range(4)]
    weekly(db, people[0], legal, TUE, "09:00", "10:00", month_week=2)
    weekly(db, people[1], legal, TUE, "10:00", "11:00", month_week=patterns.LAST)
    weekly(db, people[2], legal, TUE, "11:00", "12:00")
    first = date(2027, 1, 5)
    weekly(
        db,
        people[3],
        legal,
        TUE,
        "12:00",
        "13:00",
        interval_weeks=2,
        week_parity=patterns.week_parity(first),
        valid_from=first,
    )
    start, end = date(2027, 1, 1), date(2027, 6, 30)
    expected = {(o.day, o.counselor.id) for o in occurrences(db, start, end, SEOUL)}
    seen = set()
    day = start
    while day <= end:
        for hour in (9, 10, 11, 12):
            for c in on_call(db, legal.id, seoul(day, hour, 30), SEOUL):
                seen.add((day, c.id))
        day += timedelta(days=1)
    assert seen == expected


def test_next_session_of_a_monthly_field_is_its_next_date(db, fields):
    lawyer = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, lawyer, fields["legal"], MON, "14:00", "17:00", month_week=2)
    weekly(db, lawyer, fields["legal"], MON, "14:00", "17:00", month_week=4)
    after = seoul(date(2027, 1, 12), 9)  # the day after the 2nd Monday (01-11)
    assert next_session_start(db, fields["legal"].id, after, SEOUL) == seoul(date(2027, 1, 25), 14)


def test_no_gap_on_mondays_a_monthly_series_does_not_run(db, fields):
    lawyer = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, lawyer, fields["legal"], MON, "14:00", "17:00", month_week=2)
    assert coverage_gaps(db, fields["legal"].id, date(2027, 1, 1), date(2027, 1, 31), SEOUL) == []


def test_absence_on_a_monthly_date_is_a_gap(db, fields):
    from schedules.shifts import mark_unavailable

    lawyer = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, lawyer, fields["legal"], MON, "14:00", "17:00", month_week=2)
    mark_unavailable(db, lawyer, seoul(date(2027, 1, 11), 0), seoul(date(2027, 1, 12), 0))
    gaps = coverage_gaps(db, fields["legal"].id, date(2027, 1, 1), date(2027, 1, 31), SEOUL)
    assert [(g.day, g.start, g.end) for g in gaps] == [(date(2027, 1, 11), time(14), time(17))]


def test_second_and_fourth_monday_of_the_same_hours_are_two_series(db, fields):
    from schedules.shifts import add_weekly_shift

    lawyer = counselor(db, "김변호", "+821011110001", fields["legal"])
    add_weekly_shift(db, lawyer, fields["legal"], MON, time(14), time(17), month_week=2)
    add_weekly_shift(db, lawyer, fields["legal"], MON, time(14), time(17), month_week=4)
    assert [o.day.day for o in occurrences(db, date(2027, 1, 1), date(2027, 1, 31), SEOUL)] == [
        11,
        25,
    ]


def test_last_monday_clashes_with_the_fourth_monday_of_the_same_hours(db, fields):
    import pytest

    from schedules.shifts import RosterError, add_weekly_shift

    lawyer = counselor(db, "김변호", "+821011110001", fields["legal"])
    add_weekly_shift(db, lawyer, fields["legal"], MON, time(14), time(17), month_week=4)
    with pytest.raises(RosterError, match="이미 정기 근무"):
        add_weekly_shift(
            db, lawyer, fields["legal"], MON, time(15), time(16), month_week=patterns.LAST
        )


def test_every_other_week_needs_its_first_date_on_its_weekday(db, fields):
    import pytest

    from schedules.shifts import RosterError, add_weekly_shift

    labor = counselor(db, "이노무", "+821011110003", fields["labor"])
    with pytest.raises(RosterError, match="첫 근무일"):
        add_weekly_shift(
            db, labor, fields["labor"], MON, time(9), time(12), date(2027, 3, 23), interval_weeks=2
        )


def test_csv_codes_and_words_read_back_as_the_same_pattern():
    for text, code in [
        ("2mon", "2mon"),
        ("둘째 월", "2mon"),
        ("매월 넷째 월요일", "4mon"),
        ("lastfri", "lastfri"),
        ("마지막 금", "lastfri"),
        ("mon/2", "mon/2"),
        ("격주 월", "mon/2"),
        ("tue", "tue"),
    ]:
        pattern = patterns.parse_pattern(text)
        assert pattern is not None and pattern.code == code, text


def test_timetable_wording_names_the_weeks_of_the_month():
    assert patterns.describe(MON, [4, 2], False, "ko") == "매월 둘째·넷째 월요일"
    assert patterns.describe(MON, [], True, "ko") == "격주 월요일"
    assert patterns.describe(FRI, [patterns.LAST], False, "en") == "last Friday of the month"


def test_reminder_comes_the_day_before_a_monthly_date_only(db, fields):
    from schedules.jobs import send_shift_reminders

    lawyer = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, lawyer, fields["legal"], TUE, "14:00", "17:00", month_week=2)
    assert send_shift_reminders(db, seoul(date(2027, 1, 18), 15)) == {"sent": 0}
    assert send_shift_reminders(db, seoul(date(2027, 1, 11), 15)) == {"sent": 1}
