"""Retention: personal data past the retention period goes, the counts reports need stay."""

from datetime import timedelta

from sqlalchemy import func, select

from callcenter.models import (
    AuditEvent,
    Call,
    CallbackRequest,
    Consultation,
    ConsultationTerm,
    OutboxMessage,
    Voicemail,
)
from callcenter.search_index import reindex
from schedules.retention import personal_columns, purge_personal_data
from tests.roster_helpers import MONDAY, seoul

NOW = seoul(MONDAY, 3, 30)
OLD = NOW - timedelta(days=3 * 365 + 1)
RECENT = NOW - timedelta(days=30)


def _traffic(db, fields, when, n):
    db.add(
        Call(
            call_sid=f"CA{n}",
            from_number="+821012345678",
            from_digest="d" * 64,
            from_last4="5678",
            field_id=fields["legal"].id,
            outcome="connected",
            started_at=when,
        )
    )
    db.add(
        CallbackRequest(
            field_id=fields["legal"].id,
            phone="+821012345678",
            phone_digest="d" * 64,
            phone_last4="5678",
            requested_at=when,
        )
    )
    db.add(Voicemail(recording_url="https://api.twilio.com/rec/RE1", created_at=when))
    db.add(
        Consultation(
            channel="phone",
            field_id=fields["legal"].id,
            started_at=when,
            citizen_name="홍길동",
            citizen_phone="+821012345678",
            citizen_phone_last4="5678",
            summary="전세 보증금 반환 문의",
            outcome="advice",
        )
    )
    db.add(OutboxMessage(kind="sms", to="+821012345678", body="x", created_at=when))
    db.flush()


def test_old_numbers_and_notes_are_gone(db, fields):
    _traffic(db, fields, OLD, 1)
    purge_personal_data(db, NOW)
    db.expire_all()
    call = db.scalars(select(Call)).one()
    assert (call.from_number, call.from_digest, call.from_last4) == (None, None, None)
    callback = db.scalars(select(CallbackRequest)).one()
    assert (callback.phone, callback.phone_digest, callback.phone_last4) == (None, None, None)
    assert db.scalars(select(Voicemail)).one().recording_url is None
    consultation = db.scalars(select(Consultation)).one()
    assert consultation.citizen_name is None and consultation.citizen_phone is None
    assert consultation.summary is None and consultation.pseudonymised_at == NOW
    assert db.scalars(select(OutboxMessage)).one().to is None


def test_old_conversation_recording_loses_its_url_and_keeps_its_sid(db, fields):
    _traffic(db, fields, OLD, 1)
    call = db.scalars(select(Call)).one()
    call.recording_sid, call.recording_seconds = "RE" + "1" * 32, 240
    call.recording_url = f"https://api.twilio.com/rec/{call.recording_sid}"
    db.flush()
    purge_personal_data(db, NOW)
    db.expire_all()
    call = db.scalars(select(Call)).one()
    assert call.recording_url is None
    assert (call.recording_sid, call.recording_seconds) == ("RE" + "1" * 32, 240)


def test_old_summaries_can_no_longer_be_found_by_search(db, fields):
    _traffic(db, fields, OLD, 1)
    _traffic(db, fields, RECENT, 2)
    for consultation in db.scalars(select(Consultation)):
        reindex(db, consultation.id, consultation.summary)
    db.flush()
    recent = db.scalars(select(Consultation).where(Consultation.started_at >= RECENT)).one()
    purge_personal_data(db, NOW)
    indexed = set(db.scalars(select(ConsultationTerm.consultation_id)))
    assert indexed == {recent.id}


def test_counts_for_reports_are_intact(db, fields):
    _traffic(db, fields, OLD, 1)
    _traffic(db, fields, RECENT, 2)
    purge_personal_data(db, NOW)
    for model in (Call, CallbackRequest, Voicemail, Consultation):
        assert db.scalar(select(func.count()).select_from(model)) == 2
    consultation = db.scalars(select(Consultation).order_by(Consultation.started_at)).first()
    assert (consultation.field_id, consultation.outcome) == (fields["legal"].id, "advice")


def test_recent_personal_data_is_kept(db, fields):
    _traffic(db, fields, RECENT, 2)
    purge_personal_data(db, NOW)
    db.expire_all()
    assert db.scalars(select(Call)).one().from_number == "+821012345678"
    assert db.scalars(select(Consultation)).one().summary == "전세 보증금 반환 문의"


def test_each_run_writes_an_audit_entry(db, fields):
    _traffic(db, fields, OLD, 1)
    purge_personal_data(db, NOW)
    purge_personal_data(db, NOW + timedelta(days=1))
    entries = db.scalars(select(AuditEvent).order_by(AuditEvent.at)).all()
    assert [e.action for e in entries] == ["purge", "purge"]
    assert entries[0].detail["calls"] == 1 and entries[1].detail["calls"] == 0


def test_retention_period_is_configurable(db, fields, app, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_DAYS", 10)
    _traffic(db, fields, RECENT, 2)
    assert purge_personal_data(db, NOW)["calls"] == 1


def test_every_encrypted_column_counts_as_personal_data():
    assert set(personal_columns(Call)) == {
        "from_number",
        "from_digest",
        "from_last4",
        "recording_url",
    }
    assert {"citizen_name", "citizen_phone", "citizen_phone_last4", "summary"} <= set(
        personal_columns(Consultation)
    )


def test_the_nightly_job_runs_the_purge(app, db, fields):
    from schedules.scheduler import run_job

    _traffic(db, fields, OLD, 1)
    db.commit()
    detail = run_job("retention", NOW)
    assert detail["calls"] == 1
    db.expire_all()
    assert db.scalars(select(Call)).one().from_number is None
    assert db.scalars(select(Consultation)).one().summary is None


def test_an_edit_form_opened_before_the_purge_cannot_write_the_erased_text_back(
    client, login, db, fields
):
    _traffic(db, fields, OLD, 1)
    db.commit()
    consultation = db.scalars(select(Consultation)).one()
    login("coordinator")
    form = client.get(f"/consultations/{consultation.id}/edit").get_data(as_text=True)
    version = form.split('name="version" type="hidden" value="')[1].split('"')[0]
    purge_personal_data(db, NOW)
    db.commit()
    response = client.post(
        f"/consultations/{consultation.id}/edit",
        data={"outcome": "advice", "summary": "전세 보증금 반환 문의", "version": version},
    )
    assert response.status_code == 409
    db.expire_all()
    assert db.scalars(select(Consultation)).one().summary is None
