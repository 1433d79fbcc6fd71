"""The one gateway for Twilio REST use: SMS, placing calls, redirecting calls, recordings.

Every SMS and call goes through the numbers rule (`phones.outgoing_refusal`) here, whatever
form or job asked for it: a refused one is recorded in the outbox as refused and never sent.

With TWILIO_ACCOUNT_SID set it uses the real `twilio` client; without it (sandbox mode) each
message or call is only recorded in the outbox table, which the back office shows. Both modes
record what was sent, so a sandbox and a real line leave the same trace. Recordings' audio is
fetched with the account's credentials; a sandbox has none.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import requests
from flask import current_app
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from callcenter.models import OutboxMessage
from callcenter.phones import Use, mask, mask_numbers, outgoing_refusal

log = logging.getLogger(__name__)

RECORDING_SID = re.compile(r"RE[0-9a-fA-F]{32}")
MEDIA_URL = "https://api.twilio.com/2010-04-01/Accounts/{account}/Recordings/{recording}.mp3"
# Seconds to connect and between bytes, and for the whole download: a person is waiting.
MEDIA_TIMEOUT = (5.0, 15.0)
MEDIA_DEADLINE = 60.0
# An hour of two-channel MP3 from Twilio is about 30 MB; anything far larger is not a call.
MEDIA_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Sent:
    """What became of one outgoing message or call."""

    ok: bool
    sid: str | None
    outbox_id: int
    error: str | None = None
    # Twilio answered and said no (e.g. the call to redirect has ended). When it could not be
    # reached or did not answer in time, nobody knows whether the request took effect.
    refused: bool = False
    # The numbers rule kept it from going out (a Korean message id saying why).
    not_allowed: str | None = None


def is_sandbox() -> bool:
    """Whether outgoing messages are recorded instead of sent."""
    return bool(current_app.config.get("SANDBOX", True))


# Seconds to wait for Twilio's REST API: webhooks wait on it, and Twilio gives up on a
# webhook after 15 seconds.
REST_TIMEOUT_SECONDS = 5


def _client() -> Client:
    """Build a REST client from configuration, with a bounded wait for each request."""
    config = current_app.config
    return Client(
        config["TWILIO_ACCOUNT_SID"],
        config["TWILIO_AUTH_TOKEN"],
        http_client=TwilioHttpClient(timeout=REST_TIMEOUT_SECONDS),
    )


def _record(session: Session, kind: str, to: str | None, body: str) -> OutboxMessage:
    """Write the outbox row that traces an outgoing message or call. Does not commit."""
    message = OutboxMessage(kind=kind, to=to, body=body, sandbox=is_sandbox(), status="recorded")
    session.add(message)
    session.flush()
    return message


def _send(message: OutboxMessage, action) -> Sent:
    """Run a REST action unless in sandbox mode, and note its result on the outbox row."""
    if message.sandbox:
        message.provider_sid = f"SB{message.id:032d}"
        return Sent(True, message.provider_sid, message.id)
    try:
        sid = action()
    except (TwilioException, requests.RequestException) as exc:
        # Refused, or Twilio unreachable or too slow: the caller of the gateway decides what
        # to do, and the webhook that asked still answers and keeps what it recorded.
        # Twilio's message names the number: logs and the error column get it masked.
        log.exception("Could not send an outgoing %s", message.kind)
        reason = mask_numbers(str(exc))
        message.status, message.error = "failed", reason[:500]
        return Sent(False, None, message.id, reason, isinstance(exc, TwilioRestException))
    message.status, message.provider_sid = "sent", sid
    return Sent(True, sid, message.id)


def _refuse(message: OutboxMessage, reason: str) -> Sent:
    """Keep a message or call the numbers rule forbids from going out; note why."""
    log.warning("Refused an outgoing %s to %s: %s", message.kind, mask(message.to), reason)
    message.status, message.error = "refused", reason
    return Sent(False, None, message.id, reason, refused=True, not_allowed=reason)


def send_sms(session: Session, to: str, body: str) -> Sent:
    """Send an SMS from the line's number, to a Korean mobile only."""
    message = _record(session, "sms", to, body)
    if reason := outgoing_refusal(to, Use.SMS):
        return _refuse(message, reason)
    return _send(
        message,
        lambda: (
            _client()
            .messages.create(to=to, from_=current_app.config["TWILIO_PHONE_NUMBER"], body=body)
            .sid
        ),
    )


def place_call(
    session: Session,
    to: str,
    url: str,
    status_callback: str | None = None,
    timeout: int = 30,
    *,
    then_dials: str | None = None,
) -> Sent:
    """Place an outgoing call from the line's number; Twilio fetches TwiML from `url`.

    `then_dials` is the number that TwiML goes on to dial (the citizen of a callback
    bridge): the numbers rule holds for it as for `to`.
    """
    message = _record(session, "call", to, url)
    for number in (to, then_dials) if then_dials is not None else (to,):
        if reason := outgoing_refusal(number, Use.CALL):
            return _refuse(message, reason)

    def create() -> str:
        options = {"status_callback": status_callback} if status_callback else {}
        call = _client().calls.create(
            to=to,
            from_=current_app.config["TWILIO_PHONE_NUMBER"],
            url=url,
            timeout=timeout,
            **options,
        )
        return call.sid

    return _send(message, create)


def may_dial(number: str | None) -> bool:
    """Whether TwiML may dial this number for the line (e.g. the callback bridge's citizen)."""
    reason = outgoing_refusal(number, Use.CALL)
    if reason is not None:
        log.warning("Refused to dial %s: %s", mask(number), reason)
    return reason is None


def redirect_call(session: Session, call_sid: str, url: str) -> Sent:
    """Send a live call (e.g. a caller waiting in a queue) to new TwiML at `url`."""
    message = _record(session, "call_update", None, f"{call_sid} -> {url}")
    return _send(message, lambda: _client().calls(call_sid).update(url=url, method="POST").sid)


def call_state(call_sid: str) -> tuple[str, int | None] | None:
    """Return Twilio's status and duration of a call, or None (sandbox, or not known now)."""
    if is_sandbox():
        return None
    try:
        call = _client().calls(call_sid).fetch()
    except (TwilioException, requests.RequestException):
        log.warning("Could not read the state of call %s from Twilio", call_sid)
        return None
    duration = int(call.duration) if str(call.duration or "").isdigit() else None
    return str(call.status), duration


class RecordingUnavailable(Exception):
    """A recording's audio could not be fetched from Twilio; the message says why."""


class RecordingNotFound(RecordingUnavailable):
    """Twilio has no such recording (never made, or deleted there)."""


class NoMediaInSandbox(RecordingUnavailable):
    """Sandbox mode: there is no Twilio account, so no recording's audio is kept anywhere."""


def recording_media_url(account_sid: str, recording_sid: str) -> str:
    """Return the URL of a recording's MP3, built from SIDs rather than a stored URL."""
    return MEDIA_URL.format(account=account_sid, recording=recording_sid)


def fetch_recording(recording_sid: str) -> bytes:
    """Fetch a recording's MP3 from Twilio with the account's credentials (HTTP basic auth)."""
    if is_sandbox():
        raise NoMediaInSandbox("sandbox mode has no Twilio account, so no recordings")
    if not RECORDING_SID.fullmatch(recording_sid):
        raise RecordingNotFound(f"{recording_sid!r} is not a Twilio recording SID")
    config = current_app.config
    account = config["TWILIO_ACCOUNT_SID"]
    url = recording_media_url(account, recording_sid)
    try:
        with _get(url, (account, config["TWILIO_AUTH_TOKEN"])) as response:
            if response.status_code == 404:
                raise RecordingNotFound(f"Twilio has no recording {recording_sid}")
            if response.status_code != 200:
                raise RecordingUnavailable(
                    f"Twilio answered HTTP {response.status_code} for recording {recording_sid}"
                )
            return _read_capped(response)
    except requests.RequestException as exc:
        raise RecordingUnavailable(f"Twilio could not be reached: {exc}") from exc


def _get(url: str, auth: tuple[str, str]) -> requests.Response:
    """Start a streamed GET with bounded waits; tests replace this to keep Twilio out."""
    return requests.get(url, auth=auth, timeout=MEDIA_TIMEOUT, stream=True)


def _read_capped(response: requests.Response) -> bytes:
    """Read a response body, refusing one over the size limit or past the deadline."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MEDIA_MAX_BYTES:
        raise RecordingUnavailable(f"the recording is {declared} bytes, over the limit")
    deadline = time.monotonic() + MEDIA_DEADLINE
    body = bytearray()
    for chunk in response.iter_content(chunk_size=64 * 1024):
        body += chunk
        if len(body) > MEDIA_MAX_BYTES:
            raise RecordingUnavailable(f"the recording is over {MEDIA_MAX_BYTES} bytes")
        if time.monotonic() > deadline:
            raise RecordingUnavailable(f"the recording took over {MEDIA_DEADLINE:.0f} s")
    return bytes(body)
