"""The coordinators' page that closes a field or the whole line now, and reopens it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from callcenter.models import AuditEvent, LineClosure
from tests.ivr_support import TUESDAY_AFTERNOON


def close_form(fields, **values):
    """Return the form that closes the legal field until 15:30 for an emergency."""
    form = {
        "field": str(fields["legal"].id),
        "reason": "emergency",
        "note": "",
        "until": "2027-03-02T15:30",
    }
    form.update(values)
    return form


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("coordinator", 200)])
def test_coordinators_and_admins_open_the_page(client, login, clock, role, status):
    login(role)
    assert client.get("/line/closures").status_code == status


def test_counselors_may_not_open_the_page(client, login, clock, on_shift):
    login("counselor", counselor=on_shift("legal"))
    assert client.get("/line/closures").status_code == 403


def test_counselors_may_not_close_the_line(client, login, clock, db, fields, on_shift):
    login("counselor", counselor=on_shift("legal"))
    assert client.post("/line/closures", data=close_form(fields)).status_code == 403
    assert db.scalar(select(LineClosure)) is None


def test_anonymous_visitors_are_sent_to_sign_in(client, clock):
    response = client.get("/line/closures")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_coordinator_closes_a_field_until_a_time(client, login, clock, db, fields):
    login("coordinator")
    response = client.post("/line/closures", data=close_form(fields, note="정전"))
    assert response.status_code == 302
    closure = db.scalar(select(LineClosure))
    assert closure.field_id == fields["legal"].id
    assert (closure.reason, closure.note) == ("emergency", "정전")
    assert closure.starts_at == TUESDAY_AFTERNOON
    assert closure.ends_at == TUESDAY_AFTERNOON + timedelta(hours=1)
    page = client.get("/line/closures").get_data(as_text=True)
    assert "긴급 상황" in page and "닫혀 있음" in page and "2027-03-02 15:30" in page


def test_coordinator_closes_the_whole_line(client, login, clock, db, fields):
    login("coordinator")
    client.post("/line/closures", data=close_form(fields, field="all", reason="weather"))
    closure = db.scalar(select(LineClosure))
    assert closure.field_id is None and closure.reason == "weather"
    assert "상담 전화 전체" in client.get("/line/closures").get_data(as_text=True)


def test_closing_until_a_past_time_is_refused(client, login, clock, db, fields):
    login("coordinator")
    response = client.post("/line/closures", data=close_form(fields, until="2027-03-02T14:00"))
    assert response.status_code == 422
    assert "다시 여는 시각은 지금보다 뒤여야 합니다." in response.get_data(as_text=True)
    assert db.scalar(select(LineClosure)) is None


def test_closing_for_longer_than_two_weeks_is_refused(client, login, clock, db, fields):
    login("coordinator")
    response = client.post("/line/closures", data=close_form(fields, until="2027-03-20T09:00"))
    assert response.status_code == 422
    assert db.scalar(select(LineClosure)) is None


def test_unknown_reason_is_refused(client, login, clock, db, fields):
    login("coordinator")
    response = client.post("/line/closures", data=close_form(fields, reason="holiday"))
    assert response.status_code == 422
    assert db.scalar(select(LineClosure)) is None


def test_coordinator_reopens_early(client, login, clock, db, fields):
    login("coordinator")
    client.post("/line/closures", data=close_form(fields))
    closure = db.scalar(select(LineClosure))
    clock.now = TUESDAY_AFTERNOON + timedelta(minutes=20)
    response = client.post(f"/line/closures/{closure.id}/reopen")
    assert response.status_code == 302
    db.refresh(closure)
    assert closure.ends_at == clock.now and closure.reopened_at == clock.now
    assert "일찍 다시 엶" in client.get("/line/closures").get_data(as_text=True)


def test_closing_and_reopening_are_audited(client, login, clock, db, fields):
    user = login("coordinator")
    client.post("/line/closures", data=close_form(fields))
    closure = db.scalar(select(LineClosure))
    clock.now = TUESDAY_AFTERNOON + timedelta(minutes=20)
    client.post(f"/line/closures/{closure.id}/reopen")
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "line_closure").order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.user_id, e.object_id) for e in events] == [
        ("create", user.id, closure.id),
        ("edit", user.id, closure.id),
    ]
    assert events[0].detail == {
        "field": "legal",
        "closure_reason": "emergency",
        "until": "2027-03-02 15:30",
    }
    assert events[1].detail == {"field": "legal", "reopened": True}


def test_the_page_sits_in_the_phone_line_menu(client, login, clock):
    login("coordinator")
    page = client.get("/line/closures").get_data(as_text=True)
    assert 'href="/line/closures"' in page
