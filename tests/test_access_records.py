"""Access records: protected from edits, kept two years at least, reviewed every month."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from callcenter.access_review import by_month_label, review
from callcenter.config import AUDIT_RETENTION_FLOOR_DAYS, load_config
from callcenter.models import AuditEvent, utcnow
from schedules.retention import purge_personal_data
from tests.ivr_support import SEOUL

MARCH = datetime(2027, 3, 10, 2, 0, tzinfo=UTC)  # 11:00 in Seoul


def event(db, user, action="reveal", at=MARCH, **detail):  # type: ignore[no-untyped-def]
    db.add(
        AuditEvent(
            at=at,
            user_id=user.id if user else None,
            action=action,
            object_type="consultation",
            object_id=1,
            detail=detail or None,
        )
    )


def test_an_audit_event_cannot_be_changed(db):
    db.add(AuditEvent(at=utcnow(), action="reveal", object_type="consultation", object_id=1))
    db.commit()
    with pytest.raises(DBAPIError):
        db.execute(update(AuditEvent).values(object_id=2))
        db.commit()
    db.rollback()
    assert db.scalar(select(AuditEvent.object_id)) == 1


def test_an_audit_event_younger_than_two_years_cannot_be_deleted(db):
    db.add(AuditEvent(at=utcnow() - timedelta(days=700), action="reveal"))
    db.commit()
    with pytest.raises(DBAPIError):
        db.execute(delete(AuditEvent))
        db.commit()
    db.rollback()
    assert len(db.scalars(select(AuditEvent)).all()) == 1


def test_retention_purges_only_access_records_older_than_their_period(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 800)
    now = utcnow()
    db.add(AuditEvent(at=now - timedelta(days=801), action="reveal"))
    db.add(AuditEvent(at=now - timedelta(days=799), action="reveal"))
    db.commit()
    assert purge_personal_data(db, now)["audit_events"] == 1
    db.commit()
    ages = sorted((now - e.at).days for e in db.scalars(select(AuditEvent)))
    assert ages == [0, 799]  # the run's own purge entry, and the younger event


def test_audit_retention_is_never_set_below_the_legal_floor(monkeypatch):
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "90")
    assert load_config("testing").AUDIT_RETENTION_DAYS == AUDIT_RETENTION_FLOOR_DAYS


def test_review_counts_each_accounts_accesses_of_the_month(db, make_user):
    kim = make_user("coordinator", email="kim@city.go.kr")
    for action in ("view", "view", "reveal", "play"):
        event(db, kim, action)
    event(db, kim, "view", at=MARCH + timedelta(days=30))  # April
    db.commit()
    (account,) = review(db, date(2027, 3, 1), SEOUL).accounts
    assert account.email == "kim@city.go.kr"
    assert dict(account.counts) == {"view": 2, "reveal": 1, "play": 1}
    assert account.flags == []


def test_review_highlights_night_accesses_and_personal_exports(db, make_user):
    lee = make_user("coordinator")
    event(db, lee, "reveal", at=datetime(2027, 3, 10, 14, 30, tzinfo=UTC))  # 23:30 in Seoul
    event(db, lee, "export", personal=True, reason="민원 회신")
    db.commit()
    found = review(db, date(2027, 3, 1), SEOUL)
    assert found.accounts[0].flags == ["야간 접근", "개인정보 전체 내보내기"]
    assert [e.detail["reason"] for e in found.exports] == ["민원 회신"]


def test_review_highlights_an_account_far_above_its_colleagues(db, make_user):
    busy, usual = make_user("coordinator"), make_user("coordinator")
    for n in range(320):
        event(db, busy, "view", at=MARCH + timedelta(hours=n % 200, minutes=n % 7))
    for n in range(20):
        event(db, usual, "view", at=MARCH + timedelta(days=n % 10))
    db.commit()
    flags = {a.user_id: a.flags for a in review(db, date(2027, 3, 1), SEOUL).accounts}
    assert "동료보다 훨씬 많은 접근" in flags[busy.id]
    assert flags[usual.id] == []


def test_review_page_is_for_admins_only(client, login):
    login("coordinator")
    assert client.get("/audit/review?month=2027-03").status_code == 403


def test_admin_records_the_months_review_with_a_note(client, login, db):
    admin = login("admin")
    response = client.post("/audit/review", data={"month": "2027-03", "note": "야간 접근 없음"})
    assert response.status_code == 302
    recorded = db.scalars(select(AuditEvent).where(AuditEvent.action == "review")).one()
    assert recorded.user_id == admin.id
    assert recorded.detail == {"month": "2027-03", "note": "야간 접근 없음"}
    page = client.get("/audit/review?month=2027-03").get_data(as_text=True)
    assert "야간 접근 없음" in page


def test_review_page_lists_exports_with_their_reasons(client, login, db, make_user):
    kim = make_user("coordinator", email="kim@city.go.kr")
    event(db, kim, "export", reason="시 감사 자료 제출")
    db.commit()
    login("admin")
    page = client.get("/audit/review?month=2027-03").get_data(as_text=True)
    assert "kim@city.go.kr" in page and "시 감사 자료 제출" in page


def test_review_report_asks_a_reason_then_downloads_csv(client, login, db, make_user):
    kim = make_user("coordinator", email="kim@city.go.kr")
    event(db, kim, "reveal")
    db.commit()
    login("admin")
    assert 'name="reason"' in client.get("/audit/review.csv?month=2027-03").get_data(as_text=True)
    response = client.get("/audit/review.csv?month=2027-03&reason=월간 점검 보관")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "계정"
    assert rows[1][:4] == ["kim@city.go.kr", "coordinator", "0", "1"]
    exported = db.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "access_records")
    ).one()
    assert exported.detail["reason"] == "월간 점검 보관"


def test_the_review_opens_on_the_previous_month():
    assert by_month_label(None, date(2027, 1, 15)) == date(2026, 12, 1)
    assert by_month_label("2027-03", date(2027, 5, 1)) == date(2027, 3, 1)


def test_review_page_speaks_english_when_asked(client, login):
    login("admin")
    page = client.get("/audit/review?month=2027-03&lang=en").get_data(as_text=True)
    assert "Access record review" in page
    assert "This month's review has not been recorded yet." in page
