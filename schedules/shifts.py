"""Roster rules: adding and changing weekly and one-off shifts, single occurrences, absences.

Every function checks the rules, changes the session and leaves committing to the caller.
Problems a coordinator or counselor can fix are raised as `RosterError` with a message that
says what is wrong (Korean message ids, translated by the view).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, or_, select
from sqlalchemy.orm import Session

from callcenter.models import (
    Counselor,
    Field,
    OneOffShift,
    Unavailability,
    WeeklyShift,
    WeeklyShiftSkip,
)
from schedules import patterns
from schedules.occurrences import Occurrence, occurrences

WEEKDAY_NAMES = ("월", "화", "수", "목", "금", "토", "일")


class RosterError(ValueError):
    """A rule of the roster the requested change would break."""


def _check_hours(start: time, end: time) -> None:
    if end <= start:
        raise RosterError("끝나는 시각은 시작 시각보다 늦어야 합니다.")


def _check_serves(counselor: Counselor, field: Field) -> None:
    if not counselor.active:
        raise RosterError("비활성 상담위원에게는 근무를 배정할 수 없습니다.")
    if field not in counselor.fields:
        raise RosterError("상담위원이 이 분야를 담당하지 않습니다. 먼저 담당 분야에 추가하세요.")


def _overlaps(a_start: time, a_end: time, b_start: time, b_end: time) -> bool:
    return a_start < b_end and b_start < a_end


def add_weekly_shift(
    session: Session,
    counselor: Counselor,
    field: Field,
    weekday: int,
    start: time,
    end: time,
    valid_from: date | None = None,
    valid_until: date | None = None,
    *,
    month_week: int = patterns.EVERY_WEEK,
    interval_weeks: int = 1,
    replacing: WeeklyShift | None = None,
) -> WeeklyShift:
    """Add a weekly shift (or change `replacing` to these values) after checking the rules.

    `month_week` makes it monthly (1-5, or `patterns.LAST`); `interval_weeks=2` every other
    week from `valid_from`, its first date.
    """
    _check_hours(start, end)
    if not 0 <= weekday <= 6:
        raise RosterError("요일이 올바르지 않습니다.")
    if valid_from and valid_until and valid_until < valid_from:
        raise RosterError("적용 종료일이 적용 시작일보다 빠릅니다.")
    pattern = _check_pattern(weekday, month_week, interval_weeks, valid_from)
    parity = patterns.week_parity(valid_from) if pattern.every_other_week and valid_from else 0
    _check_serves(counselor, field)
    others = select(WeeklyShift).where(
        WeeklyShift.counselor_id == counselor.id,
        WeeklyShift.weekday == weekday,
        WeeklyShift.start_time < end,
        WeeklyShift.end_time > start,
    )
    if valid_until is not None:
        others = others.where(
            or_(WeeklyShift.valid_from.is_(None), WeeklyShift.valid_from <= valid_until)
        )
    if valid_from is not None:
        others = others.where(
            or_(WeeklyShift.valid_until.is_(None), WeeklyShift.valid_until >= valid_from)
        )
    same_slot = select(WeeklyShift.id).where(
        WeeklyShift.counselor_id == counselor.id,
        WeeklyShift.field_id == field.id,
        WeeklyShift.weekday == weekday,
        WeeklyShift.start_time == start,
        WeeklyShift.end_time == end,
        WeeklyShift.month_week == pattern.month_week,
        WeeklyShift.interval_weeks == pattern.interval_weeks,
        WeeklyShift.week_parity == parity,
    )
    if replacing is not None and replacing.id is not None:
        others = others.where(WeeklyShift.id != replacing.id)
        same_slot = same_slot.where(WeeklyShift.id != replacing.id)
    if session.scalar(same_slot) is not None:
        raise RosterError(
            "같은 요일·시간의 매주 근무가 이미 있습니다. 그 근무의 적용 기간을 바꾸세요."
        )
    # Series of different patterns on one weekday may share hours if they never share a date.
    clash = next(
        (
            other
            for other in session.scalars(others)
            if patterns.could_share_a_day(
                pattern, parity, patterns.pattern_of(other), other.week_parity
            )
        ),
        None,
    )
    if clash is not None:
        raise RosterError(
            f"같은 시간에 이미 정기 근무가 있습니다: {describe_series(clash)} "
            f"{clash.start_time:%H:%M}-{clash.end_time:%H:%M} ({clash.field.name_ko})"
        )
    shift = replacing or WeeklyShift()
    shift.counselor_id, shift.field_id = counselor.id, field.id
    shift.counselor, shift.field = counselor, field
    shift.weekday, shift.start_time, shift.end_time = weekday, start, end
    shift.valid_from, shift.valid_until = valid_from, valid_until
    shift.month_week, shift.interval_weeks = pattern.month_week, pattern.interval_weeks
    shift.week_parity = parity
    session.add(shift)
    session.flush()
    return shift


def _check_pattern(
    weekday: int, month_week: int, interval_weeks: int, valid_from: date | None
) -> patterns.Pattern:
    """Refuse a pattern the roster cannot run."""
    if month_week not in (patterns.LAST, 0, 1, 2, 3, 4, 5) or interval_weeks not in (1, 2):
        raise RosterError("반복 방식이 올바르지 않습니다.")
    if month_week and interval_weeks != 1:
        raise RosterError("매월 근무와 격주 근무를 함께 고를 수 없습니다.")
    if interval_weeks == 2 and (valid_from is None or valid_from.weekday() != weekday):
        raise RosterError("격주 근무는 첫 근무일(그 요일의 날짜)을 적용 시작일에 입력하세요.")
    return patterns.Pattern(weekday, month_week, interval_weeks)


def describe_series(shift: patterns.Recurring, language: str = "ko") -> str:
    """Say when a series runs, e.g. 매주 월요일, 매월 둘째 월요일, 격주 월요일."""
    weeks = [shift.month_week] if shift.month_week else []
    return patterns.describe(shift.weekday, weeks, shift.interval_weeks == 2, language)


def end_weekly_shift(session: Session, shift: WeeklyShift, last_day: date) -> None:
    """Stop a series after `last_day`, keeping its past; remove it if it never ran."""
    if shift.valid_from is not None and last_day < shift.valid_from:
        session.delete(shift)
    else:
        shift.valid_until = last_day
    session.flush()


def add_one_off_shift(
    session: Session,
    counselor: Counselor,
    field: Field,
    day: date,
    start: time,
    end: time,
    tz: ZoneInfo,
    note: str | None = None,
) -> OneOffShift:
    """Add a shift on one date, refusing one that overlaps the counselor's other shifts."""
    _check_hours(start, end)
    _check_serves(counselor, field)
    for other in occurrences(session, day, day, tz, counselor_id=counselor.id):
        if _overlaps(start, end, other.start, other.end):
            raise RosterError(
                f"{counselor.name} 님은 그 시간에 이미 근무가 있습니다: "
                f"{other.start:%H:%M}-{other.end:%H:%M} ({other.field.name_ko})"
            )
    shift = OneOffShift(
        counselor_id=counselor.id,
        field_id=field.id,
        date=day,
        start_time=start,
        end_time=end,
        note=note,
    )
    session.add(shift)
    session.flush()
    return shift


def _weekly_occurrence(session: Session, shift: WeeklyShift, day: date, tz: ZoneInfo) -> Occurrence:
    """Return the occurrence of a weekly shift on a date, or refuse."""
    for found in occurrences(
        session, day, day, tz, field_ids=[shift.field_id], counselor_id=shift.counselor_id
    ):
        if found.weekly_shift_id == shift.id:
            return found
    raise RosterError("그 날짜에는 이 정기 근무가 없습니다.")


def skip_occurrence(
    session: Session, shift: WeeklyShift, day: date, tz: ZoneInfo, reason: str | None = None
) -> WeeklyShiftSkip:
    """Cancel one occurrence of a weekly shift; the rest of the series is untouched."""
    _weekly_occurrence(session, shift, day, tz)
    skip = WeeklyShiftSkip(weekly_shift_id=shift.id, date=day, reason=reason)
    session.add(skip)
    session.flush()
    return skip


def change_occurrence(
    session: Session,
    shift: WeeklyShift,
    day: date,
    tz: ZoneInfo,
    *,
    counselor: Counselor | None = None,
    start: time | None = None,
    end: time | None = None,
    reason: str | None = None,
) -> OneOffShift:
    """Change one occurrence of a weekly shift (hours or counselor) without touching the series.

    The occurrence is skipped and a one-off shift takes its place on that date.
    """
    counselor = counselor or shift.counselor
    start, end = start or shift.start_time, end or shift.end_time
    skip = skip_occurrence(session, shift, day, tz, reason=reason or "변경")
    try:
        return add_one_off_shift(
            session, counselor, shift.field, day, start, end, tz, note=reason or "매주 근무 변경"
        )
    except RosterError:
        session.delete(skip)
        session.flush()
        raise


def restore_occurrence(session: Session, shift: WeeklyShift, day: date) -> bool:
    """Bring back a skipped occurrence; return whether one was skipped."""
    result = session.execute(
        delete(WeeklyShiftSkip).where(
            WeeklyShiftSkip.weekly_shift_id == shift.id, WeeklyShiftSkip.date == day
        )
    )
    return bool(cast(CursorResult[Any], result).rowcount)


def mark_unavailable(
    session: Session,
    counselor: Counselor,
    starts_at: datetime,
    ends_at: datetime,
    reason: str | None = None,
) -> Unavailability:
    """Record that a counselor cannot take calls for a period."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("unavailability needs timezone-aware instants")
    if ends_at <= starts_at:
        raise RosterError("끝나는 때는 시작하는 때보다 늦어야 합니다.")
    period = Unavailability(
        counselor_id=counselor.id, starts_at=starts_at, ends_at=ends_at, reason=reason
    )
    session.add(period)
    session.flush()
    return period
