"""Playing recordings in the back office: fetched from Twilio by the app, every play audited.

A browser never reaches Twilio's media: the app fetches a recording with the account's
credentials and passes the audio on, so the Twilio account can require HTTP basic auth for
media, and each listen is written to the audit log (a voice is personal data).
"""

from __future__ import annotations

import logging

from flask import Response, abort
from flask_babel import gettext as _

from callcenter import telephony
from callcenter.backoffice.helpers import audit_event
from callcenter.extensions import db

log = logging.getLogger(__name__)


def play(recording_sid: str | None, kept: bool, object_type: str, object_id: int) -> Response:
    """Answer with a recording's MP3 and audit it, or with a page that says why not.

    `kept` is False once retention erased the recording's URL: it is then no longer played.
    """
    if not recording_sid or not kept:
        abort(404, description=_("녹음 파일이 없습니다."))
    try:
        audio = telephony.fetch_recording(recording_sid)
    except telephony.NoMediaInSandbox:
        abort(404, description=_("녹음은 실제 Twilio 계정을 연결했을 때만 보관됩니다."))
    except telephony.RecordingNotFound as exc:
        log.warning("Recording of %s %s not found: %s", object_type, object_id, exc)
        abort(404, description=_("Twilio에 이 녹음이 없습니다."))
    except telephony.RecordingUnavailable as exc:
        log.error("Recording of %s %s not fetched: %s", object_type, object_id, exc)
        abort(
            502,
            description=_("Twilio에서 녹음을 가져오지 못했습니다. 잠시 후 다시 시도해 주십시오."),
        )
    audit_event("play", object_type, object_id, recording=recording_sid)
    db.session.commit()
    return audio_response(audio)


def audio_response(audio: bytes) -> Response:
    """Wrap MP3 bytes for an <audio> element, never to be cached or saved by default."""
    response = Response(audio, mimetype="audio/mpeg")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = "inline"
    return response
