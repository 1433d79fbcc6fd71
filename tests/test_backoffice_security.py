"""CSRF on every form, session cookie flags and security headers."""

import re

import pytest
from sqlalchemy import select

from callcenter import create_app
from callcenter.extensions import db as _db
from callcenter.models import BlockedNumber, PromptOverride
from ivr.calls import block_number
from tests import backoffice_data as data
from tests.conftest import DEFAULT_PASSWORD


@pytest.fixture
def csrf_client(app, db):
    """A client of an app with CSRF protection on, over the same database."""
    guarded = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        WTF_CSRF_ENABLED=True,
    )
    with guarded.app_context():
        yield guarded.test_client()
        _db.session.remove()


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def _sign_in(client, user) -> None:  # type: ignore[no-untyped-def]
    token = _token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


def test_sign_in_without_a_csrf_token_is_refused(csrf_client, make_user):
    user = make_user("coordinator")
    response = csrf_client.post(
        "/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400


def test_reveal_without_a_csrf_token_is_refused(csrf_client, make_user, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    item = data.consultation(db, fields["legal"], kim)
    db.commit()
    _sign_in(csrf_client, make_user("coordinator"))
    assert csrf_client.post(f"/consultations/{item.id}/reveal").status_code == 400
    page = csrf_client.get(f"/consultations/{item.id}").get_data(as_text=True)
    response = csrf_client.post(
        f"/consultations/{item.id}/reveal", data={"csrf_token": _token(page)}
    )
    assert response.status_code == 200


def test_consultation_edit_without_a_csrf_token_changes_nothing(csrf_client, make_user, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    item = data.consultation(db, fields["legal"], kim)
    db.commit()
    _sign_in(csrf_client, make_user("coordinator"))
    response = csrf_client.post(
        f"/consultations/{item.id}/edit",
        data={"outcome": "advice", "summary": "위조 요청", "version": "1"},
    )
    assert response.status_code == 400
    db.expire_all()
    assert db.get(type(item), item.id).summary is None


def test_claiming_a_callback_without_a_csrf_token_is_refused(csrf_client, make_user, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"])
    db.commit()
    _sign_in(csrf_client, make_user("counselor", counselor=kim))
    assert csrf_client.post(f"/callbacks/{request.id}/claim").status_code == 400


def test_blocking_a_number_without_a_csrf_token_is_refused(csrf_client, make_user, db):
    _sign_in(csrf_client, make_user("coordinator"))
    response = csrf_client.post("/line/blocklist", data={"number": "010-5555-1234"})
    assert response.status_code == 400
    assert db.scalars(select(BlockedNumber)).all() == []


def test_unblocking_without_a_csrf_token_is_refused(csrf_client, make_user, db):
    blocked = block_number(db, "010-5555-1234")
    db.commit()
    _sign_in(csrf_client, make_user("coordinator"))
    assert csrf_client.post(f"/line/blocklist/{blocked.id}/remove").status_code == 400
    page = csrf_client.get("/line/blocklist").get_data(as_text=True)
    response = csrf_client.post(
        f"/line/blocklist/{blocked.id}/remove", data={"csrf_token": _token(page)}
    )
    assert response.status_code == 302
    assert db.scalars(select(BlockedNumber)).all() == []


def test_rewording_the_line_without_a_csrf_token_is_refused(csrf_client, make_user, db):
    _sign_in(csrf_client, make_user("coordinator"))
    response = csrf_client.post("/line/prompts/greeting/ko", data={"text": "위조된 인사"})
    assert response.status_code == 400
    assert db.scalars(select(PromptOverride)).all() == []


def test_resetting_wording_without_a_csrf_token_is_refused(csrf_client, make_user, db):
    db.add(PromptOverride(key="greeting", language="ko", text="의정부시 상담 전화입니다."))
    db.commit()
    _sign_in(csrf_client, make_user("coordinator"))
    assert csrf_client.post("/line/prompts/greeting/ko/reset").status_code == 400
    assert len(db.scalars(select(PromptOverride)).all()) == 1


def test_pages_carry_security_headers_and_are_not_cached(client, login):
    login("coordinator")
    response = client.get("/consultations")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_http_only_and_same_site(client, make_user):
    user = make_user("coordinator")
    response = client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_session_cookie_is_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "a-real-twilio-token")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
