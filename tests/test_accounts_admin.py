"""Changing one's password, and admins managing accounts."""

import re

from sqlalchemy import select

from callcenter.accounts import verify_password
from callcenter.models import AuditEvent, User
from tests import backoffice_data as data
from tests.conftest import DEFAULT_PASSWORD


def test_user_changes_their_password(client, login, db):
    user = login("coordinator")
    response = client.post(
        "/account/password",
        data={
            "current": DEFAULT_PASSWORD,
            "new": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert response.status_code == 302
    db.refresh(user)
    assert verify_password(user, "a brand new secret")


def test_password_change_needs_the_current_password(client, login, db):
    user = login("coordinator")
    response = client.post(
        "/account/password",
        data={
            "current": "not my password",
            "new": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert response.status_code == 422
    assert "지금 비밀번호가 맞지 않습니다" in response.get_data(as_text=True)
    db.refresh(user)
    assert verify_password(user, DEFAULT_PASSWORD)


def test_short_new_password_is_refused(client, login):
    login("coordinator")
    response = client.post(
        "/account/password", data={"current": DEFAULT_PASSWORD, "new": "short", "confirm": "short"}
    )
    assert "10자 이상" in response.get_data(as_text=True)


def test_admin_creates_a_counselor_account_linked_to_a_counselor(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "kim@example.org",
            "password": "first password!",
            "role": "counselor",
            "counselor": str(kim.id),
            "active": "y",
        },
    )
    assert response.status_code == 302
    user = db.scalars(select(User).where(User.email == "kim@example.org")).one()
    assert user.counselor_id == kim.id and user.role == "counselor"


def test_counselor_account_without_a_counselor_is_refused(client, login, db):
    login("admin")
    response = client.post(
        "/admin/users/new",
        data={"email": "x@example.org", "password": "first password!", "role": "counselor"},
    )
    assert response.status_code == 422
    assert 'value="x@example.org"' in response.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client, login, make_user, db):
    target = make_user("coordinator")
    login("admin")
    response = client.post(f"/admin/users/{target.id}", data={"role": "coordinator"})
    assert response.status_code == 302
    db.refresh(target)
    assert target.active is False
    client.post("/auth/logout")
    attempt = client.post("/auth/login", data={"email": target.email, "password": DEFAULT_PASSWORD})
    assert attempt.status_code == 401


def test_admin_resets_a_password_shown_once_and_audited(client, login, make_user, db):
    target = make_user("coordinator")
    admin = login("admin")
    page = client.post(f"/admin/users/{target.id}/reset-password").get_data(as_text=True)
    password = re.search(r'<code id="new-password">([^<]+)</code>', page).group(1)
    db.refresh(target)
    assert verify_password(target, password)
    event = db.scalars(select(AuditEvent)).one()
    assert (event.user_id, event.object_id, event.action) == (admin.id, target.id, "account")


def test_the_last_admin_cannot_demote_themselves(client, login, db):
    admin = login("admin")
    response = client.post(f"/admin/users/{admin.id}", data={"role": "coordinator", "active": "y"})
    assert response.status_code == 422
    db.refresh(admin)
    assert admin.role == "admin"


def test_admin_filters_the_audit_log_by_action(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    item = data.consultation(db, fields["legal"], kim)
    db.commit()
    login("coordinator")
    client.get(f"/consultations/{item.id}")
    client.post(f"/consultations/{item.id}/reveal")
    client.post("/auth/logout")
    login("admin")
    page = client.get("/audit?action=reveal").get_data(as_text=True)
    assert "reveal" in page and "<td>view</td>" not in page


def test_a_deactivated_account_is_signed_out_of_its_open_session(app, client, login, db):
    user = login("coordinator")
    assert client.get("/consultations").status_code == 200
    user.active = False
    db.commit()
    response = client.get("/consultations")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_password_reset_signs_out_the_accounts_other_sessions(app, client, login, db):
    user = login("coordinator")
    assert client.get("/").status_code == 200
    from callcenter.accounts import reset_password

    reset_password(db, user)
    db.commit()
    assert client.get("/consultations").status_code == 302


def test_changing_ones_own_password_keeps_one_signed_in(client, login):
    login("coordinator")
    client.post(
        "/account/password",
        data={
            "current": DEFAULT_PASSWORD,
            "new": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert client.get("/consultations").status_code == 200
