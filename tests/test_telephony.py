"""The gateway to Twilio's REST API: what it records and how it fails."""

import requests

from callcenter import telephony


class Unreachable:
    """A REST client whose every request times out."""

    def __getattr__(self, name):
        raise requests.ConnectTimeout("api.twilio.com did not answer")


def test_unreachable_twilio_is_a_failed_send_not_an_error(app, db, settings, monkeypatch):
    settings(SANDBOX=False, TWILIO_ACCOUNT_SID="AC" + "1" * 32)
    monkeypatch.setattr(telephony, "_client", lambda: Unreachable())
    sent = telephony.send_sms(db, "+821055551234", "접수되었습니다.")
    assert not sent.ok and "did not answer" in sent.error
    assert db.get(telephony.OutboxMessage, sent.outbox_id).status == "failed"


def test_rest_client_waits_a_bounded_time(app, settings):
    settings(TWILIO_ACCOUNT_SID="AC" + "1" * 32)
    with app.app_context():
        client = telephony._client()
    assert client.http_client.timeout == telephony.REST_TIMEOUT_SECONDS
