"""The callback queue with the line's bridge, and the voice message inbox."""

from urllib.parse import urlsplit

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from callcenter.models import (
    CallbackRequest,
    Consultation,
    OutboxMessage,
    Voicemail,
)
from tests import backoffice_data as data


def _signed_post(client, app, path, form):  # type: ignore[no-untyped-def]
    url = "http://localhost" + path
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def test_counselor_sees_pending_callbacks_of_their_fields_only(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.callback(db, fields["legal"], phone="+821044441111")
    data.callback(db, fields["tax"], phone="+821044442222")
    db.commit()
    login("counselor", counselor=kim)
    page = client.get("/callbacks").get_data(as_text=True)
    assert "010-****-1111" in page and "2222" not in page


def test_claiming_a_callback_gives_it_to_the_counselor(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"])
    db.commit()
    login("counselor", counselor=kim)
    assert client.post(f"/callbacks/{request.id}/claim").status_code == 302
    db.refresh(request)
    assert (request.status, request.claimed_by_id) == ("claimed", kim.id)


def test_a_callback_claimed_by_someone_else_cannot_be_claimed_again(db, fields):
    from callcenter import callbacks

    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lee = data.counselor(db, "이변호", "+821033334444", fields["legal"])
    request = data.callback(db, fields["legal"])
    callbacks.claim(db, request, kim, data.WHEN)
    try:
        callbacks.claim(db, request, lee, data.WHEN)
    except callbacks.CallbackError:
        pass
    else:
        raise AssertionError("a second counselor claimed the same callback")
    assert request.claimed_by_id == kim.id


def test_calling_back_rings_the_counselor_from_the_line_first(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"], status="claimed", claimed_by_id=kim.id)
    db.commit()
    login("counselor", counselor=kim)
    assert client.post(f"/callbacks/{request.id}/call").status_code == 302
    placed = db.scalars(select(OutboxMessage)).one()
    assert (placed.kind, placed.to) == ("call", "+821011112222")
    assert placed.body.endswith(f"/ivr/callback-bridge/{request.id}/answer")
    db.refresh(request)
    assert request.attempts == 1


def test_bridge_asks_the_counselor_to_press_one_then_dials_the_citizen_from_the_line(
    app, client, db, fields
):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"], status="claimed", claimed_by_id=kim.id)
    db.commit()
    answer = _signed_post(
        client, app, f"/ivr/callback-bridge/{request.id}/answer", {"CallSid": "CA1"}
    )
    twiml = answer.get_data(as_text=True)
    assert "<Gather" in twiml and "1번" in twiml
    action = urlsplit(twiml.split('action="')[1].split('"')[0]).path
    connect = _signed_post(client, app, action, {"CallSid": "CA1", "Digits": "1"})
    dial = connect.get_data(as_text=True)
    assert f'callerId="{app.config["TWILIO_PHONE_NUMBER"]}"' in dial
    assert "<Number>+821044443333</Number>" in dial
    assert "+821011112222" not in dial


def test_bridge_without_a_signature_is_refused(client, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"], status="claimed", claimed_by_id=kim.id)
    db.commit()
    response = client.post(f"/ivr/callback-bridge/{request.id}/connect", data={"Digits": "1"})
    assert response.status_code == 403


def test_unanswered_dial_is_noted_on_the_request(app, client, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"], status="claimed", claimed_by_id=kim.id)
    db.commit()
    _signed_post(
        client,
        app,
        f"/ivr/callback-bridge/{request.id}/done",
        {"CallSid": "CA1", "DialCallStatus": "no-answer"},
    )
    db.refresh(request)
    assert (request.result, request.status) == ("no_answer", "claimed")


def test_reached_callback_opens_a_consultation_form(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"], status="claimed", claimed_by_id=kim.id)
    db.commit()
    login("counselor", counselor=kim)
    response = client.post(f"/callbacks/{request.id}/result", data={"result": "reached"})
    consultation = db.scalars(select(Consultation)).one()
    assert response.headers["Location"].endswith(f"/consultations/{consultation.id}/edit")
    assert (consultation.channel, consultation.callback_request_id) == ("callback", request.id)
    assert consultation.citizen_phone == "+821044443333"
    db.refresh(request)
    assert (request.status, request.result) == ("done", "reached")


def test_wrong_number_closes_the_request_without_a_consultation(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"], status="claimed", claimed_by_id=kim.id)
    db.commit()
    login("counselor", counselor=kim)
    client.post(f"/callbacks/{request.id}/result", data={"result": "wrong_number"})
    db.refresh(request)
    assert (request.status, request.result) == ("done", "wrong_number")
    assert db.scalars(select(Consultation)).first() is None


def test_voicemail_page_masks_the_caller(client, login, db, fields):
    message = data.voicemail(db, fields["legal"])
    db.commit()
    login("coordinator")
    page = client.get(f"/voicemails/{message.id}").get_data(as_text=True)
    assert "010-****-8888" in page and "7777" not in page


def test_voicemail_turned_into_a_callback_joins_the_queue(client, login, db, fields):
    message = data.voicemail(db, fields["legal"])
    db.commit()
    login("coordinator")
    client.post(f"/voicemails/{message.id}/to-callback")
    request = db.scalars(select(CallbackRequest)).one()
    assert (request.phone, request.field_id, request.status) == (
        "+821077778888",
        fields["legal"].id,
        "pending",
    )
    assert db.get(Voicemail, message.id).status == "handled"


def test_assigned_voicemail_turned_into_a_consultation_goes_to_the_counselor(
    client, login, db, fields
):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    message = data.voicemail(db, fields["legal"])
    db.commit()
    login("coordinator")
    client.post(f"/voicemails/{message.id}/assign", data={"counselor": str(kim.id)})
    response = client.post(f"/voicemails/{message.id}/to-consultation")
    consultation = db.scalars(select(Consultation)).one()
    assert response.headers["Location"].endswith(f"/consultations/{consultation.id}/edit")
    assert (consultation.counselor_id, consultation.status) == (kim.id, "draft")


def test_counselor_sees_the_voicemails_assigned_to_them(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.voicemail(db, fields["legal"], assigned_to_id=kim.id, status="assigned")
    data.voicemail(
        db, fields["legal"], number="+821066665555", call_sid="CA-other", recording_sid="RE0002"
    )
    db.commit()
    login("counselor", counselor=kim)
    page = client.get("/voicemails").get_data(as_text=True)
    assert "8888" in page and "5555" not in page


def test_outbox_shows_what_the_sandbox_would_have_sent(client, login, db):
    from callcenter import telephony

    telephony.send_sms(db, "+821012345678", "상담 예약이 접수되었습니다.")
    db.commit()
    login("coordinator")
    page = client.get("/outbox").get_data(as_text=True)
    assert "상담 예약이 접수되었습니다." in page and "010-****-5678" in page


def test_counselor_is_busy_while_bridged_and_free_after(app, client, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"], status="claimed", claimed_by_id=kim.id)
    db.commit()
    _signed_post(
        client, app, f"/ivr/callback-bridge/{request.id}/connect", {"CallSid": "CA7", "Digits": "1"}
    )
    db.refresh(kim)
    assert kim.busy_call_sid == "CA7" and kim.busy_since is not None
    _signed_post(
        client,
        app,
        f"/ivr/callback-bridge/{request.id}/done",
        {"CallSid": "CA7", "DialCallStatus": "completed"},
    )
    db.refresh(kim)
    assert kim.busy_since is None and kim.busy_call_sid is None


def test_pressing_another_key_does_not_dial_the_citizen(app, client, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"], status="claimed", claimed_by_id=kim.id)
    db.commit()
    response = _signed_post(
        client, app, f"/ivr/callback-bridge/{request.id}/connect", {"CallSid": "CA8", "Digits": "2"}
    )
    assert "<Dial" not in response.get_data(as_text=True)
