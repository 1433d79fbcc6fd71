"""Who may open which back-office page and take which action."""

import pytest

from tests import backoffice_data as data

PAGES = {
    # path template: roles allowed (others get 403)
    "/": {"admin", "coordinator", "counselor"},
    "/consultations": {"admin", "coordinator", "counselor"},
    "/consultations/new": {"admin", "coordinator", "counselor"},
    "/consultations/export.csv": {"admin", "coordinator"},
    "/consultations/export.xlsx": {"admin", "coordinator"},
    "/callbacks": {"admin", "coordinator", "counselor"},
    "/voicemails": {"admin", "coordinator", "counselor"},
    "/calls": {"admin", "coordinator"},
    "/calls/{call}": {"admin", "coordinator"},
    "/fields/{field}/categories": {"admin", "coordinator"},
    "/outbox": {"admin", "coordinator"},
    "/line/blocklist": {"admin", "coordinator"},
    "/line/closures": {"admin", "coordinator"},
    "/line/prompts": {"admin", "coordinator"},
    "/line/prompts/greeting/ko": {"admin", "coordinator"},
    "/admin/users": {"admin"},
    "/admin/users/new": {"admin"},
    "/audit": {"admin"},
    "/audit/review": {"admin"},
    "/account/password": {"admin", "coordinator", "counselor"},
}
ROLES = ("admin", "coordinator", "counselor")


@pytest.fixture
def world(db, fields):
    """A counselor of the legal field with a consultation, a call and a voicemail."""
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    call = data.call(db, fields["legal"])
    db.commit()
    return {"counselor": kim, "call": call, "field": fields["legal"]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_role_opens_only_its_pages(client, login, world, role, path):
    login(role, counselor=world["counselor"] if role == "counselor" else None)
    url = path.format(call=world["call"].id, field=world["field"].id)
    status = client.get(url).status_code
    if role in PAGES[path]:
        assert status == 200, url
    else:
        assert status == 403, url


@pytest.mark.parametrize("path", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(client, world, path):
    url = path.format(call=world["call"].id, field=world["field"].id)
    response = client.get(url)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_counselor_cannot_open_another_counselors_consultation_by_url(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lee = data.counselor(db, "이변호", "+821033334444", fields["legal"])
    theirs = data.consultation(db, fields["legal"], lee, summary="전세 보증금 반환")
    db.commit()
    login("counselor", counselor=kim)
    assert client.get(f"/consultations/{theirs.id}").status_code == 403
    assert client.get(f"/consultations/{theirs.id}/edit").status_code == 403
    assert client.post(f"/consultations/{theirs.id}/reveal").status_code == 403
    edit = client.post(
        f"/consultations/{theirs.id}/edit",
        data={"outcome": "advice", "summary": "덮어쓰기", "version": "1"},
    )
    assert edit.status_code == 403


def test_counselor_list_shows_only_their_own_consultations(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lee = data.counselor(db, "이변호", "+821033334444", fields["legal"])
    data.consultation(db, fields["legal"], kim, citizen_phone="+821012341111")
    data.consultation(db, fields["legal"], lee, citizen_phone="+821012342222")
    db.commit()
    login("counselor", counselor=kim)
    page = client.get("/consultations").get_data(as_text=True)
    assert "1111" in page
    assert "2222" not in page


def test_counselor_sees_own_consultation(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    mine = data.consultation(db, fields["legal"], kim)
    db.commit()
    login("counselor", counselor=kim)
    assert client.get(f"/consultations/{mine.id}").status_code == 200


def test_admin_may_see_a_consultation_and_reveal_the_number(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    item = data.consultation(db, fields["legal"], kim, citizen_phone="+821098765432")
    db.commit()
    login("admin")
    assert client.get(f"/consultations/{item.id}").status_code == 200
    revealed = client.post(f"/consultations/{item.id}/reveal")
    assert revealed.status_code == 200 and "010-9876-5432" in revealed.get_data(as_text=True)


# "Coordinator" has one meaning: User.is_coordinator, which admins have as well.


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", True), ("coordinator", True), ("counselor", False)]
)
def test_admins_and_coordinators_are_coordinators(role, expected):
    from callcenter.models import User

    assert User(role=role).is_coordinator is expected


def test_admins_hold_every_right_a_coordinator_holds(db, fields, make_user):
    from sqlalchemy import select

    from callcenter import privacy
    from callcenter.models import Consultation

    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lee = data.counselor(db, "이변호", "+821033334444", fields["tax"])
    item = data.consultation(db, fields["legal"], kim)
    claimed = data.callback(db, fields["tax"], status="claimed", claimed_by_id=lee.id)
    message = data.voicemail(db, fields["tax"], assigned_to_id=lee.id, status="assigned")
    db.commit()

    def rights(user):  # type: ignore[no-untyped-def]
        return (
            privacy.may_view_consultation(user, item),
            privacy.may_edit_consultation(user, item),
            privacy.may_reveal_consultation(user, item),
            privacy.may_handle_callback(user, claimed),
            privacy.may_handle_voicemail(user, message),
            db.scalars(select(Consultation.id).where(privacy.consultation_scope(user))).all(),
        )

    coordinator_rights = rights(make_user("coordinator"))
    assert coordinator_rights == (True, True, True, True, True, [item.id])
    assert rights(make_user("admin")) == coordinator_rights


def test_admins_see_the_coordinators_menu(client, login):
    login("admin")
    page = client.get("/").get_data(as_text=True)
    for label in ("근무표", "통화 기록", "안내 문구", "통계", "계정"):
        assert label in page


def test_counselor_cannot_claim_a_callback_of_another_field(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    other = data.callback(db, fields["tax"])
    db.commit()
    login("counselor", counselor=kim)
    assert client.post(f"/callbacks/{other.id}/claim").status_code == 403


def test_counselor_cannot_call_back_a_request_claimed_by_someone_else(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lee = data.counselor(db, "이변호", "+821033334444", fields["legal"])
    taken = data.callback(db, fields["legal"], status="claimed", claimed_by_id=lee.id)
    db.commit()
    login("counselor", counselor=kim)
    assert client.post(f"/callbacks/{taken.id}/call").status_code == 403
    assert (
        client.post(f"/callbacks/{taken.id}/result", data={"result": "reached"}).status_code == 403
    )


def test_counselor_cannot_open_an_unassigned_voicemail(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    message = data.voicemail(db, fields["legal"])
    db.commit()
    login("counselor", counselor=kim)
    assert client.get(f"/voicemails/{message.id}").status_code == 403
    assert client.post(f"/voicemails/{message.id}/assign", data={}).status_code == 403


def test_counselor_cannot_assign_even_their_own_voicemail(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    message = data.voicemail(db, fields["legal"], assigned_to_id=kim.id, status="assigned")
    db.commit()
    login("counselor", counselor=kim)
    assert client.get(f"/voicemails/{message.id}").status_code == 200
    assert client.post(f"/voicemails/{message.id}/assign", data={}).status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "counselor"])
def test_only_admins_manage_accounts(client, login, make_user, db, fields, role):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    target = make_user("coordinator")
    login(role, counselor=kim if role == "counselor" else None)
    assert client.post(f"/admin/users/{target.id}/reset-password").status_code == 403
    assert (
        client.post(f"/admin/users/{target.id}", data={"role": "admin", "active": "y"}).status_code
        == 403
    )


@pytest.mark.parametrize("role", ["counselor"])
def test_counselors_cannot_change_topics(client, login, db, fields, role):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    login(role, counselor=kim)
    response = client.post(
        f"/fields/{fields['legal'].id}/categories", data={"name_ko": "임대차", "name_en": "Lease"}
    )
    assert response.status_code == 403


def test_counselor_account_without_a_profile_sees_no_consultations(client, db, fields, make_user):
    from sqlalchemy import select

    from callcenter.models import Consultation
    from callcenter.privacy import consultation_scope
    from tests.conftest import DEFAULT_PASSWORD

    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    unassigned = data.consultation(db, fields["legal"], None)
    data.consultation(db, fields["legal"], kim)
    user = make_user("counselor", counselor=kim)
    user.counselor_id = None  # the profile was unlinked (or deleted) later
    db.commit()
    assert db.scalars(select(Consultation.id).where(consultation_scope(user))).all() == []
    client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    page = client.get("/consultations").get_data(as_text=True)
    assert "/consultations/" + str(unassigned.id) not in page
    assert client.get(f"/consultations/{unassigned.id}").status_code == 403
