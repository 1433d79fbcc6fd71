"""Linking a sign-in account to a counselor: an admin's action, never taking a held link."""

from __future__ import annotations

from sqlalchemy import select

from callcenter.models import AuditEvent, User
from tests import backoffice_data as data


def counselor_form(counselor, fields, **extra) -> dict:  # type: ignore[no-untyped-def]
    """Return the counselor form as saved unchanged, plus `extra` fields."""
    return {
        "name": counselor.name,
        "phone": "010-" + counselor.phone[5:9] + "-" + counselor.phone[9:],
        "field_ids": [fields["legal"].id],
        "active": "on",
        **extra,
    }


def linked_counselor(db, account: User) -> int | None:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.get(User, account.id).counselor_id


def test_a_coordinator_cannot_take_another_counselors_account(client, login, fields, db, make_user):
    kim = data.counselor(db, "김변호", "+821012345678", fields["legal"])
    lee = data.counselor(db, "이변호", "+821012345679", fields["legal"])
    account = make_user("counselor", counselor=lee)
    login("coordinator")
    response = client.post(
        f"/rosters/counselors/{kim.id}", data=counselor_form(kim, fields, account_id=account.id)
    )
    assert response.status_code == 422
    assert linked_counselor(db, account) == lee.id


def test_a_coordinator_cannot_link_even_a_free_account(client, login, fields, db, make_user):
    kim = data.counselor(db, "김변호", "+821012345678", fields["legal"])
    account = make_user("counselor", counselor=data.counselor(db, "박", "+821012340000"))
    account.counselor_id = None
    db.commit()
    login("coordinator")
    response = client.post(
        f"/rosters/counselors/{kim.id}", data=counselor_form(kim, fields, account_id=account.id)
    )
    assert "관리자만" in response.get_data(as_text=True)
    assert linked_counselor(db, account) is None


def test_a_coordinator_saving_a_counselor_keeps_its_account_link(
    client, login, fields, db, make_user
):
    kim = data.counselor(db, "김변호", "+821012345678", fields["legal"])
    account = make_user("counselor", counselor=kim)
    login("coordinator")
    response = client.post(f"/rosters/counselors/{kim.id}", data=counselor_form(kim, fields))
    assert response.status_code == 302
    assert linked_counselor(db, account) == kim.id


def test_the_coordinators_counselor_form_has_no_account_picker(client, login, fields, db):
    kim = data.counselor(db, "김변호", "+821012345678", fields["legal"])
    db.commit()
    login("coordinator")
    page = client.get(f"/rosters/counselors/{kim.id}").get_data(as_text=True)
    assert 'name="account_id"' not in page


def test_an_admin_cannot_take_an_account_linked_to_another_counselor(
    client, login, fields, db, make_user
):
    kim = data.counselor(db, "김변호", "+821012345678", fields["legal"])
    lee = data.counselor(db, "이변호", "+821012345679", fields["legal"])
    account = make_user("counselor", counselor=lee)
    login("admin")
    response = client.post(
        f"/rosters/counselors/{kim.id}", data=counselor_form(kim, fields, account_id=account.id)
    )
    assert response.status_code == 422
    assert "다른 상담위원과 연결" in response.get_data(as_text=True)
    assert linked_counselor(db, account) == lee.id


def test_an_admin_links_a_free_account_and_the_link_is_audited(
    client, login, fields, db, make_user
):
    kim = data.counselor(db, "김변호", "+821012345678", fields["legal"])
    account = make_user("counselor", counselor=data.counselor(db, "박", "+821012340000"))
    account.counselor_id = None
    db.commit()
    admin = login("admin")
    response = client.post(
        f"/rosters/counselors/{kim.id}", data=counselor_form(kim, fields, account_id=account.id)
    )
    assert response.status_code == 302
    assert linked_counselor(db, account) == kim.id
    event = db.scalars(select(AuditEvent).where(AuditEvent.object_id == account.id)).one()
    assert (event.user_id, event.action, event.detail) == (
        admin.id,
        "account",
        {"change": "linked", "counselor": kim.id},
    )


def test_an_admin_cannot_give_a_counselor_a_second_account(client, login, fields, db, make_user):
    kim = data.counselor(db, "김변호", "+821012345678", fields["legal"])
    make_user("counselor", counselor=kim)
    second = make_user("coordinator")
    login("admin")
    response = client.post(
        f"/admin/users/{second.id}",
        data={"role": "coordinator", "counselor": str(kim.id), "active": "y"},
    )
    assert response.status_code == 422
    assert linked_counselor(db, second) is None


def test_an_admin_moving_an_account_to_another_counselor_is_audited(
    client, login, fields, db, make_user
):
    kim = data.counselor(db, "김변호", "+821012345678", fields["legal"])
    lee = data.counselor(db, "이변호", "+821012345679", fields["legal"])
    account = make_user("counselor", counselor=kim)
    login("admin")
    response = client.post(
        f"/admin/users/{account.id}",
        data={"role": "counselor", "counselor": str(lee.id), "active": "y"},
    )
    assert response.status_code == 302
    changes = [e.detail.get("change") for e in db.scalars(select(AuditEvent))]
    assert "linked" in changes and linked_counselor(db, account) == lee.id
