"""Roster rules: weekly series, one-off shifts, single occurrences, absences and closures."""

from datetime import date, time, timedelta

import pytest

from callcenter.models import DayOverride, WeeklyShiftSkip
from schedules.closures import clear_day, set_day
from schedules.occurrences import occurrences
from schedules.oncall import coverage_gaps, on_call
from schedules.shifts import (
    RosterError,
    add_one_off_shift,
    add_weekly_shift,
    change_occurrence,
    end_weekly_shift,
    mark_unavailable,
    restore_occurrence,
    skip_occurrence,
)
from tests.roster_helpers import MONDAY, SEOUL, TUESDAY, counselor, one_off, seoul, weekly


def test_weekly_shift_must_end_after_it_starts(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    with pytest.raises(RosterError, match="늦어야"):
        add_weekly_shift(db, kim, fields["legal"], 0, time(12), time(9))


def test_weekly_shift_needs_a_counselor_of_that_field(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    with pytest.raises(RosterError, match="분야"):
        add_weekly_shift(db, kim, fields["tax"], 0, time(9), time(12))


def test_weekly_shift_refused_for_inactive_counselor(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"], active=False)
    with pytest.raises(RosterError, match="비활성"):
        add_weekly_shift(db, kim, fields["legal"], 0, time(9), time(12))


def test_counselor_cannot_hold_two_overlapping_weekly_shifts(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"], fields["labor"])
    add_weekly_shift(db, kim, fields["legal"], 0, time(9), time(12))
    with pytest.raises(RosterError, match="이미 정기 근무"):
        add_weekly_shift(db, kim, fields["labor"], 0, time(11), time(13))


def test_weekly_shifts_with_disjoint_validity_may_share_hours(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    add_weekly_shift(db, kim, fields["legal"], 0, time(9), time(12), valid_until=date(2027, 2, 28))
    later = add_weekly_shift(
        db, kim, fields["legal"], 0, time(10), time(13), valid_from=date(2027, 3, 1)
    )
    assert later.id is not None


def test_validity_range_must_not_be_reversed(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    with pytest.raises(RosterError, match="적용 종료일"):
        add_weekly_shift(
            db, kim, fields["legal"], 0, time(9), time(12), date(2027, 3, 1), date(2027, 2, 1)
        )


def test_editing_a_series_keeps_its_id_and_changes_every_week(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    shift = add_weekly_shift(db, kim, fields["legal"], 0, time(9), time(12))
    add_weekly_shift(db, kim, fields["legal"], 0, time(13), time(16), replacing=shift)
    found = occurrences(db, MONDAY, MONDAY + timedelta(days=7), SEOUL)
    assert [(o.day, o.start, o.weekly_shift_id) for o in found] == [
        (MONDAY, time(13), shift.id),
        (MONDAY + timedelta(days=7), time(13), shift.id),
    ]


def test_ending_a_series_keeps_the_weeks_before(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    shift = weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    end_weekly_shift(db, shift, MONDAY + timedelta(days=7))
    found = occurrences(db, MONDAY, MONDAY + timedelta(days=21), SEOUL)
    assert [o.day for o in found] == [MONDAY, MONDAY + timedelta(days=7)]


def test_one_off_shift_refused_when_it_overlaps_the_counselors_weekly_shift(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"], fields["tax"])
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    with pytest.raises(RosterError, match="이미 근무"):
        add_one_off_shift(db, kim, fields["tax"], MONDAY, time(11), time(14), SEOUL)


def test_one_off_shift_on_a_holiday_counts(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    samiljeol = date(2027, 3, 1)
    add_one_off_shift(db, kim, fields["legal"], samiljeol, time(9), time(12), SEOUL)
    assert on_call(db, fields["legal"].id, seoul(samiljeol, 10), SEOUL) == [kim]


def test_changing_one_occurrence_leaves_the_rest_of_the_series(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    shift = weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    change_occurrence(db, shift, MONDAY, SEOUL, counselor=lee, start=time(10), end=time(12))
    this_week = occurrences(db, MONDAY, MONDAY, SEOUL)
    next_week = occurrences(db, MONDAY + timedelta(days=7), MONDAY + timedelta(days=7), SEOUL)
    assert [(o.counselor.name, o.start, o.recurring) for o in this_week] == [
        ("이변호", time(10), False)
    ]
    assert [(o.counselor.name, o.start, o.recurring) for o in next_week] == [
        ("김변호", time(9), True)
    ]
    assert db.query(WeeklyShiftSkip).one().date == MONDAY


def test_a_refused_occurrence_change_leaves_the_occurrence_in_place(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    park = counselor(db, "박세무", "+821011110003", fields["tax"])
    shift = weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    with pytest.raises(RosterError):
        change_occurrence(db, shift, MONDAY, SEOUL, counselor=park)
    assert [o.counselor.name for o in occurrences(db, MONDAY, MONDAY, SEOUL)] == ["김변호"]


def test_cannot_change_an_occurrence_on_a_day_the_series_does_not_run(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    shift = weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    with pytest.raises(RosterError, match="없습니다"):
        skip_occurrence(db, shift, TUESDAY, SEOUL)


def test_cancelled_occurrence_can_be_restored(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    shift = weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    skip_occurrence(db, shift, MONDAY, SEOUL)
    assert occurrences(db, MONDAY, MONDAY, SEOUL) == []
    assert restore_occurrence(db, shift, MONDAY) is True
    assert len(occurrences(db, MONDAY, MONDAY, SEOUL)) == 1


def test_marking_oneself_unavailable_opens_a_gap_at_once(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    assert coverage_gaps(db, fields["legal"].id, MONDAY, MONDAY, SEOUL) == []
    mark_unavailable(db, kim, seoul(MONDAY, 0), seoul(TUESDAY, 0))
    gaps = coverage_gaps(db, fields["legal"].id, MONDAY, MONDAY, SEOUL)
    assert [(g.start, g.end, g.whole_day) for g in gaps] == [(time(9), time(12), True)]
    assert occurrences(db, MONDAY, MONDAY, SEOUL)[0].away is True


def test_a_one_off_shift_fills_the_gap(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    mark_unavailable(db, kim, seoul(MONDAY, 0), seoul(TUESDAY, 0))
    add_one_off_shift(db, lee, fields["legal"], MONDAY, time(9), time(12), SEOUL)
    assert coverage_gaps(db, fields["legal"].id, MONDAY, MONDAY, SEOUL) == []


def test_unavailability_must_end_after_it_starts(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    with pytest.raises(RosterError):
        mark_unavailable(db, kim, seoul(MONDAY, 12), seoul(MONDAY, 9))


def test_closing_a_working_day_suspends_weekly_shifts(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    set_day(db, MONDAY, True, "청사 정전 점검", None)
    assert occurrences(db, MONDAY, MONDAY, SEOUL) == []
    assert on_call(db, fields["legal"].id, seoul(MONDAY, 10), SEOUL) == []


def test_opening_a_holiday_runs_weekly_shifts(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    samiljeol = date(2027, 3, 1)  # a Monday
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    assert occurrences(db, samiljeol, samiljeol, SEOUL) == []
    set_day(db, samiljeol, False, "특별 상담일", None)
    assert [o.counselor for o in occurrences(db, samiljeol, samiljeol, SEOUL)] == [kim]


def test_clearing_a_decision_returns_to_the_calendar(db, fields):
    set_day(db, MONDAY, True, "행사", None)
    assert clear_day(db, MONDAY) is True
    assert db.query(DayOverride).count() == 0


def test_inactive_counselors_shifts_are_not_listed(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"], active=False)
    one_off(db, kim, fields["legal"], MONDAY, "09:00", "12:00")
    assert occurrences(db, MONDAY, MONDAY, SEOUL) == []


def test_the_same_weekly_slot_twice_is_refused_with_advice(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    add_weekly_shift(db, kim, fields["legal"], 0, time(9), time(12), valid_until=date(2027, 2, 28))
    with pytest.raises(RosterError, match="적용 기간을 바꾸세요"):
        add_weekly_shift(
            db, kim, fields["legal"], 0, time(9), time(12), valid_from=date(2027, 6, 1)
        )
