"""Bad input never breaks the line: out-of-range URL arguments, overlong text, odd headers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from callcenter import create_app
from callcenter.models import (
    Counselor,
    DayOverride,
    LoginAttempt,
    OneOffShift,
    TopicCategory,
    Unavailability,
    WeeklyShiftSkip,
)
from tests import backoffice_data as data
from tests.roster_helpers import MONDAY, counselor, weekly

# Values of the right kind but out of any range, and junk: each alone, on every page.
BAD_ARGUMENTS = [
    ("date", "9999-12-31"),
    ("date", "0001-01-01"),
    ("view", "month"),  # with no date: the line's today
    ("year", "99999"),
    ("year", "0"),
    ("page", "99999999999999999999"),
    ("page", "9" * 5000),
    ("field", "99999999999999999999"),
    ("field_id", "99999999999999999999"),
    ("counselor", "99999999999999999999"),
    ("category", "99999999999999999999"),
    ("user", "99999999999999999999"),
    ("object_id", "99999999999999999999"),
    ("date_from", "0001-01-01"),
    ("date_to", "9999-12-31"),
    ("start", "25:99"),
    ("page", "²"),
]
# What each kind of path argument is replaced with.
PATH_VALUES = {
    "int": ["1", "99999999999999999999"],
    "day": ["9999-12-31", "0001-01-01", "2027-03-08"],
    "fmt": ["csv", "xlsx"],
    "key": ["greeting"],
    "language": ["ko"],
    "token": ["not-a-token"],
    "filename": ["css/app.css"],
}


def back_office_urls(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Return every GET URL of the app but the voice line's, with its path filled in."""
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(("/ivr", "/static")):
            continue
        variants = [rule.rule]
        for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule):
            values = PATH_VALUES.get(name) or PATH_VALUES.get(converter) or ["x"]
            pattern = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?" + name + ">")
            variants = [pattern.sub(v, url) for url in variants for v in values]
        urls.update(variants)
    return sorted(urls)


@pytest.fixture
def world(db, fields):
    """Rows for the pages to show: a counselor with a shift, a consultation, a call."""
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    data.consultation(db, fields["legal"], kim)
    data.call(db, fields["legal"])
    db.commit()
    return kim


@pytest.mark.parametrize("role", ["admin", "counselor"])
def test_no_page_answers_a_bad_url_argument_with_a_server_error(app, client, login, world, role):
    login(role, counselor=world if role == "counselor" else None)
    failures = []
    for url in back_office_urls(app):
        for name, value in [(None, None), *BAD_ARGUMENTS]:
            target = url if name is None else f"{url}?{name}={value}"
            status = client.get(target).status_code
            if status >= 500:
                failures.append((target[:120], status))
    assert failures == []


def test_calendar_far_in_the_future_says_which_dates_it_shows(client, login):
    login("coordinator")
    response = client.get("/rosters/calendar?date=9999-12-31")
    assert response.status_code == 400
    assert "2000-01-01부터 2100-12-31까지" in response.get_data(as_text=True)


def test_month_calendar_of_year_one_is_refused_with_a_message(client, login):
    login("coordinator")
    response = client.get("/rosters/calendar?view=month&date=0001-01-01")
    assert response.status_code == 400
    assert "날짜는" in response.get_data(as_text=True)


def test_closures_of_an_impossible_year_are_refused_with_a_message(client, login):
    login("coordinator")
    response = client.get("/rosters/closures?year=99999")
    assert response.status_code == 400
    assert "연도는 2000부터 2100까지" in response.get_data(as_text=True)


def test_a_page_number_beyond_any_list_is_refused_with_a_message(client, login):
    login("coordinator")
    response = client.get("/consultations?page=99999999999999999999")
    assert response.status_code == 400
    assert "번호는" in response.get_data(as_text=True)


def test_an_id_no_row_can_have_is_not_found(client, login):
    login("coordinator")
    assert client.get("/consultations/99999999999999999999").status_code == 404


def test_junk_arguments_are_ignored(client, login):
    login("coordinator")
    assert client.get("/rosters/calendar?date=someday").status_code == 200
    assert client.get("/consultations?page=two&field=legal").status_code == 200


# Overlong text: refused with a message on every database, nothing written.


def test_overlong_absence_reason_is_refused_and_nothing_is_written(client, login, db, fields):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("counselor", counselor=kim)
    response = client.post(
        "/rosters/me/unavailable",
        data={"start_date": "2027-03-09", "end_date": "2027-03-09", "reason": "가" * 300},
    )
    assert response.status_code == 400
    assert "사유 항목이 너무 깁니다. 200자까지" in response.get_data(as_text=True)
    assert db.scalars(select(Unavailability)).all() == []


def test_overlong_text_from_a_form_page_is_flashed_back_on_that_page(client, login, db, fields):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("counselor", counselor=kim)
    response = client.post(
        "/rosters/me/unavailable",
        data={"start_date": "2027-03-09", "reason": "가" * 300},
        headers={"Referer": "http://localhost/rosters/me"},
        follow_redirects=True,
    )
    assert response.request.path == "/rosters/me"
    assert "200자까지" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "form", "model"),
    [
        (
            "/rosters/closures",
            {"action": "close", "date": "2027-03-09", "reason": "가" * 201},
            DayOverride,
        ),
        (
            "/rosters/shifts/one-off/new",
            {"date": "2027-03-09", "start": "09:00", "end": "12:00", "note": "가" * 201},
            OneOffShift,
        ),
        ("/rosters/counselors/new", {"name": "가" * 81, "phone": "010-1234-5678"}, Counselor),
        ("/fields/{field}/categories", {"name_ko": "가" * 81, "name_en": "x"}, TopicCategory),
    ],
    ids=["closure reason", "one-off note", "counselor name", "topic name"],
)
def test_overlong_form_text_is_refused_without_a_server_error(
    client, login, db, fields, path, form, model
):
    login("admin")
    kim = counselor(db, "이변호", "+821055556666", fields["legal"])
    db.commit()
    before = len(db.scalars(select(model)).all())
    form = {"counselor_id": kim.id, "field_id": fields["legal"].id, **form}
    form["field_ids"] = [fields["legal"].id]
    response = client.post(path.format(field=fields["legal"].id), data=form)
    assert response.status_code < 500
    db.expire_all()
    assert len(db.scalars(select(model)).all()) == before


def test_overlong_occurrence_reason_is_refused(client, login, db, fields):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    shift = weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    db.commit()
    login("coordinator")
    response = client.post(
        f"/rosters/shifts/weekly/{shift.id}/{MONDAY}",
        data={"action": "cancel", "reason": "가" * 201},
    )
    assert response.status_code == 400
    assert db.scalars(select(WeeklyShiftSkip)).all() == []


def test_walk_in_dated_year_one_is_refused_on_the_form(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("counselor", counselor=kim)
    response = client.post(
        "/consultations/new",
        data={
            "channel": "visit",
            "field": fields["legal"].id,
            "counselor": kim.id,
            "started_at": "0001-01-01T00:00",
            "outcome": "advice",
            "summary": "방문 상담",
        },
    )
    assert response.status_code == 422
    assert "2000-01-01부터" in response.get_data(as_text=True)


# Headers


def test_a_long_forwarded_for_is_not_taken_for_the_client_address(database_url, db):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, TRUSTED_PROXY_COUNT=1)
    response = app.test_client().post(
        "/auth/login",
        data={"email": "nobody@example.org", "password": "wrong password"},
        headers={"X-Forwarded-For": "1" * 300},
    )
    assert response.status_code == 401  # the sign-in form again, with its message
    assert db.scalars(select(LoginAttempt.ip_address)).all() == ["127.0.0.1"]


def test_a_forwarded_address_from_the_trusted_proxy_is_believed(database_url, db):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, TRUSTED_PROXY_COUNT=1)
    app.test_client().post(
        "/auth/login",
        data={"email": "nobody@example.org", "password": "wrong password"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert db.scalars(select(LoginAttempt.ip_address)).all() == ["203.0.113.7"]
