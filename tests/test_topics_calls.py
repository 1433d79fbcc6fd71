"""Topic categories kept by coordinators, and the call log."""

from sqlalchemy import select

from callcenter.models import CallLeg, TopicCategory
from tests import backoffice_data as data


def test_coordinator_adds_a_topic_and_a_subtopic(client, login, db, fields):
    login("coordinator")
    legal = fields["legal"].id
    client.post(f"/fields/{legal}/categories", data={"name_ko": "임대차", "name_en": "Lease"})
    lease = db.scalars(select(TopicCategory)).one()
    client.post(
        f"/fields/{legal}/categories",
        data={"parent": str(lease.id), "name_ko": "보증금", "name_en": "Deposit"},
    )
    deposit = db.scalars(select(TopicCategory).where(TopicCategory.parent_id == lease.id)).one()
    assert (deposit.field_id, deposit.name_en) == (legal, "Deposit")


def test_topic_without_an_english_name_is_refused_and_the_korean_kept(client, login, fields):
    login("coordinator")
    response = client.post(
        f"/fields/{fields['legal'].id}/categories", data={"name_ko": "임대차", "name_en": ""}
    )
    assert response.status_code == 422
    assert 'value="임대차"' in response.get_data(as_text=True)


def test_retired_topic_leaves_the_draft_form(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lease = data.topic(db, fields["legal"], "임대차")
    draft = data.consultation(db, fields["legal"], kim)
    db.commit()
    login("coordinator")
    assert "임대차" in client.get(f"/consultations/{draft.id}/edit").get_data(as_text=True)
    client.post(f"/categories/{lease.id}/toggle")
    assert "임대차" not in client.get(f"/consultations/{draft.id}/edit").get_data(as_text=True)


def test_topic_of_another_field_is_refused(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    tax_topic = data.topic(db, fields["tax"], "종합소득세")
    draft = data.consultation(db, fields["legal"], kim)
    db.commit()
    login("coordinator")
    response = client.post(
        f"/consultations/{draft.id}/edit",
        data={"topic": str(tax_topic.id), "outcome": "advice", "summary": "요지", "version": "1"},
    )
    assert response.status_code == 422


def test_call_detail_shows_each_leg_and_masks_the_caller(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    call = data.call(db, fields["legal"], outcome="connected", steps=[{"menu": "1"}])
    db.add(CallLeg(call_id=call.id, counselor_id=kim.id, position=0, result="no_answer"))
    db.commit()
    login("coordinator")
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "김변호" in page and "받지 않음" in page
    assert "010-****-1234" in page and "5555" not in page


def test_call_log_filters_by_outcome(client, login, db, fields):
    data.call(db, fields["legal"], "+821011110001", call_sid="CA1", outcome="connected")
    data.call(db, fields["legal"], "+821011110002", call_sid="CA2", outcome="abandoned_menu")
    db.commit()
    login("coordinator")
    page = client.get("/calls?outcome=connected").get_data(as_text=True)
    assert "0001" in page and "0002" not in page
