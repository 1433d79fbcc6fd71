"""Server-side sessions: sign-out, password changes, resets, deactivation and time end them."""

from __future__ import annotations

from datetime import timedelta

from flask import g
from sqlalchemy import select, update

from callcenter.config import Config
from callcenter.models import UserSession, utcnow
from tests.conftest import DEFAULT_PASSWORD

NEW_PASSWORD = "a brand new secret"


def sign_in(client, user, password: str = DEFAULT_PASSWORD) -> str:  # type: ignore[no-untyped-def]
    """Sign a client in and return the session cookie the sign-in answer set."""
    response = client.post("/auth/login", data={"email": user.email, "password": password})
    assert response.status_code == 302
    return client.get_cookie("session").value


def signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    """Whether the client's cookie opens a back-office page."""
    # The test's app context is shared by every client's requests: forget who the previous
    # request loaded, as a real request (with its own context) would.
    g.pop("_login_user", None)
    return client.get("/consultations").status_code == 200


def with_cookie(app, cookie: str):  # type: ignore[no-untyped-def]
    """Return a new browser holding a copy of a session cookie."""
    browser = app.test_client()
    browser.set_cookie("session", cookie)
    return browser


def change_password(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/account/password",
        data={"current": DEFAULT_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302


def age_sessions(db, **changes) -> None:  # type: ignore[no-untyped-def]
    """Move every session's clock back, as if time had passed."""
    now = utcnow()
    db.execute(update(UserSession).values({k: now - v for k, v in changes.items()}))
    db.commit()


def test_a_cookie_copied_before_sign_out_no_longer_signs_in(app, client, make_user):
    cookie = sign_in(client, make_user("coordinator"))
    client.post("/auth/logout")
    assert not signed_in(with_cookie(app, cookie))


def test_sign_out_ends_the_session_on_the_server(client, make_user, db):
    sign_in(client, make_user("coordinator"))
    client.post("/auth/logout")
    row = db.scalars(select(UserSession)).one()
    assert row.ended_at is not None and row.end_reason == "logout"


def test_the_sign_in_answers_cookie_ends_when_the_password_changes(app, client, make_user):
    cookie = sign_in(client, make_user("coordinator"))
    assert signed_in(client)
    change_password(client)
    assert not signed_in(with_cookie(app, cookie))


def test_the_browser_that_changed_the_password_stays_signed_in(client, make_user):
    sign_in(client, make_user("coordinator"))
    change_password(client)
    assert signed_in(client)


def test_a_password_change_signs_out_the_accounts_other_browsers(app, client, make_user):
    user = make_user("coordinator")
    other = app.test_client()
    sign_in(other, user)
    sign_in(client, user)
    change_password(client)
    assert not signed_in(other)


def test_an_admin_reset_ends_every_session_of_the_account(app, client, login, make_user):
    target = make_user("coordinator")
    browser = app.test_client()
    sign_in(browser, target)
    login("admin")
    assert client.post(f"/admin/users/{target.id}/reset-password").status_code == 200
    assert not signed_in(browser)


def test_deactivating_an_account_ends_its_sessions(app, client, login, make_user, db):
    target = make_user("coordinator")
    sign_in(app.test_client(), target)
    login("admin")
    client.post(f"/admin/users/{target.id}", data={"role": "coordinator"})
    row = db.scalars(select(UserSession).where(UserSession.user_id == target.id)).one()
    assert row.end_reason == "deactivated"


def test_a_session_idle_longer_than_the_timeout_ends(client, make_user, db):
    sign_in(client, make_user("coordinator"))
    age_sessions(db, last_seen_at=timedelta(minutes=31))
    assert not signed_in(client)


def test_a_session_used_within_the_timeout_stays(client, make_user, db):
    sign_in(client, make_user("coordinator"))
    age_sessions(db, last_seen_at=timedelta(minutes=29))
    assert signed_in(client)


def test_a_longer_configured_idle_timeout_keeps_an_idle_session(
    app, client, make_user, db, monkeypatch
):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 60)
    sign_in(client, make_user("coordinator"))
    age_sessions(db, last_seen_at=timedelta(minutes=31))
    assert signed_in(client)


def test_each_request_moves_the_idle_clock(client, make_user, db):
    sign_in(client, make_user("coordinator"))
    age_sessions(db, last_seen_at=timedelta(minutes=20))
    assert signed_in(client)
    age_sessions(db, last_seen_at=timedelta(minutes=20))  # 40 minutes after sign-in
    assert signed_in(client)


def test_a_session_older_than_its_lifetime_ends_even_when_in_use(client, make_user, db):
    sign_in(client, make_user("coordinator"))
    age_sessions(db, created_at=timedelta(hours=12, minutes=1), last_seen_at=timedelta(0))
    assert not signed_in(client)


def test_a_cookie_naming_a_user_without_a_server_session_signs_nobody_in(client, make_user):
    user = make_user("admin")
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(user.id)
        cookie["_fresh"] = True
    assert client.get("/admin/users").status_code == 302


def test_session_timeouts_default_to_30_minutes_idle_and_12_hours(monkeypatch):
    monkeypatch.delenv("SESSION_IDLE_MINUTES", raising=False)
    monkeypatch.delenv("SESSION_LIFETIME_HOURS", raising=False)
    config = Config()
    assert (config.SESSION_IDLE_MINUTES, config.SESSION_LIFETIME_HOURS) == (30, 12)


def test_session_timeouts_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("SESSION_LIFETIME_HOURS", "8")
    config = Config()
    assert (config.SESSION_IDLE_MINUTES, config.SESSION_LIFETIME_HOURS) == (15, 8)
