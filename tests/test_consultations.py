"""Completing drafts, correcting and recording consultations, and the list."""

from sqlalchemy import select, text

from callcenter import consultations as service
from callcenter.models import AuditEvent, Consultation
from tests import backoffice_data as data


def _draft(db, fields):  # type: ignore[no-untyped-def]
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lease = data.topic(db, fields["legal"], "임대차")
    deposit = data.topic(db, fields["legal"], "보증금", parent=lease)
    item = data.consultation(db, fields["legal"], kim)
    db.commit()
    return kim, item, lease, deposit


def test_start_page_lists_the_counselors_drafts(client, login, db, fields):
    kim, item, _, _ = _draft(db, fields)
    login("counselor", counselor=kim)
    page = client.get("/").get_data(as_text=True)
    assert f"/consultations/{item.id}/edit" in page


def test_completing_a_draft_saves_topic_outcome_and_summary(client, login, db, fields):
    kim, item, lease, deposit = _draft(db, fields)
    login("counselor", counselor=kim)
    response = client.post(
        f"/consultations/{item.id}/edit",
        data={
            "topic": str(deposit.id),
            "outcome": "referred",
            "referred_to": "legal_aid",
            "summary": "전세 보증금을 돌려받지 못함. 지급명령 안내.",
            "duration_minutes": "12",
            "version": "1",
        },
    )
    assert response.status_code == 302
    db.expire_all()
    saved = db.get(Consultation, item.id)
    assert (saved.status, saved.category_id, saved.subcategory_id) == (
        "completed",
        lease.id,
        deposit.id,
    )
    assert (saved.outcome, saved.referred_to, saved.duration_minutes) == (
        "referred",
        "legal_aid",
        12,
    )
    assert saved.completed_at is not None


def test_missing_summary_is_shown_on_the_form_with_everything_typed_kept(client, login, db, fields):
    kim, item, _, deposit = _draft(db, fields)
    login("counselor", counselor=kim)
    response = client.post(
        f"/consultations/{item.id}/edit",
        data={
            "topic": str(deposit.id),
            "outcome": "advice",
            "summary": "",
            "duration_minutes": "17",
            "version": "1",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "상담 요지를 적어 주십시오" in page
    assert 'value="17"' in page
    assert f'<option selected value="{deposit.id}">' in page or (
        f'value="{deposit.id}" selected' in page
    )
    assert db.get(Consultation, item.id).status == "draft"


def test_referral_without_a_destination_is_refused_and_the_summary_kept(client, login, db, fields):
    kim, item, _, _ = _draft(db, fields)
    login("counselor", counselor=kim)
    response = client.post(
        f"/consultations/{item.id}/edit",
        data={"outcome": "referred", "summary": "노동청 진정 절차 설명", "version": "1"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "어디로 안내했는지" in page
    assert "노동청 진정 절차 설명" in page


def test_a_second_save_on_an_old_version_is_refused_and_shows_both(client, login, db, fields):
    _kim, item, _, _ = _draft(db, fields)
    login("coordinator")
    first = client.post(
        f"/consultations/{item.id}/edit",
        data={"outcome": "advice", "summary": "첫 번째 저장", "version": "1"},
    )
    assert first.status_code == 302
    second = client.post(
        f"/consultations/{item.id}/edit",
        data={"outcome": "none", "summary": "두 번째 사람의 글", "version": "1"},
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "먼저 고쳤습니다" in page
    assert "첫 번째 저장" in page and "두 번째 사람의 글" in page
    db.expire_all()
    assert db.get(Consultation, item.id).summary == "첫 번째 저장"


def test_service_refuses_a_stale_version(db, fields):
    _kim, item, _, _ = _draft(db, fields)
    entry = service.ConsultationInput(topic_id=None, outcome="advice", summary="요지")
    try:
        service.save(db, item, entry, expected_version=item.version + 1)
    except service.VersionConflict as conflict:
        assert conflict.current.id == item.id
    else:
        raise AssertionError("a stale version was saved")


def test_coordinator_records_a_walk_in(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("coordinator")
    response = client.post(
        "/consultations/new",
        data={
            "channel": "visit",
            "field": str(fields["legal"].id),
            "counselor": str(kim.id),
            "started_at": "2027-03-02T14:00",
            "outcome": "advice",
            "summary": "상속 포기 절차 문의",
            "citizen_name": "홍길동",
            "citizen_phone": "010-2345-6789",
        },
    )
    assert response.status_code == 302
    item = db.scalars(select(Consultation)).one()
    assert (item.channel, item.status, item.citizen_phone) == (
        "visit",
        "completed",
        "+821023456789",
    )
    assert item.started_at.hour == 5  # 14:00 in Seoul


def test_walk_in_with_a_bad_number_keeps_what_was_typed(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("coordinator")
    response = client.post(
        "/consultations/new",
        data={
            "channel": "visit",
            "field": str(fields["legal"].id),
            "counselor": str(kim.id),
            "started_at": "2027-03-02T14:00",
            "outcome": "advice",
            "summary": "상속 포기 절차 문의",
            "citizen_phone": "12",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "전화번호 형식" in page and "상속 포기 절차 문의" in page
    assert db.scalars(select(Consultation)).first() is None


def test_counselor_records_a_walk_in_only_for_themselves(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lee = data.counselor(db, "이변호", "+821033334444", fields["legal"])
    db.commit()
    login("counselor", counselor=kim)
    response = client.post(
        "/consultations/new",
        data={
            "channel": "visit",
            "field": str(fields["legal"].id),
            "counselor": str(lee.id),
            "started_at": "2027-03-02T14:00",
            "outcome": "advice",
            "summary": "남의 이름으로",
        },
    )
    assert response.status_code == 422
    assert db.scalars(select(Consultation)).first() is None


def test_list_filters_by_outcome_and_channel(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.consultation(
        db, fields["legal"], kim, outcome="advice", channel="visit", citizen_phone="+821012341111"
    )
    data.consultation(
        db, fields["legal"], kim, outcome="referred", channel="phone", citizen_phone="+821012342222"
    )
    db.commit()
    login("coordinator")
    page = client.get("/consultations?outcome=referred&channel=phone").get_data(as_text=True)
    assert "2222" in page and "1111" not in page


def test_free_text_search_finds_words_with_particles(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["labor"])
    one = data.consultation(db, fields["labor"], kim, citizen_phone="+821012341111")
    two = data.consultation(db, fields["labor"], kim, citizen_phone="+821012342222")
    entry = service.ConsultationInput
    service.save(db, one, entry(None, "advice", "석 달째 임금을 받지 못함. 체불 진정 안내"), None)
    service.save(db, two, entry(None, "advice", "퇴직금 계산 문의"), None)
    db.commit()
    login("coordinator")
    page = client.get("/consultations?q=임금+체불").get_data(as_text=True)
    assert "1111" in page and "2222" not in page
    assert "1111" not in client.get("/consultations?q=임금+퇴직금").get_data(as_text=True)


def test_list_is_paginated(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    for _ in range(service.PAGE_SIZE + 1):
        data.consultation(db, fields["legal"], kim)
    db.commit()
    login("coordinator")
    first = client.get("/consultations").get_data(as_text=True)
    assert 'rel="next"' in first
    second = client.get("/consultations?page=2").get_data(as_text=True)
    assert 'rel="next"' not in second and 'rel="prev"' in second


def test_editing_is_audited(client, login, db, fields):
    kim, item, _, _ = _draft(db, fields)
    user = login("counselor", counselor=kim)
    client.post(
        f"/consultations/{item.id}/edit",
        data={"outcome": "advice", "summary": "요지", "version": "1"},
    )
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "edit")).one()
    assert (event.user_id, event.object_type, event.object_id) == (user.id, "consultation", item.id)


def test_search_index_holds_no_plain_words(db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["labor"])
    item = data.consultation(db, fields["labor"], kim)
    service.save(db, item, service.ConsultationInput(None, "advice", "임금 체불"), None)
    db.commit()
    terms = db.execute(text("SELECT term FROM consultation_terms")).scalars().all()
    assert terms and all(isinstance(t, int) for t in terms)


def test_english_switch_translates_the_consultation_list(client, login):
    login("coordinator")
    page = client.get("/consultations?lang=en").get_data(as_text=True)
    assert "Search summaries" in page and "Consultations" in page


def test_search_of_common_words_checks_each_row_and_finds_the_same(db, fields):
    from callcenter import search_index

    kim = data.counselor(db, "김변호", "+821011112222", fields["labor"])
    item = data.consultation(db, fields["labor"], kim)
    service.save(db, item, service.ConsultationInput(None, "advice", "임금 체불 문의"), None)
    db.commit()
    common = search_index.match(db, "임금을", rare=0)
    rare = search_index.match(db, "임금을")
    assert common.ids is None and rare.ids == [item.id]
    for plan in (common, rare):
        found = db.scalars(select(Consultation.id).where(plan.clause(Consultation.id))).all()
        assert found == [item.id]


def test_search_of_an_unknown_word_finds_nothing(db, fields):
    from callcenter import search_index

    assert search_index.match(db, "없는낱말").ids == []


def test_opening_the_edit_form_is_audited(client, login, db, fields):
    kim, item, _, _ = _draft(db, fields)
    user = login("counselor", counselor=kim)
    assert client.get(f"/consultations/{item.id}/edit").status_code == 200
    event = db.scalars(select(AuditEvent)).one()
    assert (event.user_id, event.action, event.object_id) == (user.id, "view", item.id)
    assert event.detail == {"page": "edit"}
