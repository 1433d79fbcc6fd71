"""Recordings played through the app: fetched from Twilio with credentials, audited, private."""

from __future__ import annotations

import io

import pytest
import requests
from sqlalchemy import select

from callcenter import telephony
from callcenter.models import AuditEvent
from tests import backoffice_data as data

ACCOUNT = "AC" + "a" * 32
RECORDING_SID = data.RECORDING_SID
CONVERSATION_SID = "RE" + "c" * 32
MP3 = b"ID3\x04\x00" + bytes(range(256)) * 8


class FakeTwilioMedia:
    """Answers the gateway's GETs from memory and remembers what was asked."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, tuple[str, str]]] = []
        self.status, self.body = 200, MP3

    def __call__(self, url: str, auth: tuple[str, str]) -> requests.Response:
        self.requests.append((url, auth))
        response = requests.Response()
        response.status_code, response.url = self.status, url
        response.raw = io.BytesIO(self.body)
        return response


@pytest.fixture
def media(monkeypatch):
    """Replace the gateway's HTTP call, so no test ever reaches Twilio."""
    fake = FakeTwilioMedia()
    monkeypatch.setattr(telephony, "_get", fake)
    return fake


@pytest.fixture
def twilio_account(app, settings):
    """Run with a (fake) real Twilio account instead of the sandbox."""
    settings(SANDBOX=False, TWILIO_ACCOUNT_SID=ACCOUNT)
    return app.config["TWILIO_AUTH_TOKEN"]


def _recorded_call(db, fields):  # type: ignore[no-untyped-def]
    return data.call(
        db,
        fields["legal"],
        outcome="connected",
        recording_sid=CONVERSATION_SID,
        recording_url=f"{data.TWILIO_RECORDINGS}/{CONVERSATION_SID}",
        recording_seconds=240,
    )


def _plays(db, object_type: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    statement = select(AuditEvent).where(
        AuditEvent.action == "play", AuditEvent.object_type == object_type
    )
    return list(db.scalars(statement))


# -- the gateway ------------------------------------------------------------------------------


def test_fetch_uses_basic_auth_on_the_url_built_from_the_sid(db, media, twilio_account):
    assert telephony.fetch_recording(RECORDING_SID) == MP3
    url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{RECORDING_SID}.mp3"
    assert media.requests == [(url, (ACCOUNT, twilio_account))]


def test_fetch_in_sandbox_mode_says_there_is_no_media(db, media):
    with pytest.raises(telephony.NoMediaInSandbox):
        telephony.fetch_recording(RECORDING_SID)
    assert media.requests == []


def test_fetch_never_sends_a_malformed_sid_to_twilio(db, media, twilio_account):
    with pytest.raises(telephony.RecordingNotFound):
        telephony.fetch_recording("RE1/../../Calls")
    assert media.requests == []


def test_fetch_of_a_recording_twilio_does_not_have_is_not_found(db, media, twilio_account):
    media.status = 404
    with pytest.raises(telephony.RecordingNotFound):
        telephony.fetch_recording(RECORDING_SID)


def test_fetch_refuses_a_recording_over_the_size_limit(db, media, twilio_account, monkeypatch):
    monkeypatch.setattr(telephony, "MEDIA_MAX_BYTES", len(MP3) - 1)
    with pytest.raises(telephony.RecordingUnavailable, match="over"):
        telephony.fetch_recording(RECORDING_SID)


def test_fetch_reports_twilio_unreachable_as_unavailable(db, twilio_account, monkeypatch):
    def unreachable(url: str, auth: tuple[str, str]) -> requests.Response:
        raise requests.ConnectTimeout("connect timed out")

    monkeypatch.setattr(telephony, "_get", unreachable)
    with pytest.raises(telephony.RecordingUnavailable, match="could not be reached"):
        telephony.fetch_recording(RECORDING_SID)


# -- playing a voice message ------------------------------------------------------------------


def test_voice_message_plays_the_bytes_fetched_from_twilio(
    client, login, db, fields, media, twilio_account
):
    # A stored URL on another host is never followed: the SID builds the URL.
    message = data.voicemail(db, fields["legal"], recording_url="https://elsewhere.example/x")
    db.commit()
    login("coordinator")
    response = client.get(f"/voicemails/{message.id}/audio")
    assert response.status_code == 200 and response.data == MP3
    assert response.mimetype == "audio/mpeg"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == "inline"
    assert media.requests[0][0].startswith(f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/")


def test_playing_a_voice_message_is_audited(client, login, db, fields, media, twilio_account):
    message = data.voicemail(db, fields["legal"])
    db.commit()
    user = login("coordinator")
    client.get(f"/voicemails/{message.id}/audio")
    client.get(f"/voicemails/{message.id}/audio")
    plays = _plays(db, "voicemail")
    assert [(e.user_id, e.object_id) for e in plays] == [(user.id, message.id)] * 2
    assert plays[0].detail == {"recording": RECORDING_SID}


def test_counselor_plays_a_voice_message_assigned_to_them(
    client, login, db, fields, media, twilio_account
):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    message = data.voicemail(db, fields["legal"], assigned_to_id=kim.id, status="assigned")
    db.commit()
    login("counselor", counselor=kim)
    assert client.get(f"/voicemails/{message.id}/audio").data == MP3


def test_counselor_cannot_play_a_voice_message_assigned_to_someone_else(
    client, login, db, fields, media, twilio_account
):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lee = data.counselor(db, "이변호", "+821033334444", fields["legal"])
    message = data.voicemail(db, fields["legal"], assigned_to_id=lee.id, status="assigned")
    db.commit()
    login("counselor", counselor=kim)
    assert client.get(f"/voicemails/{message.id}/audio").status_code == 403
    assert media.requests == [] and _plays(db, "voicemail") == []


def test_playing_a_voice_message_needs_a_sign_in(client, db, fields, media, twilio_account):
    message = data.voicemail(db, fields["legal"])
    db.commit()
    assert client.get(f"/voicemails/{message.id}/audio").status_code == 302
    assert media.requests == []


def test_voice_message_in_sandbox_mode_is_not_available(client, login, db, fields, media):
    message = data.voicemail(db, fields["legal"])
    db.commit()
    login("coordinator")
    response = client.get(f"/voicemails/{message.id}/audio")
    assert response.status_code == 404
    assert "실제 Twilio 계정을 연결했을 때만" in response.get_data(as_text=True)
    assert media.requests == [] and _plays(db, "voicemail") == []


def test_voice_message_erased_by_retention_is_not_fetched(
    client, login, db, fields, media, twilio_account
):
    message = data.voicemail(db, fields["legal"], recording_url=None)
    db.commit()
    login("coordinator")
    assert client.get(f"/voicemails/{message.id}/audio").status_code == 404
    assert media.requests == []


def test_twilio_failure_answers_bad_gateway_and_audits_nothing(
    client, login, db, fields, media, twilio_account
):
    media.status = 500
    message = data.voicemail(db, fields["legal"])
    db.commit()
    login("coordinator")
    response = client.get(f"/voicemails/{message.id}/audio")
    assert response.status_code == 502
    assert "잠시 후 다시 시도해 주십시오" in response.get_data(as_text=True)
    assert _plays(db, "voicemail") == []


def test_voice_message_page_plays_through_the_app_never_from_twilio(
    client, login, db, fields, twilio_account
):
    message = data.voicemail(db, fields["legal"])
    db.commit()
    login("coordinator")
    page = client.get(f"/voicemails/{message.id}").get_data(as_text=True)
    assert f'<audio controls preload="none" src="/voicemails/{message.id}/audio">' in page
    assert "api.twilio.com" not in page and RECORDING_SID not in page


def test_voice_message_page_in_sandbox_mode_explains_there_is_no_recording(
    client, login, db, fields
):
    message = data.voicemail(db, fields["legal"])
    db.commit()
    login("coordinator")
    page = client.get(f"/voicemails/{message.id}").get_data(as_text=True)
    assert "<audio" not in page
    assert "녹음은 실제 Twilio 계정을 연결했을 때만 보관됩니다." in page


# -- playing a recorded conversation ----------------------------------------------------------


def test_coordinator_plays_a_recorded_conversation(
    client, login, db, fields, media, twilio_account
):
    call = _recorded_call(db, fields)
    db.commit()
    user = login("coordinator")
    response = client.get(f"/calls/{call.id}/audio")
    assert response.status_code == 200 and response.data == MP3
    assert media.requests[0][0].endswith(f"/Recordings/{CONVERSATION_SID}.mp3")
    assert [(e.user_id, e.object_id) for e in _plays(db, "call")] == [(user.id, call.id)]


def test_counselor_cannot_play_a_recorded_conversation(
    client, login, db, fields, media, twilio_account
):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    call = _recorded_call(db, fields)
    call.connected_counselor_id = kim.id
    db.commit()
    login("counselor", counselor=kim)
    assert client.get(f"/calls/{call.id}/audio").status_code == 403
    assert media.requests == [] and _plays(db, "call") == []


def test_call_without_a_recording_has_nothing_to_play(
    client, login, db, fields, media, twilio_account
):
    call = data.call(db, fields["legal"], outcome="connected")
    db.commit()
    login("coordinator")
    assert client.get(f"/calls/{call.id}/audio").status_code == 404
    assert media.requests == []


def test_call_page_plays_its_recording_through_the_app(client, login, db, fields, twilio_account):
    call = _recorded_call(db, fields)
    db.commit()
    login("coordinator")
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert f'<audio controls preload="none" src="/calls/{call.id}/audio">' in page
    assert "api.twilio.com" not in page


def test_call_page_in_sandbox_mode_explains_there_is_no_recording(client, login, db, fields):
    call = _recorded_call(db, fields)
    db.commit()
    login("coordinator")
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "<audio" not in page
    assert "녹음은 실제 Twilio 계정을 연결했을 때만 보관됩니다." in page


def test_pages_take_media_from_the_app_only(client, login, db):
    login("coordinator")
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "media-src 'self';" in policy and "https:" not in policy
