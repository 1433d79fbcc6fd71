"""Roster pages in the back office: what coordinators and counselors can see and do."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from callcenter.models import (
    Counselor,
    DayOverride,
    JobRun,
    OneOffShift,
    ShiftSwap,
    Unavailability,
    WeeklyShift,
    WeeklyShiftSkip,
)
from tests.roster_helpers import MONDAY, SEOUL, counselor, weekly

CSV = (
    "name,phone,field,day,start,end\n"
    "김변호,010-1111-0001,legal,mon,09:00,12:00\n"
    "이세무,010-1111-0002,tax,2027-03-09,13:00,17:00\n"
)


def page(response) -> str:
    return response.get_data(as_text=True)


# Counselors


def test_coordinator_creates_a_counselor_with_a_valid_phone(client, login, fields):
    login("coordinator")
    response = client.post(
        "/rosters/counselors/new",
        data={
            "name": "김변호",
            "phone": "010-1234-5678",
            "field_ids": [fields["legal"].id, fields["labor"].id],
            "auto_answer": "on",
        },
    )
    assert response.status_code == 302
    listing = page(client.get("/rosters/counselors"))
    assert "010-1234-5678" in listing


def test_counselor_phone_is_stored_in_e164(client, login, fields, db):
    login("coordinator")
    client.post(
        "/rosters/counselors/new",
        data={"name": "김변호", "phone": "+82 10 1234 5678", "field_ids": [fields["legal"].id]},
    )
    saved = db.scalars(select(Counselor)).one()
    assert saved.phone == "+821012345678"
    assert [f.code for f in saved.fields] == ["legal"]


def test_invalid_phone_is_refused_with_a_message(client, login, fields, db):
    login("coordinator")
    response = client.post(
        "/rosters/counselors/new",
        data={"name": "김변호", "phone": "12345", "field_ids": [fields["legal"].id]},
    )
    assert response.status_code == 422
    assert "전화번호가 올바르지 않습니다" in page(response)
    assert db.scalar(select(Counselor.id)) is None


def test_duplicate_phone_is_refused(client, login, fields, db):
    counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("coordinator")
    response = client.post(
        "/rosters/counselors/new",
        data={"name": "김다른", "phone": "010-1234-5678", "field_ids": [fields["legal"].id]},
    )
    assert response.status_code == 422


def test_counselor_needs_a_field(client, login, db):
    login("coordinator")
    response = client.post(
        "/rosters/counselors/new", data={"name": "김변호", "phone": "010-1234-5678"}
    )
    assert response.status_code == 422


def test_deactivated_counselor_is_no_longer_on_call(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("coordinator")
    client.post(f"/rosters/counselors/{kim.id}/deactivate")
    db.expire_all()
    assert db.get(Counselor, kim.id).active is False


def test_counselors_cannot_manage_rosters(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("counselor", counselor=kim)
    for url in ("/rosters/counselors", "/rosters/calendar", "/rosters/swaps", "/rosters/import"):
        assert client.get(url).status_code == 403, url


def test_jobs_page_is_for_admins(client, login):
    login("coordinator")
    assert client.get("/rosters/jobs").status_code == 403


# Shifts and the calendar


def test_calendar_shows_who_is_on_call(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    db.commit()
    login("coordinator")
    html = page(client.get(f"/rosters/calendar?date={MONDAY}"))
    assert "09:00–12:00 김변호" in html
    assert "공백이 없습니다" in html


def test_calendar_shows_holiday_names(client, login):
    login("coordinator")
    html = page(client.get("/rosters/calendar?date=2027-02-08&view=month"))
    assert "설날" in html


def test_calendar_highlights_a_gap_when_a_counselor_is_away(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    db.add(
        Unavailability(
            counselor_id=kim.id,
            starts_at=datetime.combine(MONDAY, time(0), SEOUL),
            ends_at=datetime.combine(MONDAY + timedelta(days=1), time(0), SEOUL),
        )
    )
    db.commit()
    login("coordinator")
    for view in ("week", "month"):
        html = page(client.get(f"/rosters/calendar?date={MONDAY}&view={view}&field=legal"))
        assert 'class="gap"' in html
        assert "공백이 1건" in html


def test_coordinator_adds_a_weekly_shift(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("coordinator")
    client.post(
        "/rosters/shifts/weekly",
        data={
            "counselor_id": kim.id,
            "field_id": fields["legal"].id,
            "weekday": "2",
            "start": "13:00",
            "end": "17:00",
        },
    )
    shift = db.scalars(select(WeeklyShift)).one()
    assert (shift.weekday, shift.start_time.hour) == (2, 13)


def test_refused_weekly_shift_says_why(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("coordinator")
    response = client.post(
        "/rosters/shifts/weekly",
        data={
            "counselor_id": kim.id,
            "field_id": fields["tax"].id,
            "weekday": "2",
            "start": "13:00",
            "end": "17:00",
        },
        follow_redirects=True,
    )
    assert "담당하지 않습니다" in page(response)
    assert db.scalar(select(WeeklyShift.id)) is None


def test_coordinator_changes_one_occurrence_from_the_calendar(client, login, fields, db):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    lee = counselor(db, "이변호", "+821012345679", fields["legal"])
    shift = weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    db.commit()
    login("coordinator")
    assert client.get(f"/rosters/shifts/weekly/{shift.id}/{MONDAY}").status_code == 200
    client.post(
        f"/rosters/shifts/weekly/{shift.id}/{MONDAY}",
        data={"action": "change", "counselor_id": lee.id, "start": "09:00", "end": "12:00"},
    )
    assert db.scalars(select(WeeklyShiftSkip)).one().date == MONDAY
    assert db.scalars(select(OneOffShift)).one().counselor_id == lee.id
    assert db.get(WeeklyShift, shift.id).counselor_id == kim.id


def test_coordinator_fills_a_gap_with_a_one_off_shift(client, login, fields, db):
    lee = counselor(db, "이변호", "+821012345679", fields["legal"])
    db.commit()
    login("coordinator")
    form = page(
        client.get(
            f"/rosters/shifts/one-off/new?field_id={fields['legal'].id}&date={MONDAY}"
            "&start=09:00&end=12:00"
        )
    )
    assert f'value="{MONDAY}"' in form
    client.post(
        "/rosters/shifts/one-off/new",
        data={
            "field_id": fields["legal"].id,
            "counselor_id": lee.id,
            "date": str(MONDAY),
            "start": "09:00",
            "end": "12:00",
        },
    )
    assert db.scalars(select(OneOffShift)).one().date == MONDAY


# Closures


def test_coordinator_closes_a_day_with_a_reason(client, login, db):
    login("coordinator")
    client.post(
        "/rosters/closures", data={"date": str(MONDAY), "action": "close", "reason": "워크숍"}
    )
    override = db.scalars(select(DayOverride)).one()
    assert (override.kind, override.reason) == ("closed", "워크숍")
    html = page(client.get(f"/rosters/calendar?date={MONDAY}"))
    assert "휴무: 워크숍" in html


def test_closures_page_lists_the_years_holidays(client, login):
    login("coordinator")
    html = page(client.get("/rosters/closures?year=2027"))
    assert "추석" in html and "설날" in html


def test_coordinator_reopens_a_holiday(client, login, db):
    login("coordinator")
    client.post("/rosters/closures", data={"date": "2027-03-01", "action": "open"})
    assert db.scalars(select(DayOverride)).one().kind == "open"


# CSV import


def _upload(client, text: str):
    from io import BytesIO

    return client.post(
        "/rosters/import",
        data={"file": (BytesIO(text.encode()), "roster.csv")},
        content_type="multipart/form-data",
    )


def test_import_preview_shows_changes_and_writes_nothing(client, login, db):
    login("coordinator")
    html = page(_upload(client, CSV))
    assert "새 상담위원" in html and "김변호" in html and "010-1111-0001" in html
    assert db.scalar(select(Counselor.id)) is None


def test_import_apply_writes_the_previewed_rows(client, login, db):
    login("coordinator")
    _upload(client, CSV)
    client.post("/rosters/import/apply", data={"csv_text": CSV})
    assert len(db.scalars(select(Counselor)).all()) == 2
    assert db.scalar(select(WeeklyShift.weekday)) == 0


def test_import_of_an_excel_workbook_says_how_to_save_a_csv_file(client, login):
    from io import BytesIO

    login("coordinator")
    workbook = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"
    response = client.post(
        "/rosters/import",
        data={"file": (BytesIO(workbook), "당번표.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = page(response)
    assert "엑셀 통합 문서나 다른 문서 파일이라 CSV 파일이 아닙니다" in html
    assert "CSV UTF-8(쉼표로 분리)" in html and "Excel workbook" not in html


def test_import_preview_names_bad_rows(client, login, db):
    login("coordinator")
    bad = CSV + "박노무,010-1111-0003,plumbing,fri,09:00,08:00\n"
    response = _upload(client, bad)
    assert response.status_code == 422
    html = page(response)
    assert "4번째 줄" in html and "plumbing" in html


BAD_LINES = (
    "박노무,010-12,plumbing,someday,09:00,08:00\n"
    "최세무,010-1111-0004,tax,mon/2,9시,12:00\n"
    "김민준,010-1111-0005,legal,mon,10:00,12:00\n"
    "김민준,010-1111-0005,legal,mon,10:00,12:00\n"
)


def _problems(html: str) -> list[str]:
    """Return the texts of the listed bad lines."""
    import re
    from html import unescape

    items = re.findall(r"<li>(.*?)</li>", html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", item)) for item in items]


def test_import_problems_are_in_korean_with_no_english_sentence(client, login, db):
    from tests.test_page_words import ENGLISH_SENTENCE

    login("coordinator")
    response = _upload(client, CSV + BAD_LINES)
    problems = [p for p in _problems(page(response)) if "번째 줄" in p]
    assert len(problems) == 3
    assert any("없는 분야 'plumbing'" in p for p in problems)
    assert any("같은 근무" in p for p in problems)
    for problem in problems:
        assert ENGLISH_SENTENCE.search(problem) is None, problem


def test_import_problems_are_in_english_when_chosen(client, login, db):
    from html import unescape

    from flask import g

    login("coordinator")
    client.get("/?lang=en")
    g.pop("_flask_babel", None)
    html = unescape(page(_upload(client, CSV + BAD_LINES)))
    assert "unknown field 'plumbing'" in html and "duplicate of line" in html


def test_import_apply_with_one_bad_row_writes_nothing(client, login, db):
    login("coordinator")
    bad = CSV + "박노무,010-1111-0003,plumbing,fri,09:00,12:00\n"
    response = client.post("/rosters/import/apply", data={"csv_text": bad})
    assert response.status_code == 422
    assert "4번째 줄" in page(response)
    assert db.scalars(select(Counselor)).all() == []
    assert db.scalars(select(WeeklyShift)).all() == []
    assert db.scalars(select(OneOffShift)).all() == []


def test_import_preview_says_when_nothing_changes(client, login, db):
    login("coordinator")
    client.post("/rosters/import/apply", data={"csv_text": CSV})
    assert "바뀌는 것이 없습니다" in page(_upload(client, CSV))


# Counselor self-service


@pytest.fixture
def me(db, fields, login, clock):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    today = clock.today()
    weekly(db, kim, fields["legal"], (today + timedelta(days=2)).weekday(), "09:00", "12:00")
    db.commit()
    login("counselor", counselor=kim)
    return kim


def test_counselor_sees_their_upcoming_shifts(client, me):
    html = page(client.get("/rosters/me"))
    assert "09:00–12:00" in html
    assert "교대 요청" in html


def test_counselor_marks_themself_unavailable(client, me, db, clock):
    day = clock.today() + timedelta(days=2)
    client.post("/rosters/me/unavailable", data={"start_date": str(day), "end_date": str(day)})
    period = db.scalars(select(Unavailability)).one()
    assert period.starts_at.astimezone(SEOUL).date() == day
    assert period.ends_at - period.starts_at == timedelta(days=1)


def test_counselor_requests_a_swap_and_the_colleague_accepts(
    client, me, db, fields, make_user, clock
):
    lee = counselor(db, "이변호", "+821012345679", fields["legal"])
    db.commit()
    day = clock.today() + timedelta(days=2)
    client.post(
        "/rosters/me/swap",
        data={
            "field_id": fields["legal"].id,
            "date": str(day),
            "start": "09:00",
            "recipient_id": lee.id,
        },
    )
    swap = db.scalars(select(ShiftSwap)).one()
    other = make_user("counselor", counselor=lee)
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": other.email, "password": "correct horse battery"})
    assert "김변호" in page(client.get("/rosters/me"))
    client.post(f"/rosters/swaps/{swap.id}/accept")
    db.expire_all()
    assert db.get(ShiftSwap, swap.id).status == "accepted"
    assert db.scalars(select(OneOffShift)).one().counselor_id == lee.id


def test_coordinator_sees_every_swap(client, db, fields, login):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    lee = counselor(db, "이변호", "+821012345679", fields["legal"])
    db.add(
        ShiftSwap(
            field_id=fields["legal"].id,
            requester_id=kim.id,
            recipient_id=lee.id,
            offered_date=MONDAY,
            offered_start=time(9),
            offered_end=time(12),
        )
    )
    db.commit()
    login("coordinator")
    html = page(client.get("/rosters/swaps"))
    assert "김변호" in html and "이변호" in html and "대기" in html


def test_another_counselor_cannot_decide_a_swap(client, db, fields, login):
    kim = counselor(db, "김변호", "+821012345678", fields["legal"])
    lee = counselor(db, "이변호", "+821012345679", fields["legal"])
    park = counselor(db, "박변호", "+821012345670", fields["legal"])
    swap = ShiftSwap(
        field_id=fields["legal"].id,
        requester_id=kim.id,
        recipient_id=lee.id,
        offered_date=MONDAY,
        offered_start=time(9),
        offered_end=time(12),
    )
    db.add(swap)
    db.commit()
    login("counselor", counselor=park)
    assert client.post(f"/rosters/swaps/{swap.id}/accept").status_code == 403


# Feeds and jobs pages


def test_coordinator_issues_a_field_feed(client, login, fields):
    login("coordinator")
    html = page(client.post("/rosters/feeds", data={"field_id": fields["tax"].id}))
    url = html.split('id="feed-url"')[1].split('value="')[1].split('"')[0]
    assert client.get(url.replace("http://localhost", "")).status_code == 200


def test_jobs_page_lists_each_job_with_its_last_run(client, login, db, clock):
    db.add(JobRun(job_id="retention", started_at=clock.now, ok=True, detail={"calls": 3}))
    db.commit()
    login("admin")
    html = page(client.get("/rosters/jobs"))
    for job_id in ("shift_reminders", "coverage_gaps", "pending_callbacks", "release_stale"):
        assert job_id in html
    assert "통화 3" in html and "'calls'" not in html


def test_roster_pages_speak_english_on_request(client, login):
    login("coordinator")
    html = page(client.get(f"/rosters/calendar?date={MONDAY}&lang=en"))
    assert "No gaps in this period." in html
    assert "All fields" in html


def test_closing_a_day_never_redirects_off_site(client, login):
    login("coordinator")
    form = {"date": str(MONDAY), "action": "close", "next": "//evil.example/"}
    response = client.post("/rosters/closures", data=form)
    assert response.headers["Location"].startswith("/rosters/closures")


def test_landline_counselor_is_warned_about_reminders(client, login, fields):
    login("coordinator")
    response = client.post(
        "/rosters/counselors/new",
        data={"name": "김변호", "phone": "031-828-2114", "field_ids": [fields["legal"].id]},
        follow_redirects=True,
    )
    assert "문자를 받을 수 없습니다" in page(response)


def test_swap_form_offers_the_colleagues_shifts_in_return(client, me, db, fields, clock):
    lee = counselor(db, "이변호", "+821012345679", fields["legal"])
    today = clock.today()
    weekly(db, lee, fields["legal"], (today + timedelta(days=3)).weekday(), "14:00", "17:00")
    db.commit()
    day = today + timedelta(days=2)
    html = page(
        client.get(f"/rosters/me/swap?field_id={fields['legal'].id}&date={day}&start=09:00")
    )
    assert "이변호" in html and "14:00–17:00" in html


def test_web_import_restarts_a_weekly_slot_whose_validity_ended(client, login, db, clock):
    clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    login("coordinator")
    client.post("/rosters/import/apply", data={"csv_text": CSV})
    ended = db.scalar(select(WeeklyShift).where(WeeklyShift.weekday == 0))
    ended.valid_until = date(2026, 6, 30)
    db.commit()
    client.post("/rosters/import/apply", data={"csv_text": CSV})
    ranges = db.execute(
        select(WeeklyShift.valid_from, WeeklyShift.valid_until)
        .where(WeeklyShift.weekday == 0)
        .order_by(WeeklyShift.id)
    ).all()
    assert ranges == [(None, date(2026, 6, 30)), (date(2026, 11, 25), None)]
