"""One rule for every number the line calls or texts: Korean phones, no premium or satellite."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from callcenter import telephony
from callcenter.models import CallbackRequest, Counselor, OutboxMessage
from callcenter.phones import (
    ABROAD,
    INTERNET_PHONE,
    NOT_A_MOBILE,
    PREMIUM_RATE,
    SPECIAL_NUMBER,
    Use,
    outgoing_refusal,
    to_callback_e164,
)
from schedules.roster_import import parse_roster
from tests import backoffice_data as data
from tests.ivr_support import play
from tests.test_ivr_callback_bridge import signed_post

SATELLITE = "+882164001234"


@pytest.mark.parametrize(
    ("number", "use", "refusal"),
    [
        ("+821012345678", Use.CALL, None),
        ("+821012345678", Use.SMS, None),
        ("+821012345678", Use.COUNSELOR, None),
        ("+82318282114", Use.CALL, None),
        ("+82318282114", Use.COUNSELOR, None),
        ("+82318282114", Use.SMS, NOT_A_MOBILE),
        ("+827012345678", Use.CALL, None),
        ("+827012345678", Use.COUNSELOR, INTERNET_PHONE),
        ("+827012345678", Use.SMS, NOT_A_MOBILE),
        ("+82607001234", Use.CALL, PREMIUM_RATE),
        ("+82607001234", Use.COUNSELOR, PREMIUM_RATE),
        ("+825012345678", Use.CALL, SPECIAL_NUMBER),
        ("+8215881234", Use.CALL, SPECIAL_NUMBER),
        ("+82801234567", Use.CALL, SPECIAL_NUMBER),
        (SATELLITE, Use.CALL, ABROAD),
        ("+881612345678", Use.SMS, ABROAD),
        ("+12025550123", Use.COUNSELOR, ABROAD),
    ],
)
def test_the_numbers_rule(number, use, refusal):
    assert outgoing_refusal(number, use) == refusal


def test_a_citizens_070_home_phone_may_be_called_back():
    assert to_callback_e164("070-1234-5678") == "+827012345678"


def test_an_sms_to_a_premium_rate_number_is_recorded_as_refused_and_not_sent(app, db):
    sent = telephony.send_sms(db, "+82607001234", "hello")
    row = db.get(OutboxMessage, sent.outbox_id)
    assert (sent.ok, sent.not_allowed, row.status, row.provider_sid) == (
        False,
        PREMIUM_RATE,
        "refused",
        None,
    )


def test_a_call_bridged_to_a_satellite_number_is_never_placed(app, db):
    sent = telephony.place_call(db, "+821012345678", "http://x/bridge", then_dials=SATELLITE)
    assert not sent.ok and db.get(OutboxMessage, sent.outbox_id).status == "refused"


def test_calling_back_a_satellite_number_rings_nobody(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"], SATELLITE, status="claimed", claimed_by_id=kim.id)
    db.commit()
    login("counselor", counselor=kim)
    page = client.post(f"/callbacks/{request.id}/call", follow_redirects=True)
    assert "위성 전화" in page.get_data(as_text=True)
    statuses = db.scalars(select(OutboxMessage.status)).all()
    assert statuses == ["refused"]


def test_the_callback_bridge_never_dials_a_satellite_number(app, client, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"], SATELLITE, status="claimed", claimed_by_id=kim.id)
    db.commit()
    response = signed_post(
        app, client, f"/ivr/callback-bridge/{request.id}/connect", Digits="1", CallSid="CAbr"
    )
    body = response.get_data(as_text=True)
    assert "<Dial" not in body and SATELLITE not in body


def test_a_voice_message_from_a_satellite_number_is_not_turned_into_a_callback(
    client, login, db, fields
):
    item = data.voicemail(db, fields["legal"], number=SATELLITE)
    db.commit()
    login("coordinator")
    page = client.post(f"/voicemails/{item.id}/to-callback", follow_redirects=True)
    assert "위성 전화" in page.get_data(as_text=True)
    assert db.scalars(select(CallbackRequest)).all() == []


@pytest.mark.parametrize(
    ("phone", "reason"),
    [("060-700-1234", "060 유료"), ("+882164001234", "위성 전화"), ("070-1234-5678", "070")],
)
def test_the_counselor_form_refuses_a_number_the_line_must_not_ring(
    client, login, db, fields, phone, reason
):
    login("coordinator")
    response = client.post(
        "/rosters/counselors/new",
        data={"name": "김변호", "phone": phone, "field_ids": [fields["legal"].id]},
    )
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    assert db.scalars(select(Counselor)).all() == []


def test_the_counselor_form_takes_a_landline(client, login, db, fields):
    login("coordinator")
    response = client.post(
        "/rosters/counselors/new",
        data={"name": "김변호", "phone": "031-828-2114", "field_ids": [fields["legal"].id]},
    )
    assert response.status_code == 302


def test_the_roster_import_refuses_a_premium_rate_counselor_number():
    text = "name,phone,field,day,start,end\n김변호,060-700-1234,legal,mon,10:00,12:00\n"
    parsed = parse_roster(text.encode(), ["legal"])
    assert parsed.errors == [(2, f"전화번호 '060-700-1234': {PREMIUM_RATE}")]


def test_a_premium_rate_desk_number_is_never_offered(db, walker, clock, settings):
    settings(ADMIN_DESK_NUMBER="+82607001234")
    transcript = play(walker, "0")
    assert "민원 행정 창구는 0번" not in transcript.heard
    assert "+82607001234" not in [n.text for d in transcript.documents() for n in d.iter("Dial")]
