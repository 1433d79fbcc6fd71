"""The baseline of the IVR benchmark: a bare Flask route answering constant TwiML."""

from flask import Flask, Response

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="ko-KR">'
    '법률 상담위원에게 연결해 드리겠습니다.</Say><Dial callerId="+827000000000" timeout="20">'
    '<Number url="/ivr/whisper?leg=1">+821090000001</Number></Dial></Response>'
)

app = Flask(__name__)


@app.post("/ivr/menu")
def menu() -> Response:
    """Answer every menu choice with the same TwiML."""
    return Response(TWIML, mimetype="text/xml")
