"""Recordings' audio, fetched from Twilio with the account's credentials."""

from __future__ import annotations

import io

import pytest
import requests

from callcenter import telephony

ACCOUNT = "AC" + "a" * 32
RECORDING_SID = "RE" + "1" * 32
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
