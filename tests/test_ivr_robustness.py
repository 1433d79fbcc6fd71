"""Signatures, proxies, unexpected errors, an unreachable database, valid TwiML."""

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from callcenter import create_app
from ivr import prompts
from ivr.twiml_check import TwimlError, check_twiml

ROUTES = [
    "/ivr/voice",
    "/ivr/status",
    "/ivr/fallback",
    "/ivr/menu",
    "/ivr/whisper",
    "/ivr/whisper/answer",
    "/ivr/dial/done",
    "/ivr/queue/wait",
    "/ivr/queue/key",
    "/ivr/queue/done",
    "/ivr/queue/connect",
    "/ivr/offer",
    "/ivr/callback/confirm",
    "/ivr/callback/number",
    "/ivr/voicemail/done",
    "/ivr/voicemail/saved",
    "/ivr/recording",
    "/ivr/survey",
]
FORM = {"CallSid": "CAtest", "From": "+821055551234", "CallStatus": "in-progress"}


def sign(token, url, form):
    return RequestValidator(token).compute_signature(url, form)


@pytest.mark.parametrize("path", ROUTES)
def test_unsigned_requests_are_refused(client, path):
    assert client.post(path, data=FORM).status_code == 403


@pytest.mark.parametrize("path", ["/ivr/voice", "/ivr/status", "/ivr/fallback"])
def test_tampered_requests_are_refused(app, client, path):
    signature = sign(app.config["TWILIO_AUTH_TOKEN"], f"http://localhost{path}", FORM)
    tampered = dict(FORM, From="+821099999999")
    headers = {"X-Twilio-Signature": signature}
    assert client.post(path, data=tampered, headers=headers).status_code == 403


def test_signature_is_checked_over_the_public_base_url(app, client, settings):
    settings(PUBLIC_BASE_URL="https://line.example.org")
    token = app.config["TWILIO_AUTH_TOKEN"]
    good = {"X-Twilio-Signature": sign(token, "https://line.example.org/ivr/fallback", FORM)}
    bad = {"X-Twilio-Signature": sign(token, "http://localhost/ivr/fallback", FORM)}
    assert client.post("/ivr/fallback", data=FORM, headers=good).status_code == 200
    assert client.post("/ivr/fallback", data=FORM, headers=bad).status_code == 403


def test_signature_over_the_url_with_its_default_port_is_accepted(app, client, settings):
    settings(PUBLIC_BASE_URL="https://line.example.org")
    token = app.config["TWILIO_AUTH_TOKEN"]
    url = "https://line.example.org:443/ivr/fallback?lang=en"
    headers = {"X-Twilio-Signature": sign(token, url, FORM)}
    assert client.post("/ivr/fallback?lang=en", data=FORM, headers=headers).status_code == 200


def test_webhook_answers_set_no_session_cookie(app, client):
    headers = {
        "X-Twilio-Signature": sign(
            app.config["TWILIO_AUTH_TOKEN"], "http://localhost/ivr/voice", FORM
        )
    }
    response = client.post("/ivr/voice", data=FORM, headers=headers)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_repeated_form_parameters_are_all_signed(app, client):
    token = app.config["TWILIO_AUTH_TOKEN"]
    form = MultiDict([*FORM.items(), ("Digits", "1"), ("Digits", "2")])
    signed_one = {**FORM, "Digits": "1"}
    good = {"X-Twilio-Signature": sign(token, "http://localhost/ivr/fallback", form)}
    bad = {"X-Twilio-Signature": sign(token, "http://localhost/ivr/fallback", signed_one)}
    assert client.post("/ivr/fallback", data=form, headers=good).status_code == 200
    assert client.post("/ivr/fallback", data=form, headers=bad).status_code == 403


def test_signature_is_checked_over_the_proxy_url_when_proxies_are_trusted(database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, TRUSTED_PROXY_COUNT=1)
    token = app.config["TWILIO_AUTH_TOKEN"]
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "line.example.org",
        "X-Twilio-Signature": sign(token, "https://line.example.org/ivr/fallback", FORM),
    }
    assert app.test_client().post("/ivr/fallback", data=FORM, headers=headers).status_code == 200


def test_unexpected_error_is_answered_with_an_apology_and_the_fallback(
    app, client, db, monkeypatch, caplog
):
    import ivr.webhooks

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ivr.webhooks, "interpret", broken)
    url = "http://localhost/ivr/menu"
    form = dict(FORM, Digits="1")
    headers = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], url, form)}
    response = client.post("/ivr/menu", data=form, headers=headers)
    assert response.status_code == 200
    root = check_twiml(response.get_data(as_text=True))
    assert "죄송합니다" in root.find("Say").text
    assert root.find("Redirect").text.startswith("/ivr/fallback")
    failure = next(r for r in caplog.records if r.getMessage() == "IVR webhook failed")
    assert failure.call_sid == "CAtest"


@pytest.fixture
def unreachable_app():
    return create_app(
        "testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none"
    )


@pytest.mark.parametrize("path", ["/ivr/voice", "/ivr/fallback"])
def test_line_speaks_when_the_database_is_unreachable(unreachable_app, path):
    prompts.forget_overrides()
    token = unreachable_app.config["TWILIO_AUTH_TOKEN"]
    headers = {"X-Twilio-Signature": sign(token, f"http://localhost{path}", FORM)}
    response = unreachable_app.test_client().post(path, data=FORM, headers=headers)
    assert response.status_code == 200
    root = check_twiml(response.get_data(as_text=True))
    assert root.find("Say").text


def test_fallback_puts_callers_through_to_the_desk_when_it_is_open(app, client, clock, settings):
    settings(ADMIN_DESK_NUMBER="+82318282114")
    headers = {
        "X-Twilio-Signature": sign(
            app.config["TWILIO_AUTH_TOKEN"], "http://localhost/ivr/fallback", FORM
        )
    }
    root = check_twiml(client.post("/ivr/fallback", data=FORM, headers=headers).get_data(True))
    assert root.find("Dial").text == "+82318282114"
    assert root.find("Dial").get("action") == "/ivr/fallback?lang=ko"


def test_fallback_desk_that_does_not_answer_asks_to_call_again(unreachable_app):
    form = {**FORM, "DialCallStatus": "no-answer"}
    url = "http://localhost/ivr/fallback?lang=ko"
    headers = {"X-Twilio-Signature": sign(unreachable_app.config["TWILIO_AUTH_TOKEN"], url, form)}
    response = unreachable_app.test_client().post(
        "/ivr/fallback?lang=ko", data=form, headers=headers
    )
    root = check_twiml(response.get_data(as_text=True))
    assert "다시 걸어 주십시오" in root.find("Say").text
    assert root.find("Hangup") is not None
    assert root.find("Dial") is None


def test_coordinator_wording_overrides_the_catalogue(db, walker, clock):
    from callcenter.models import PromptOverride
    from tests.ivr_support import play

    db.add(PromptOverride(key="greeting", language="ko", text="의정부시 무료 상담 전화입니다."))
    db.commit()
    prompts.forget_overrides()
    try:
        assert "의정부시 무료 상담 전화입니다." in play(walker).heard
    finally:
        prompts.forget_overrides()


def test_new_wording_reaches_calls_already_past_the_greeting(app, client, db, on_shift, clock):
    from callcenter.models import PromptOverride

    on_shift("legal")
    prompts.forget_overrides()
    prompts.refresh_overrides(db, now=0.0)  # this worker's copy, read long ago
    db.add(
        PromptOverride(key="connecting", language="ko", text="{field} 상담위원을 찾고 있습니다.")
    )
    db.commit()
    form = dict(FORM, Digits="1")
    url = "http://localhost/ivr/menu?lang=ko&attempt=1"
    headers = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], url, form)}
    try:
        answer = client.post("/ivr/menu?lang=ko&attempt=1", data=form, headers=headers)
        assert "법률 상담위원을 찾고 있습니다." in answer.get_data(as_text=True)
    finally:
        prompts.forget_overrides()


def test_check_twiml_refuses_undocumented_attributes():
    with pytest.raises(TwimlError, match="undocumented"):
        check_twiml('<Response><Say colour="red">hi</Say></Response>')


def test_check_twiml_refuses_oversized_answers():
    with pytest.raises(TwimlError, match="64 KB"):
        check_twiml("<Response>" + "<Pause/>" * 9000 + "</Response>")


def test_a_failing_fallback_still_speaks_and_never_redirects_to_itself(app, client, monkeypatch):
    import ivr.webhooks

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ivr.webhooks, "desk_is_open", broken)
    headers = {
        "X-Twilio-Signature": sign(
            app.config["TWILIO_AUTH_TOKEN"], "http://localhost/ivr/fallback", FORM
        )
    }
    root = check_twiml(client.post("/ivr/fallback", data=FORM, headers=headers).get_data(True))
    assert root.find("Say").text
    assert root.find("Redirect") is None
    assert root.find("Hangup") is not None


def test_twiml_is_rendered_exactly_as_the_twilio_library_does(app):
    from twilio.twiml.voice_response import VoiceResponse

    from ivr.responses import render

    response = VoiceResponse()
    gather = response.gather(num_digits=1, action="/ivr/menu?a=1&b=2", action_on_empty_result=True)
    gather.say('법률 상담은 1번 <"&">\nnext', language="ko-KR")
    gather.pause(length=2)
    dial = response.dial(caller_id="+827000000000", timeout=20)
    dial.number("+821012345678", url="/ivr/whisper?x=1&y=2")
    response.hangup()
    assert render(response) == str(response)


@pytest.mark.parametrize(
    ("url", "script_root"),
    [
        ("/ivr/menu?lang=ko&attempt=1", ""),
        ("/ivr/status?call=CA12&counselor=3&field=1&pos=0&at=1795000000&lang=en", ""),
        ("/ivr/callback/number?to=%2B821055551234", ""),
        ("/ivr/menu?q=%ED%95%9C%EA%B5%AD", ""),
        ("/ivr/menu?q=a+b&c=d%20e", ""),
        ("/ivr/voice", "/line"),
        ("/ivr/voice?x=%3F", "/line/"),
        ("//ivr/voice", ""),
    ],
)
@pytest.mark.parametrize("base", [None, "https://line.example.org"])
@pytest.mark.parametrize("host", ["localhost", "Line.Example.ORG"])
def test_public_url_is_the_url_werkzeug_rebuilds(app, settings, url, script_root, base, host):
    from flask import request

    from ivr.security import public_url

    settings(PUBLIC_BASE_URL=base)
    base_url = f"http://{host}:8080{script_root}"
    with app.test_request_context(url, method="POST", base_url=base_url):
        if base:
            expected = base + (request.full_path if request.query_string else request.path)
        else:
            expected = request.url
        assert public_url() == expected


def failing_request(app, client, monkeypatch, module, name, path, status=200):
    """Post a signed request to `path` while `module.name` raises."""

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(module, name, broken)
    headers = {
        "X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], f"http://localhost{path}", FORM)
    }
    response = client.post(path, data=FORM, headers=headers)
    assert response.status_code == status
    return check_twiml(response.get_data(as_text=True))


def test_failing_whisper_ends_only_the_counselors_leg(app, client, db, monkeypatch):
    import ivr.leg_webhooks

    root = failing_request(app, client, monkeypatch, ivr.leg_webhooks, "this_ring", "/ivr/whisper")
    assert "죄송합니다" in root.find("Say").text
    assert root.find("Hangup") is not None
    assert root.find("Redirect") is None and root.find("Dial") is None


def test_failing_queue_wait_lets_the_caller_leave_the_queue(app, client, db, monkeypatch):
    import ivr.queue_webhooks

    root = failing_request(
        app, client, monkeypatch, ivr.queue_webhooks, "waiting_music", "/ivr/queue/wait"
    )
    assert root.find("Leave") is not None
    assert root.find("Redirect") is None and root.find("Dial") is None


def test_failing_status_callback_answers_an_error_so_that_twilio_sends_it_again(
    app, client, db, monkeypatch
):
    import ivr.webhooks

    root = failing_request(
        app, client, monkeypatch, ivr.webhooks, "apply_call_status", "/ivr/status", status=503
    )
    assert list(root) == []
