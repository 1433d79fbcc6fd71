"""The app factory, configuration and the start page."""

import logging

import pytest
from twilio.request_validator import RequestValidator

from callcenter import create_app
from callcenter.config import load_config
from callcenter.logs import ContextFilter


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production")


def test_production_starts_with_a_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "a-real-twilio-token")
    app = create_app("production")
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_creating_the_app_never_touches_the_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_sandbox_mode_without_account_sid(monkeypatch):
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    assert create_app("development").config["SANDBOX"] is True


def test_unknown_environment_name_is_refused():
    with pytest.raises(RuntimeError, match="CALLCENTER_ENV"):
        load_config("staging")


def test_start_page_lists_the_default_fields(client, login):
    login("coordinator")
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("법률", "건축", "세무", "노무"):
        assert name in page


def test_html_pages_carry_the_security_headers(client):
    response = client.get("/auth/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_twiml_answers_skip_the_html_page_policies(app, client):
    form = {"CallSid": "CAheaders", "From": "+821055551234"}
    url = "http://localhost/ivr/fallback"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, form)
    response = client.post("/ivr/fallback", data=form, headers={"X-Twilio-Signature": signature})
    assert response.mimetype == "text/xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers


def test_log_records_carry_the_proxy_request_id(app):
    with app.test_request_context("/", headers={"X-Request-Id": "edge-42"}):
        record = logging.makeLogRecord({"msg": "hello"})
        ContextFilter().filter(record)
    assert record.request_id == "edge-42"


def test_log_records_of_one_request_share_a_new_request_id(app):
    with app.test_request_context("/"):
        first, second = logging.makeLogRecord({}), logging.makeLogRecord({})
        ContextFilter().filter(first)
        ContextFilter().filter(second)
    with app.test_request_context("/"):
        other = logging.makeLogRecord({})
        ContextFilter().filter(other)
    assert len(first.request_id) == 16
    assert first.request_id == second.request_id != other.request_id


def test_not_found_page_is_korean_and_leads_staff_home(client, login):
    login("coordinator")
    page = client.get("/no-such-page").get_data(as_text=True)
    assert "페이지를 찾을 수 없습니다" in page and "Not Found" not in page
    assert '<a class="back" href="/">처음 화면으로</a>' in page


def test_not_found_page_speaks_english_when_chosen(client, login):
    login("coordinator")
    page = client.get("/no-such-page?lang=en").get_data(as_text=True)
    assert "Page not found" in page and "To the start page" in page


def test_a_visitor_who_is_not_signed_in_is_led_to_sign_in(client):
    page = client.get("/no-such-page").get_data(as_text=True)
    assert 'href="/auth/login">로그인 화면으로</a>' in page


def test_citizens_error_pages_lead_to_the_public_status_page(client):
    response = client.get("/status/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'href="/status">실시간 상담 현황으로</a>' in page
    assert "/auth/login" not in page


def test_forbidden_page_is_korean(client, login, db, fields):
    from tests import backoffice_data as data

    login("counselor", counselor=data.counselor(db, "김변호", "+821011112222", fields["legal"]))
    response = client.get("/calls")
    assert response.status_code == 403
    assert "이 페이지를 볼 권한이 없습니다" in response.get_data(as_text=True)


@pytest.fixture
def broken_start_page(monkeypatch):
    """Make the start page fail as a bug would."""
    import callcenter.backoffice.home

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(callcenter.backoffice.home, "coordinator_start", broken)


def test_server_error_page_is_korean_and_leads_home(client, login, broken_start_page):
    login("coordinator")
    response = client.get("/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "문제가 생겼습니다" in page and '<a class="back" href="/">처음 화면으로</a>' in page


def test_server_error_page_speaks_english_when_chosen(client, login, broken_start_page):
    login("coordinator")
    page = client.get("/?lang=en").get_data(as_text=True)
    assert "Something went wrong" in page and "To the start page" in page
