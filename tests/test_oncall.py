"""Who is on call, when the next session starts and where the gaps are, on real Korean dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from callcenter.models import (
    Counselor,
    DayOverride,
    DayOverrideKind,
    OneOffShift,
    Unavailability,
    WeeklyShift,
    WeeklyShiftSkip,
)
from schedules.oncall import (
    Gap,
    coverage_gaps,
    free_on_call,
    next_session_start,
    on_call,
    on_call_ids,
    on_call_statement,
)

SEOUL = ZoneInfo("Asia/Seoul")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
_phones = count(1)


def kst(year: int, month: int, day: int, hour: int = 0, minute: int = 0, **kw: int) -> datetime:
    """Return an instant given as Seoul wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL, **kw)


def hm(text: str) -> time:
    return time.fromisoformat(text)


def add_counselor(db, name: str = "김민준", **values) -> Counselor:  # type: ignore[no-untyped-def]
    counselor = Counselor(
        name=name,
        phone=values.pop("phone", f"+82102000{next(_phones):04d}"),
        active=values.pop("active", True),
        auto_answer=False,
        **values,
    )
    db.add(counselor)
    db.flush()
    return counselor


def add_weekly(db, counselor, field, weekday, start, end, **values) -> WeeklyShift:  # type: ignore[no-untyped-def]
    shift = WeeklyShift(
        counselor_id=counselor.id,
        field_id=field.id,
        weekday=weekday,
        start_time=hm(start),
        end_time=hm(end),
        **values,
    )
    db.add(shift)
    db.flush()
    return shift


def every_weekday(db, counselor, field, start: str = "10:00", end: str = "17:00") -> None:  # type: ignore[no-untyped-def]
    for weekday in range(7):
        add_weekly(db, counselor, field, weekday, start, end)


def add_one_off(db, counselor, field, day: date, start: str, end: str) -> OneOffShift:  # type: ignore[no-untyped-def]
    shift = OneOffShift(
        counselor_id=counselor.id,
        field_id=field.id,
        date=day,
        start_time=hm(start),
        end_time=hm(end),
    )
    db.add(shift)
    db.flush()
    return shift


def add_away(db, counselor, starts_at: datetime, ends_at: datetime) -> None:  # type: ignore[no-untyped-def]
    db.add(Unavailability(counselor_id=counselor.id, starts_at=starts_at, ends_at=ends_at))
    db.flush()


def add_override(db, day: date, kind: DayOverrideKind, reason: str | None = None) -> None:  # type: ignore[no-untyped-def]
    db.add(DayOverride(date=day, kind=kind, reason=reason))
    db.flush()


def names(db, field, at: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.name for c in on_call(db, field.id, at, SEOUL)]


@pytest.fixture
def legal(fields):  # type: ignore[no-untyped-def]
    return fields["legal"]


# --- shifts and their boundaries -----------------------------------------------------------


def test_counselor_is_on_call_during_a_weekly_shift(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    assert names(db, legal, kst(2026, 11, 25, 11)) == ["김민준"]


def test_nobody_is_on_call_outside_the_shift(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    assert names(db, legal, kst(2026, 11, 25, 9, 59)) == []
    assert names(db, legal, kst(2026, 11, 25, 14)) == []


def test_shift_of_another_weekday_does_not_count(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, THU, "10:00", "12:00")
    assert names(db, legal, kst(2026, 11, 25, 11)) == []


def test_shift_for_another_field_does_not_count(db, fields, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, fields["tax"], WED, "10:00", "12:00")
    assert names(db, legal, kst(2026, 11, 25, 11)) == []


def test_shift_start_is_inclusive(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    assert names(db, legal, kst(2026, 11, 25, 10, 0)) == ["김민준"]


def test_shift_end_is_exclusive(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    assert names(db, legal, kst(2026, 11, 25, 11, 59, second=59, microsecond=999999)) == ["김민준"]
    assert names(db, legal, kst(2026, 11, 25, 12, 0)) == []


def test_overlapping_shifts_of_two_counselors_put_both_on_call(db, legal):
    kim = add_counselor(db, "김민준")
    lee = add_counselor(db, "이서연")
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_weekly(db, lee, legal, WED, "11:00", "13:00")
    assert names(db, legal, kst(2026, 11, 25, 10, 30)) == ["김민준"]
    assert sorted(names(db, legal, kst(2026, 11, 25, 11, 30))) == ["김민준", "이서연"]
    assert names(db, legal, kst(2026, 11, 25, 12, 30)) == ["이서연"]


def test_counselor_with_a_weekly_and_a_one_off_shift_is_listed_once(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_one_off(db, kim, legal, date(2026, 11, 25), "11:00", "13:00")
    assert names(db, legal, kst(2026, 11, 25, 11, 30)) == ["김민준"]


def test_one_off_shift_on_a_working_day_counts(db, legal):
    kim = add_counselor(db)
    add_one_off(db, kim, legal, date(2026, 11, 26), "14:00", "16:00")
    assert names(db, legal, kst(2026, 11, 26, 15)) == ["김민준"]
    assert names(db, legal, kst(2026, 12, 3, 15)) == []


def test_one_off_shift_start_is_inclusive(db, legal):
    kim = add_counselor(db)
    add_one_off(db, kim, legal, date(2026, 11, 26), "14:00", "16:00")
    assert names(db, legal, kst(2026, 11, 26, 14, 0)) == ["김민준"]
    assert names(db, legal, kst(2026, 11, 26, 13, 59, second=59, microsecond=999999)) == []


def test_one_off_shift_end_is_exclusive(db, legal):
    kim = add_counselor(db)
    add_one_off(db, kim, legal, date(2026, 11, 26), "14:00", "16:00")
    assert names(db, legal, kst(2026, 11, 26, 15, 59, second=59, microsecond=999999)) == ["김민준"]
    assert names(db, legal, kst(2026, 11, 26, 16, 0)) == []


# --- validity ranges and skipped occurrences ---------------------------------------------


def test_weekly_shift_counts_on_its_valid_from_date(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00", valid_from=date(2026, 11, 25))
    assert names(db, legal, kst(2026, 11, 25, 11)) == ["김민준"]


def test_weekly_shift_does_not_count_before_valid_from(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00", valid_from=date(2026, 11, 26))
    assert names(db, legal, kst(2026, 11, 25, 11)) == []


def test_weekly_shift_counts_on_its_valid_until_date(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00", valid_until=date(2026, 11, 25))
    assert names(db, legal, kst(2026, 11, 25, 11)) == ["김민준"]


def test_weekly_shift_does_not_count_after_valid_until(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00", valid_until=date(2026, 11, 24))
    assert names(db, legal, kst(2026, 11, 25, 11)) == []


def test_skipped_occurrence_of_a_weekly_shift_does_not_count(db, legal):
    kim = add_counselor(db)
    shift = add_weekly(db, kim, legal, WED, "10:00", "12:00")
    db.add(WeeklyShiftSkip(weekly_shift_id=shift.id, date=date(2026, 11, 25), reason="출장"))
    db.flush()
    assert names(db, legal, kst(2026, 11, 25, 11)) == []


def test_skip_leaves_the_other_occurrences_alone(db, legal):
    kim = add_counselor(db)
    shift = add_weekly(db, kim, legal, WED, "10:00", "12:00")
    db.add(WeeklyShiftSkip(weekly_shift_id=shift.id, date=date(2026, 11, 25)))
    db.flush()
    assert names(db, legal, kst(2026, 12, 2, 11)) == ["김민준"]


def test_inactive_counselor_is_never_on_call(db, legal):
    kim = add_counselor(db, active=False)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_one_off(db, kim, legal, date(2026, 11, 25), "12:00", "13:00")
    assert names(db, legal, kst(2026, 11, 25, 11)) == []
    assert names(db, legal, kst(2026, 11, 25, 12, 30)) == []


# --- the Korean calendar -----------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8), date(2027, 2, 9)],
    ids=["eve", "seollal", "day-after", "substitute"],
)
def test_seollal_block_suspends_weekly_shifts(db, legal, day):
    kim = add_counselor(db)
    every_weekday(db, kim, legal)
    assert names(db, legal, datetime.combine(day, hm("11:00"), SEOUL)) == []


def test_weekly_shifts_resume_the_day_after_the_seollal_substitute_holiday(db, legal):
    kim = add_counselor(db)
    every_weekday(db, kim, legal)
    assert names(db, legal, kst(2027, 2, 10, 11)) == ["김민준"]


@pytest.mark.parametrize("day", [date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26)])
def test_chuseok_block_suspends_weekly_shifts(db, legal, day):
    kim = add_counselor(db)
    every_weekday(db, kim, legal)
    assert names(db, legal, datetime.combine(day, hm("11:00"), SEOUL)) == []


def test_weekly_shifts_run_on_the_day_before_the_chuseok_block(db, legal):
    kim = add_counselor(db)
    every_weekday(db, kim, legal)
    assert names(db, legal, kst(2026, 9, 23, 11)) == ["김민준"]


def test_substitute_holiday_for_liberation_day_suspends_weekly_shifts(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, MON, "10:00", "12:00")
    assert names(db, legal, kst(2026, 8, 17, 11)) == []
    assert names(db, legal, kst(2026, 8, 24, 11)) == ["김민준"]


def test_local_election_day_suspends_weekly_shifts(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    assert names(db, legal, kst(2026, 6, 3, 11)) == []
    assert names(db, legal, kst(2026, 6, 10, 11)) == ["김민준"]


def test_coordinator_closure_suspends_a_working_day(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_override(db, date(2026, 11, 25), DayOverrideKind.CLOSED, "청사 전기 점검")
    assert names(db, legal, kst(2026, 11, 25, 11)) == []
    assert names(db, legal, kst(2026, 12, 2, 11)) == ["김민준"]


def test_reopened_holiday_runs_its_weekly_shifts(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, FRI, "10:00", "12:00")
    add_override(db, date(2026, 9, 25), DayOverrideKind.OPEN, "추석 특별 상담")
    assert names(db, legal, kst(2026, 9, 25, 11)) == ["김민준"]


def test_opening_a_working_day_changes_nothing(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_override(db, date(2026, 11, 25), DayOverrideKind.OPEN)
    assert names(db, legal, kst(2026, 11, 25, 11)) == ["김민준"]


def test_one_off_shift_on_a_holiday_counts(db, legal):
    kim = add_counselor(db, "김민준")
    lee = add_counselor(db, "이서연")
    add_weekly(db, kim, legal, FRI, "10:00", "12:00")
    add_one_off(db, lee, legal, date(2026, 9, 25), "10:00", "12:00")
    assert names(db, legal, kst(2026, 9, 25, 11)) == ["이서연"]


def test_one_off_shift_on_a_coordinator_closure_counts(db, legal):
    kim = add_counselor(db)
    add_override(db, date(2026, 11, 25), DayOverrideKind.CLOSED)
    add_one_off(db, kim, legal, date(2026, 11, 25), "10:00", "12:00")
    assert names(db, legal, kst(2026, 11, 25, 11)) == ["김민준"]


# --- unavailability ----------------------------------------------------------------------


def test_unavailability_covering_the_instant_takes_the_counselor_off_call(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "17:00")
    add_away(db, kim, kst(2026, 11, 25, 12), kst(2026, 11, 25, 14))
    assert names(db, legal, kst(2026, 11, 25, 13)) == []


def test_unavailability_starts_inclusive(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "17:00")
    add_away(db, kim, kst(2026, 11, 25, 12), kst(2026, 11, 25, 14))
    assert names(db, legal, kst(2026, 11, 25, 11, 59, second=59)) == ["김민준"]
    assert names(db, legal, kst(2026, 11, 25, 12)) == []


def test_unavailability_ends_exclusive(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "17:00")
    add_away(db, kim, kst(2026, 11, 25, 12), kst(2026, 11, 25, 14))
    assert names(db, legal, kst(2026, 11, 25, 13, 59, second=59)) == []
    assert names(db, legal, kst(2026, 11, 25, 14)) == ["김민준"]


def test_unavailability_before_the_shift_changes_nothing(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_away(db, kim, kst(2026, 11, 25, 8), kst(2026, 11, 25, 10))
    assert names(db, legal, kst(2026, 11, 25, 10)) == ["김민준"]


def test_unavailability_after_the_shift_changes_nothing(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_away(db, kim, kst(2026, 11, 25, 12), kst(2026, 11, 25, 18))
    assert names(db, legal, kst(2026, 11, 25, 11, 59)) == ["김민준"]


def test_unavailability_over_several_days_covers_every_shift_in_it(db, legal):
    kim = add_counselor(db)
    every_weekday(db, kim, legal)
    add_away(db, kim, kst(2026, 11, 23), kst(2026, 11, 28))
    assert names(db, legal, kst(2026, 11, 23, 11)) == []
    assert names(db, legal, kst(2026, 11, 27, 16)) == []
    assert names(db, legal, kst(2026, 11, 28, 11)) == ["김민준"]


def test_unavailability_of_one_counselor_leaves_the_other_on_call(db, legal):
    kim = add_counselor(db, "김민준")
    lee = add_counselor(db, "이서연")
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_weekly(db, lee, legal, WED, "10:00", "12:00")
    add_away(db, kim, kst(2026, 11, 25, 9), kst(2026, 11, 25, 13))
    assert names(db, legal, kst(2026, 11, 25, 11)) == ["이서연"]


def test_unavailability_takes_a_counselor_off_a_one_off_shift_too(db, legal):
    kim = add_counselor(db)
    add_one_off(db, kim, legal, date(2026, 9, 25), "10:00", "12:00")
    add_away(db, kim, kst(2026, 9, 25, 0), kst(2026, 9, 26, 0))
    assert names(db, legal, kst(2026, 9, 25, 11)) == []


# --- fair dial order and busy counselors ----------------------------------------------------


def test_counselor_whose_last_connected_call_is_oldest_is_dialed_first(db, legal):
    recent = add_counselor(db, "최근", last_connected_at=kst(2026, 11, 25, 9))
    oldest = add_counselor(db, "오래전", last_connected_at=kst(2026, 11, 20, 9))
    middle = add_counselor(db, "중간", last_connected_at=kst(2026, 11, 24, 9))
    for c in (recent, oldest, middle):
        add_weekly(db, c, legal, WED, "10:00", "12:00")
    assert names(db, legal, kst(2026, 11, 25, 11)) == ["오래전", "중간", "최근"]


def test_counselor_never_connected_is_dialed_first(db, legal):
    veteran = add_counselor(db, "경력", last_connected_at=kst(2020, 1, 1, 9))
    newcomer = add_counselor(db, "신입", last_connected_at=None)
    for c in (veteran, newcomer):
        add_weekly(db, c, legal, WED, "10:00", "12:00")
    assert names(db, legal, kst(2026, 11, 25, 11)) == ["신입", "경력"]


def test_free_on_call_leaves_out_a_counselor_on_a_live_call(db, legal):
    busy = add_counselor(db, "통화중", busy_since=kst(2026, 11, 25, 10, 50))
    idle = add_counselor(db, "대기")
    for c in (busy, idle):
        add_weekly(db, c, legal, WED, "10:00", "12:00")
    at = kst(2026, 11, 25, 11)
    assert [c.name for c in free_on_call(db, legal.id, at, SEOUL)] == ["대기"]
    assert sorted(names(db, legal, at)) == ["대기", "통화중"]


def test_free_on_call_leaves_out_a_counselor_being_rung_until_the_ring_runs_out(db, legal):
    ringing = add_counselor(
        db,
        "호출중",
        reserved_call_sid="CAringing",
        reserved_until=kst(2026, 11, 25, 11, 0, second=40),
    )
    add_weekly(db, ringing, legal, WED, "10:00", "12:00")
    assert free_on_call(db, legal.id, kst(2026, 11, 25, 11), SEOUL) == []
    assert free_on_call(db, legal.id, kst(2026, 11, 25, 11, 1), SEOUL) == [ringing]


def test_free_on_call_includes_a_counselor_whose_busy_flag_is_stale(db, legal):
    stale = add_counselor(db, "오래된표시", busy_since=kst(2026, 11, 25, 7))
    add_weekly(db, stale, legal, WED, "10:00", "12:00")
    at = kst(2026, 11, 25, 11)
    assert [c.name for c in free_on_call(db, legal.id, at, SEOUL)] == ["오래된표시"]


def test_free_on_call_honours_a_shorter_busy_timeout(db, legal):
    busy = add_counselor(db, "통화중", busy_since=kst(2026, 11, 25, 10, 30))
    add_weekly(db, busy, legal, WED, "10:00", "12:00")
    at = kst(2026, 11, 25, 11)
    assert free_on_call(db, legal.id, at, SEOUL) == []
    assert free_on_call(db, legal.id, at, SEOUL, busy_timeout=timedelta(minutes=20)) == [busy]


def test_free_on_call_keeps_the_fair_order(db, legal):
    second = add_counselor(db, "둘째", last_connected_at=kst(2026, 11, 24, 9))
    first = add_counselor(db, "첫째", last_connected_at=kst(2026, 11, 23, 9))
    for c in (second, first):
        add_weekly(db, c, legal, WED, "10:00", "12:00")
    at = kst(2026, 11, 25, 11)
    assert [c.name for c in free_on_call(db, legal.id, at, SEOUL)] == ["첫째", "둘째"]


# --- instants and time zones -------------------------------------------------------------


def test_instant_in_utc_is_read_as_seoul_wall_clock(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    assert names(db, legal, datetime(2026, 11, 25, 1, 0, tzinfo=UTC)) == ["김민준"]
    assert names(db, legal, datetime(2026, 11, 25, 3, 0, tzinfo=UTC)) == []


def test_instant_with_another_offset_is_read_as_seoul_wall_clock(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    new_york = timezone(timedelta(hours=-5))
    # Tuesday 21:30 at UTC-5 is Wednesday 11:30 in Seoul.
    assert names(db, legal, datetime(2026, 11, 24, 21, 30, tzinfo=new_york)) == ["김민준"]


def test_weekday_and_holiday_are_taken_from_the_local_date(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "08:00", "09:00")
    # Tuesday 23:30 UTC is Wednesday 08:30 in Seoul; on 2026-06-03 that is the election day.
    assert names(db, legal, datetime(2026, 6, 9, 23, 30, tzinfo=UTC)) == ["김민준"]
    assert names(db, legal, datetime(2026, 6, 2, 23, 30, tzinfo=UTC)) == []


@pytest.mark.parametrize("lookup", [on_call, free_on_call, next_session_start])
def test_naive_datetime_is_refused(db, legal, lookup):
    with pytest.raises(ValueError, match="timezone-aware"):
        lookup(db, legal.id, datetime(2026, 11, 25, 11), SEOUL)


# --- next session --------------------------------------------------------------------------


def test_next_session_later_today(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "14:00", "17:00")
    assert next_session_start(db, legal.id, kst(2026, 11, 25, 9), SEOUL) == kst(2026, 11, 25, 14)


def test_next_session_on_a_later_weekday(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, MON, "10:00", "12:00")
    assert next_session_start(db, legal.id, kst(2026, 11, 25, 13), SEOUL) == kst(2026, 11, 30, 10)


def test_next_session_when_todays_session_has_ended(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    assert next_session_start(db, legal.id, kst(2026, 11, 25, 12), SEOUL) == kst(2026, 12, 2, 10)


def test_next_session_skips_the_chuseok_block(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, THU, "10:00", "12:00")
    add_weekly(db, kim, legal, FRI, "10:00", "12:00")
    assert next_session_start(db, legal.id, kst(2026, 9, 23, 18), SEOUL) == kst(2026, 10, 1, 10)


def test_next_session_skips_the_seollal_block_and_its_substitute_day(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, MON, "10:00", "12:00")
    add_weekly(db, kim, legal, TUE, "10:00", "12:00")
    assert next_session_start(db, legal.id, kst(2027, 2, 5, 18), SEOUL) == kst(2027, 2, 15, 10)


def test_next_session_is_a_one_off_shift_on_a_holiday(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, THU, "10:00", "12:00")
    add_one_off(db, kim, legal, date(2026, 9, 25), "14:00", "16:00")
    assert next_session_start(db, legal.id, kst(2026, 9, 23, 18), SEOUL) == kst(2026, 9, 25, 14)


def test_unavailability_pushes_the_next_session_start(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_away(db, kim, kst(2026, 11, 25, 9), kst(2026, 11, 25, 10, 30))
    expected = kst(2026, 11, 25, 10, 30)
    assert next_session_start(db, legal.id, kst(2026, 11, 25, 8), SEOUL) == expected


def test_unavailability_over_a_whole_session_moves_to_the_next_one(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_away(db, kim, kst(2026, 11, 25), kst(2026, 11, 26))
    assert next_session_start(db, legal.id, kst(2026, 11, 25, 8), SEOUL) == kst(2026, 12, 2, 10)


def test_next_session_is_now_when_a_session_is_running(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    now = kst(2026, 11, 25, 11, 15)
    assert next_session_start(db, legal.id, now, SEOUL) == now


def test_next_session_is_given_in_the_zone_of_the_instant_asked_about(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "14:00", "17:00")
    start = next_session_start(db, legal.id, datetime(2026, 11, 25, 0, 0, tzinfo=UTC), SEOUL)
    assert start == kst(2026, 11, 25, 14)
    assert start.utcoffset() == timedelta(0)


def test_no_next_session_within_the_horizon(db, legal):
    kim = add_counselor(db)
    add_one_off(db, kim, legal, date(2027, 6, 1), "10:00", "12:00")
    assert next_session_start(db, legal.id, kst(2026, 11, 25, 9), SEOUL, horizon_days=30) is None


def test_no_next_session_for_a_field_without_shifts(db, legal):
    assert next_session_start(db, legal.id, kst(2026, 11, 25, 9), SEOUL) is None


# --- coverage gaps --------------------------------------------------------------------------


def test_whole_day_gap_when_the_only_counselor_is_away(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_away(db, kim, kst(2026, 11, 25), kst(2026, 11, 26))
    gaps = coverage_gaps(db, legal.id, date(2026, 11, 23), date(2026, 11, 29), SEOUL)
    assert gaps == [Gap(date(2026, 11, 25), hm("10:00"), hm("12:00"), whole_day=True)]


def test_partial_gap_when_a_counselor_leaves_early(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_away(db, kim, kst(2026, 11, 25, 11), kst(2026, 11, 25, 18))
    gaps = coverage_gaps(db, legal.id, date(2026, 11, 25), date(2026, 11, 25), SEOUL)
    assert gaps == [Gap(date(2026, 11, 25), hm("11:00"), hm("12:00"), whole_day=False)]


def test_no_gap_when_another_counselor_covers_the_absence(db, legal):
    kim = add_counselor(db, "김민준")
    lee = add_counselor(db, "이서연")
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_one_off(db, lee, legal, date(2026, 11, 25), "10:00", "12:00")
    add_away(db, kim, kst(2026, 11, 25), kst(2026, 11, 26))
    assert coverage_gaps(db, legal.id, date(2026, 11, 25), date(2026, 11, 25), SEOUL) == []


def test_no_gap_on_a_holiday(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, FRI, "10:00", "12:00")
    add_away(db, kim, kst(2026, 9, 1), kst(2026, 10, 1))
    gaps = coverage_gaps(db, legal.id, date(2026, 9, 24), date(2026, 9, 26), SEOUL)
    assert gaps == []


def test_reopened_holiday_shows_its_gap(db, legal):
    kim = add_counselor(db)
    add_weekly(db, kim, legal, FRI, "10:00", "12:00")
    add_away(db, kim, kst(2026, 9, 1), kst(2026, 10, 1))
    add_override(db, date(2026, 9, 25), DayOverrideKind.OPEN)
    gaps = coverage_gaps(db, legal.id, date(2026, 9, 24), date(2026, 9, 26), SEOUL)
    assert gaps == [Gap(date(2026, 9, 25), hm("10:00"), hm("12:00"), whole_day=True)]


def test_skipped_occurrence_shows_as_a_gap(db, legal):
    kim = add_counselor(db)
    shift = add_weekly(db, kim, legal, WED, "10:00", "12:00")
    db.add(WeeklyShiftSkip(weekly_shift_id=shift.id, date=date(2026, 11, 25)))
    db.flush()
    gaps = coverage_gaps(db, legal.id, date(2026, 11, 25), date(2026, 12, 2), SEOUL)
    assert gaps == [Gap(date(2026, 11, 25), hm("10:00"), hm("12:00"), whole_day=True)]


def test_one_off_shift_outside_normal_hours_does_not_hide_a_whole_day_gap(db, legal):
    kim = add_counselor(db, "김민준")
    lee = add_counselor(db, "이서연")
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    add_away(db, kim, kst(2026, 11, 25), kst(2026, 11, 26))
    add_one_off(db, lee, legal, date(2026, 11, 25), "14:00", "16:00")
    gaps = coverage_gaps(db, legal.id, date(2026, 11, 25), date(2026, 11, 25), SEOUL)
    assert gaps == [Gap(date(2026, 11, 25), hm("10:00"), hm("12:00"), whole_day=True)]


def test_no_gap_over_a_fortnight_of_full_coverage(db, legal):
    kim = add_counselor(db)
    every_weekday(db, kim, legal)
    assert coverage_gaps(db, legal.id, date(2026, 11, 16), date(2026, 11, 29), SEOUL) == []


def test_on_call_statement_selects_the_dial_order_for_other_queries(db, legal):
    first = add_counselor(db, "첫째", last_connected_at=kst(2026, 11, 1))
    second = add_counselor(db, "둘째", last_connected_at=kst(2026, 11, 2))
    for c in (second, first):
        add_weekly(db, c, legal, WED, "10:00", "12:00")
    statement = on_call_statement(legal.id, kst(2026, 11, 25, 11), SEOUL)
    assert [c.name for c in db.scalars(statement)] == ["첫째", "둘째"]
    assert [c.name for c in db.scalars(statement.where(Counselor.id == second.id))] == ["둘째"]


def test_on_call_ids_are_the_on_call_counselors_in_dial_order(db, legal):
    first = add_counselor(db, "첫째", last_connected_at=kst(2026, 11, 1))
    second = add_counselor(db, "둘째", last_connected_at=kst(2026, 11, 2))
    away = add_counselor(db, "휴가")
    for c in (second, away, first):
        add_weekly(db, c, legal, WED, "10:00", "12:00")
    db.add(
        Unavailability(counselor_id=away.id, starts_at=kst(2026, 11, 25), ends_at=kst(2026, 11, 26))
    )
    db.flush()
    at = kst(2026, 11, 25, 11)
    assert on_call_ids(db, legal.id, at, SEOUL) == [c.id for c in on_call(db, legal.id, at, SEOUL)]
    assert on_call_ids(db, legal.id, at, SEOUL) == [first.id, second.id]


def test_on_call_reads_the_counselors_a_shift_names_by_their_key_on_postgresql(db):
    # `IN (subquery)` is a semi-join over every counselor on PostgreSQL; `= ANY(ARRAY(...))`
    # runs the shifts' subquery once and looks the few counselors up.
    statement = on_call_statement(1, kst(2026, 11, 25, 11), SEOUL)
    on_postgresql = str(statement.compile(dialect=postgresql.dialect()))
    on_sqlite = str(statement.compile(dialect=sqlite.dialect()))
    assert "counselors.id = ANY(ARRAY(SELECT weekly_shifts.counselor_id" in on_postgresql
    assert "counselors.id IN (SELECT weekly_shifts.counselor_id" in on_sqlite


def test_shift_of_an_inactive_counselor_shows_as_a_gap(db, legal):
    kim = add_counselor(db, active=False)
    add_weekly(db, kim, legal, WED, "10:00", "12:00")
    gaps = coverage_gaps(db, legal.id, date(2026, 11, 25), date(2026, 11, 25), SEOUL)
    assert gaps == [Gap(date(2026, 11, 25), hm("10:00"), hm("12:00"), whole_day=True)]
