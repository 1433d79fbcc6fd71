"""Coordinators keep the voice line's blocklist: numbers whose calls are refused."""

from sqlalchemy import select

from callcenter.models import AuditEvent, BlockedNumber, Call
from ivr.calls import block_number
from tests import backoffice_data as data
from tests.ivr_support import play

CALLER = "010-5555-1234"  # the call walker's default caller, +821055551234


def block(client, number: str = CALLER, reason: str = ""):  # type: ignore[no-untyped-def]
    return client.post("/line/blocklist", data={"number": number, "reason": reason})


def test_counselor_cannot_see_or_change_the_blocklist(client, login, db, fields):
    blocked = block_number(db, CALLER)
    login("counselor", counselor=data.counselor(db, "김변호", "+821011112222", fields["legal"]))
    assert client.get("/line/blocklist").status_code == 403
    assert block(client, "010-7777-8888").status_code == 403
    assert client.post(f"/line/blocklist/{blocked.id}/remove").status_code == 403
    assert len(db.scalars(select(BlockedNumber)).all()) == 1


def test_blocking_a_number_refuses_its_next_call(client, login, db, walker, clock):
    login("coordinator")
    assert block(client, "+82 10-5555-1234", "반복 욕설").status_code == 302
    transcript = play(walker, "1")
    assert "이 번호로는 상담 전화를 이용하실 수 없습니다" in transcript.heard
    assert transcript.documents("/ivr/voice")[0].find("Gather") is None
    assert transcript.ended == "line hung up"
    assert db.scalar(select(Call)).outcome == "blocked"


def test_unblocking_lets_the_number_reach_the_menu_again(client, login, db, walker, clock):
    blocked = block_number(db, CALLER)
    db.commit()
    login("coordinator")
    assert client.post(f"/line/blocklist/{blocked.id}/remove").status_code == 302
    transcript = play(walker)
    assert "이용하실 수 없습니다" not in transcript.heard
    assert "법률 상담은 1번" in transcript.heard


def test_an_invalid_number_is_refused_with_a_message(client, login, db):
    login("coordinator")
    response = block(client, "010-12")
    assert response.status_code == 422
    assert "올바른 전화번호가 아닙니다" in response.get_data(as_text=True)
    assert db.scalars(select(BlockedNumber)).all() == []


def test_blocking_a_blocked_number_again_changes_nothing(client, login, db):
    block_number(db, CALLER, "처음 사유")
    db.commit()
    login("coordinator")
    page = client.post(
        "/line/blocklist", data={"number": "01055551234"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "010-****-1234 번호는 이미 차단되어 있습니다." in page
    assert [b.reason for b in db.scalars(select(BlockedNumber))] == ["처음 사유"]
    assert db.scalars(select(AuditEvent)).all() == []


def test_blocklist_shows_numbers_masked_and_never_in_full(client, login, db):
    login("coordinator")
    response = client.post(
        "/line/blocklist", data={"number": CALLER, "reason": "장난 전화"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "010-****-1234 번호를 차단했습니다." in page
    assert "***-****-1234" in page and "장난 전화" in page
    for spelling in ("5555", "01055551234", "+821055551234"):
        assert spelling not in page


def test_blocking_and_unblocking_are_audited(client, login, db):
    user = login("coordinator")
    block(client)
    blocked = db.scalar(select(BlockedNumber))
    client.post(f"/line/blocklist/{blocked.id}/remove")
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("create", "blocked_number", blocked.id),
        ("delete", "blocked_number", blocked.id),
    ]
    assert all(e.user_id == user.id and e.detail == {"last4": "1234"} for e in events)
