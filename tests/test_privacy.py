"""Personal data: encrypted at rest, masked in lists, revealed on purpose, audited, rotated."""

import csv
import io

import pytest
from cryptography.fernet import Fernet
from openpyxl import load_workbook
from sqlalchemy import select, text

from callcenter.crypto import keyring
from callcenter.models import AuditEvent, Consultation
from tests import backoffice_data as data


def test_raw_consultation_row_holds_no_plain_number_name_or_summary(db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.consultation(
        db,
        fields["legal"],
        kim,
        citizen_phone="+821098765432",
        citizen_name="홍길동",
        summary="전세 보증금 반환",
    )
    db.commit()
    row = db.execute(text("SELECT * FROM consultations")).mappings().one()
    raw = " ".join(str(v) for v in row.values())
    for plain in ("+821098765432", "01098765432", "98765432", "홍길동", "보증금"):
        assert plain not in raw
    assert row["citizen_phone_last4"] == "5432"


def test_list_masks_the_number(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.consultation(db, fields["legal"], kim, citizen_phone="+821098765432")
    db.commit()
    login("coordinator")
    page = client.get("/consultations").get_data(as_text=True)
    assert "010-****-5432" in page
    assert "9876" not in page


def test_detail_masks_until_the_assigned_counselor_reveals(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    item = data.consultation(
        db, fields["legal"], kim, citizen_phone="+821098765432", citizen_name="홍길동"
    )
    db.commit()
    user = login("counselor", counselor=kim)
    page = client.get(f"/consultations/{item.id}").get_data(as_text=True)
    assert "010-****-5432" in page and "홍**" in page and "9876" not in page
    revealed = client.post(f"/consultations/{item.id}/reveal").get_data(as_text=True)
    assert "010-9876-5432" in revealed and "홍길동" in revealed
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "reveal")).one()
    assert (event.user_id, event.object_id, event.ip_address) == (user.id, item.id, "127.0.0.1")


def test_viewing_a_consultation_is_audited(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    item = data.consultation(db, fields["legal"], kim)
    db.commit()
    user = login("coordinator")
    client.get(f"/consultations/{item.id}")
    event = db.scalars(select(AuditEvent)).one()
    assert (event.action, event.user_id, event.object_id) == ("view", user.id, item.id)


def test_csv_export_has_a_bom_masked_numbers_and_is_audited(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.consultation(
        db,
        fields["legal"],
        kim,
        citizen_phone="+821098765432",
        summary="비밀 요지",
        outcome="advice",
    )
    db.commit()
    user = login("coordinator")
    response = client.get("/consultations/export.csv?outcome=advice&reason=월간 보고")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "번호" and len(rows) == 2
    assert "010-****-5432" in rows[1] and "비밀 요지" not in rows[1]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.user_id == user.id
    assert event.detail["filters"] == {"outcome": "advice"}
    assert event.detail["reason"] == "월간 보고"


def test_export_without_a_reason_asks_for_one_and_exports_nothing(client, login, db, fields):
    login("coordinator")
    response = client.get("/consultations/export.csv?outcome=advice")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert 'name="reason"' in page
    assert '<input type="hidden" name="outcome" value="advice">' in page
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all() == []


def test_export_with_a_blank_reason_is_refused_with_a_message(client, login, db):
    login("coordinator")
    response = client.get("/consultations/export.csv?reason=+")
    assert response.status_code == 422
    assert "내려받는 사유를" in response.get_data(as_text=True)
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all() == []


def test_export_with_personal_data_includes_it_and_says_so_in_the_audit(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.consultation(db, fields["legal"], kim, citizen_phone="+821098765432", summary="요지")
    db.commit()
    login("coordinator")
    body = (
        client.get("/consultations/export.csv?personal=1&reason=민원 회신")
        .get_data()
        .decode("utf-8-sig")
    )
    assert "010-9876-5432" in body and "요지" in body
    assert db.scalars(select(AuditEvent)).one().detail["personal"] is True


def test_xlsx_export_opens_as_a_workbook(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.consultation(db, fields["legal"], kim)
    db.commit()
    login("coordinator")
    response = client.get("/consultations/export.xlsx?reason=월간 보고")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "번호" and len(rows) == 2


def test_exports_drop_characters_excel_and_xml_cannot_hold(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.consultation(db, fields["legal"], kim, summary="전세\x0b 보증금\x01 반환")
    db.commit()
    login("coordinator")
    response = client.get("/consultations/export.xlsx?personal=1&reason=정보공개 청구")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert list(sheet.iter_rows(values_only=True))[1][-1] == "전세 보증금 반환"
    body = (
        client.get("/consultations/export.csv?personal=1&reason=정보공개 청구")
        .get_data()
        .decode("utf-8-sig")
    )
    assert "전세 보증금 반환" in body


def test_rotate_keys_reencrypts_with_the_newest_key(app, runner, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    item = data.consultation(db, fields["legal"], kim, summary="회전 전 요지")
    db.commit()
    old_token = db.execute(text("SELECT summary FROM consultations")).scalar_one()
    new_key = Fernet.generate_key().decode()
    old_key = keyring.fernet._fernets[0]  # the key the test app derived
    try:
        keyring._fernet = type(keyring.fernet)([Fernet(new_key), old_key])
        result = runner.invoke(args=["data", "rotate-keys"])
        assert result.exit_code == 0, result.output
        assert "consultations.summary: 1" in result.output
        token = db.execute(text("SELECT summary FROM consultations")).scalar_one()
        assert token != old_token
        assert Fernet(new_key).decrypt(token.encode()).decode() == "회전 전 요지"
        db.expire_all()
        assert db.get(Consultation, item.id).summary == "회전 전 요지"
    finally:
        keyring._fernet = type(keyring.fernet)([old_key])


def test_reindex_search_rebuilds_the_index_from_the_summaries(runner, db, fields):
    from callcenter import consultations as service

    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    item = data.consultation(db, fields["legal"], kim)
    service.save(db, item, service.ConsultationInput(None, "advice", "유류분 반환 청구"), None)
    db.execute(text("DELETE FROM consultation_terms"))
    db.commit()
    result = runner.invoke(args=["data", "reindex-search"])
    assert "1 consultations indexed" in result.output
    from callcenter import search_index

    assert search_index.match(db, "유류분").ids == [item.id]


def test_admins_export_personal_data_as_coordinators_do(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.consultation(db, fields["legal"], kim, citizen_phone="+821098765432")
    db.commit()
    login("admin")
    response = client.get("/consultations/export.csv?personal=1&reason=감사")
    assert response.status_code == 200
    assert "010-9876-5432" in response.get_data().decode("utf-8-sig")


def test_only_korean_mobiles_are_texted():
    from callcenter.phones import can_receive_sms

    assert can_receive_sms("+821055551234")
    assert not can_receive_sms("+8223456789")  # a Seoul landline
    assert not can_receive_sms("+12125551234")  # reachable, but abroad


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+442079460958", "********0958"),  # London: no dashes to keep
        ("+12125551234", "+1 212-***-1234"),
        ("+81312345678", "+81 3-****-5678"),
    ],
)
def test_foreign_numbers_are_masked_too(number, masked):
    from callcenter.privacy import masked_phone

    assert masked_phone(number) == masked


# The reveal rule, as a function: who may see a citizen's full number and name.


def _reveal(role: str, counselor_id: int | None, assigned_to: int | None) -> bool:
    from callcenter.models import User
    from callcenter.privacy import may_reveal_consultation

    user = User(role=role, counselor_id=counselor_id)
    return may_reveal_consultation(user, Consultation(counselor_id=assigned_to))


def test_the_assigned_counselor_may_reveal():
    assert _reveal("counselor", 7, assigned_to=7)


def test_another_counselor_may_not_reveal():
    assert not _reveal("counselor", 8, assigned_to=7)


def test_a_counselor_account_without_a_profile_may_not_reveal_an_unassigned_consultation():
    assert not _reveal("counselor", None, assigned_to=None)


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_and_admins_may_reveal_any_consultation(role):
    assert _reveal(role, None, assigned_to=7)
    assert _reveal(role, None, assigned_to=None)
