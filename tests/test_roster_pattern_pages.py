"""Roster pages: add and change monthly or fortnightly series, skip one of their dates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from callcenter.models import WeeklyShift, WeeklyShiftSkip
from schedules import patterns
from schedules.oncall import on_call
from tests.roster_helpers import SEOUL, counselor, seoul, weekly


def _form(kim, field, **values):  # type: ignore[no-untyped-def]
    return {
        "counselor_id": kim.id,
        "field_id": field.id,
        "weekday": "1",
        "start": "14:00",
        "end": "17:00",
        **values,
    }


def test_coordinator_adds_a_second_tuesday_series(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("coordinator")
    client.post("/rosters/shifts/weekly", data=_form(kim, fields["legal"], recurrence="2"))
    shift = db.scalars(select(WeeklyShift)).one()
    assert (shift.weekday, shift.month_week, shift.interval_weeks) == (1, 2, 1)
    assert on_call(db, fields["legal"].id, seoul(date(2027, 1, 12), 15), SEOUL) == [kim]


def test_coordinator_adds_an_every_other_week_series_from_its_first_date(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("coordinator")
    data = _form(kim, fields["legal"], recurrence="fortnightly", valid_from="2027-03-23")
    client.post("/rosters/shifts/weekly", data=data)
    shift = db.scalars(select(WeeklyShift)).one()
    assert (shift.interval_weeks, shift.valid_from) == (2, date(2027, 3, 23))
    assert on_call(db, fields["legal"].id, seoul(date(2027, 3, 30), 15), SEOUL) == []
    assert on_call(db, fields["legal"].id, seoul(date(2027, 4, 6), 15), SEOUL) == [kim]


def test_every_other_week_without_a_first_date_is_refused_with_a_reason(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("coordinator")
    response = client.post(
        "/rosters/shifts/weekly",
        data=_form(kim, fields["legal"], recurrence="fortnightly"),
        follow_redirects=True,
    )
    assert "첫 근무일" in response.get_data(as_text=True)
    assert db.scalar(select(WeeklyShift.id)) is None


def test_coordinator_changes_a_weekly_series_into_the_last_tuesday(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    shift = weekly(db, kim, fields["legal"], 1, "14:00", "17:00")
    db.commit()
    login("coordinator")
    form = client.get(f"/rosters/shifts/weekly/{shift.id}").get_data(as_text=True)
    assert 'name="recurrence"' in form
    client.post(
        f"/rosters/shifts/weekly/{shift.id}", data=_form(kim, fields["legal"], recurrence="last")
    )
    db.refresh(shift)
    assert shift.month_week == patterns.LAST
    assert on_call(db, fields["legal"].id, seoul(date(2027, 1, 26), 15), SEOUL) == [kim]
    assert on_call(db, fields["legal"].id, seoul(date(2027, 1, 19), 15), SEOUL) == []


def test_shift_list_says_when_a_series_runs(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "14:00", "17:00", month_week=2)
    db.commit()
    login("coordinator")
    assert "매월 둘째 월요일" in client.get("/rosters/shifts").get_data(as_text=True)


def test_coordinator_skips_one_date_of_a_monthly_series(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    shift = weekly(db, kim, fields["legal"], 1, "14:00", "17:00", month_week=2)
    db.commit()
    login("coordinator")
    client.post(f"/rosters/shifts/weekly/{shift.id}/2027-01-12", data={"action": "cancel"})
    assert db.scalars(select(WeeklyShiftSkip)).one().date == date(2027, 1, 12)
    assert on_call(db, fields["legal"].id, seoul(date(2027, 1, 12), 15), SEOUL) == []
    assert on_call(db, fields["legal"].id, seoul(date(2027, 3, 9), 15), SEOUL) == [kim]


def test_a_date_the_series_does_not_run_on_cannot_be_skipped(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    shift = weekly(db, kim, fields["legal"], 1, "14:00", "17:00", month_week=2)
    db.commit()
    login("coordinator")
    response = client.post(
        f"/rosters/shifts/weekly/{shift.id}/2027-01-19",
        data={"action": "cancel"},
        follow_redirects=True,
    )
    assert "이 정기 근무가 없습니다" in response.get_data(as_text=True)
    assert db.scalar(select(WeeklyShiftSkip.id)) is None
