"""The call walker itself: over HTTP against a running server, and its refusal of bad TwiML."""

import threading

import pytest
from flask import Flask, Response
from werkzeug.serving import make_server

from ivr.walker import CallWalker, FlaskTransport, HttpTransport, Script, WalkerError


@pytest.fixture
def served(app, db):
    """Serve the app on a loopback port for the length of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_walker_plays_a_call_over_http_against_a_running_app(app, served, on_shift, clock):
    counselor = on_shift("legal")
    walker = CallWalker(HttpTransport(served), app.config["TWILIO_AUTH_TOKEN"])
    transcript = walker.call(Script(keys=["1", "4"], counselors=["answers"]))
    assert f"상담위원 {counselor.phone[-4:]} 전화를 받음" in transcript.events
    assert "응답해 주셔서 감사합니다." in transcript.heard


def test_walker_refuses_twiml_that_twilio_would_refuse():
    broken = Flask("broken")

    @broken.post("/ivr/voice")
    def voice():
        return Response('<Response><Say colour="red">hi</Say></Response>', mimetype="text/xml")

    walker = CallWalker(FlaskTransport(broken.test_client()), "token")
    with pytest.raises(ValueError, match="undocumented"):
        walker.call(Script())


def test_walker_refuses_an_error_page():
    broken = Flask("broken")
    walker = CallWalker(FlaskTransport(broken.test_client()), "token")
    with pytest.raises(WalkerError, match="HTTP 404"):
        walker.call(Script())


def test_walker_takes_keys_as_they_are_pressed_and_streams_the_transcript(walker, on_shift, clock):
    on_shift("legal")
    heard = []

    def presses():  # a person at a browser phone: the next key once the menu was heard
        assert any("법률 상담은 1번" in line.text for line in heard)
        yield "1"

    transcript = walker.call(Script(keys=presses(), counselors=["answers"], on_line=heard.append))
    assert heard == transcript.lines
    assert "1번을 눌러 주세요" in transcript.counselor_heard


@pytest.mark.parametrize(
    ("behaviour", "leg_status", "whispered"),
    [("caller-hangs-up", "canceled", False), ("caller-hangs-up-in-whisper", "completed", True)],
)
def test_walker_hangs_up_in_a_dial_as_twilio_reports_it(
    walker, on_shift, clock, behaviour, leg_status, whispered
):
    on_shift("legal")
    transcript = walker.call(Script(keys=["1", "5"], counselors=[behaviour]))
    sent = [
        (path.split("?")[0], form.get("CallStatus"), form.get("DialCallStatus"))
        for path, form, _, _ in transcript.exchanges
    ]
    assert ("/ivr/dial/done", "completed", leg_status) in sent  # the caller's own call ended
    assert ("/ivr/status", leg_status, None) in sent  # the counselor's leg
    assert sent[-1] == ("/ivr/status", "completed", None)  # the caller's final status
    assert any(path == "/ivr/whisper" for path, _, _ in sent) == whispered
    assert not any(path.startswith("/ivr/survey") for path, _, _ in sent)
