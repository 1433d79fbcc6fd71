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
    assert not sent.refused  # whether it went through is unknown
    assert db.get(telephony.OutboxMessage, sent.outbox_id).status == "failed"


def test_rest_client_waits_a_bounded_time(app, settings):
    settings(TWILIO_ACCOUNT_SID="AC" + "1" * 32)
    with app.app_context():
        client = telephony._client()
    assert client.http_client.timeout == telephony.REST_TIMEOUT_SECONDS


class Refusing:
    """A REST client that Twilio answers with an error: the call has ended."""

    def calls(self, sid):
        from twilio.base.exceptions import TwilioRestException

        class Call:
            def update(self, **options):
                raise TwilioRestException(400, f"/Calls/{sid}", "Call is not in-progress", 21220)

        return Call()


def test_call_twilio_refuses_to_redirect_is_a_refused_send(app, db, settings, monkeypatch):
    settings(SANDBOX=False, TWILIO_ACCOUNT_SID="AC" + "1" * 32)
    monkeypatch.setattr(telephony, "_client", lambda: Refusing())
    sent = telephony.redirect_call(db, "CAended", "https://line.example.org/ivr/queue/connect")
    assert not sent.ok and sent.refused
