"""Does a request Twilio signs reach the app with its signature intact, through the proxy?

Preflight posts to the line's own /ivr/voice, signed with the auth token over the URL Twilio
will call, exactly as Twilio signs it. The request carries a probe header, so the app checks
the signature the way every webhook does (`ivr.security`) and answers what it found instead
of starting a call: nothing is recorded. Only a probe stamped with the app's SECRET_KEY also
learns the URL the app rebuilt, which is what to compare when they differ.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse, urlunparse

import requests
from flask import Flask, Response, current_app, jsonify, request
from twilio.request_validator import RequestValidator

from callcenter.preflight.findings import Finding, fail, ok

PROBE_HEADER = "X-Callcenter-Preflight"
PROBE_WINDOW_SECONDS = 300
# What the probe posts: the form of a call's first request, for a number nobody has.
PROBE_FORM = {
    "CallSid": "CA" + "0" * 32,
    "AccountSid": "AC" + "0" * 32,
    "From": "+821000000000",
    "CallStatus": "ringing",
    "Direction": "inbound",
}
Post = Callable[[str, dict[str, str], dict[str, str]], tuple[int, str]]


def probe_stamp(secret: str, now: float) -> str:
    """Return a probe header value only a holder of SECRET_KEY can make."""
    moment = str(int(now))
    digest = hmac.new(secret.encode(), b"preflight:" + moment.encode(), hashlib.sha256)
    return f"{moment}.{digest.hexdigest()}"


def stamp_is_genuine(secret: str, value: str, now: float) -> bool:
    """Whether a probe header was made with this SECRET_KEY a moment ago."""
    moment, _, _ = value.partition(".")
    if not moment.isdigit() or abs(now - int(moment)) > PROBE_WINDOW_SECONDS:
        return False
    return hmac.compare_digest(value, probe_stamp(secret, int(moment)))


def answer_probe() -> Response | tuple[Response, int] | None:
    """Answer a preflight probe of /ivr/voice with the signature check's verdict."""
    if PROBE_HEADER not in request.headers or request.endpoint != "ivr.voice":
        return None
    from ivr.security import public_url, signature_is_valid

    valid = signature_is_valid()
    body: dict[str, Any] = {"probe": "preflight", "signature": "valid" if valid else "invalid"}
    secret = current_app.config.get("SECRET_KEY") or ""
    if stamp_is_genuine(secret, request.headers[PROBE_HEADER], time.time()):
        body["url"] = public_url()
    return jsonify(body), 200 if valid else 403


def register_probe(app: Flask) -> None:
    """Let preflight probe the webhook signature check without starting a call."""
    app.before_request(answer_probe)


def http_post(via: str | None = None, insecure: bool = False) -> Post:
    """Return a poster over HTTP: to the URL itself, or to `via` with the URL's Host header."""

    def post(url: str, headers: dict[str, str], form: dict[str, str]) -> tuple[int, str]:
        target, sent = url, dict(headers)
        if via:
            parts, through = urlparse(url), urlparse(via)
            target = urlunparse(parts._replace(scheme=through.scheme, netloc=through.netloc))
            sent["Host"] = parts.netloc
        answer = requests.post(
            target, data=form, headers=sent, timeout=10, allow_redirects=False, verify=not insecure
        )
        return answer.status_code, answer.text

    return post


def check_signature(config: Any, signed_url: str, post: Post, now: float) -> list[Finding]:
    """Post a probe signed for `signed_url`, then one with a wrong signature."""
    token, secret = config.get("TWILIO_AUTH_TOKEN") or "", config.get("SECRET_KEY") or ""
    form = {**PROBE_FORM, "To": config.get("TWILIO_PHONE_NUMBER") or ""}
    signature = RequestValidator(token).compute_signature(signed_url, form)
    headers = {"X-Twilio-Signature": signature, PROBE_HEADER: probe_stamp(secret, now)}
    try:
        status, body = post(signed_url, headers, form)
    except requests.RequestException as exc:
        return [
            fail(
                f"POST {signed_url} did not reach the app: {exc}",
                "check DNS, the proxy and the certificate; from inside the network, "
                "use --via https://127.0.0.1 (and --insecure for its certificate)",
            )
        ]
    verdict = _verdict(body)
    if verdict is None:
        return [
            fail(
                f"POST {signed_url} answered HTTP {status}, not the app's own answer",
                "check that the proxy passes /ivr/ to gunicorn (deploy/nginx/callcenter.conf)",
            )
        ]
    findings = []
    if verdict.get("signature") == "valid":
        findings.append(ok(f"a request Twilio signs for {signed_url} is accepted"))
    else:
        seen = verdict.get("url", "")
        findings.append(
            fail(
                f"a request Twilio signs for {signed_url} is refused with 403: "
                f"the app rebuilt the URL as {seen or '(not told)'}",
                _fix(signed_url, seen, config.get("PUBLIC_BASE_URL")),
            )
        )
    wrong = {**headers, "X-Twilio-Signature": "AAAA" + signature[4:]}
    status, body = post(signed_url, wrong, form)
    if (_verdict(body) or {}).get("signature") == "invalid" and status == 403:
        findings.append(ok("a request with a wrong signature is refused with 403"))
    else:
        findings.append(fail(f"a request with a wrong signature got HTTP {status}"))
    return findings


def _verdict(body: str) -> dict[str, Any] | None:
    import json

    try:
        found = json.loads(body)
    except ValueError:
        return None
    return found if isinstance(found, dict) and found.get("probe") == "preflight" else None


def _fix(signed: str, seen: str, configured: str | None) -> str:
    """Say which setting makes the rebuilt URL the one Twilio signs."""
    want, got = urlparse(signed), urlparse(seen)
    base = f"{want.scheme}://{want.netloc}"
    if configured and configured.rstrip("/") != base:
        return (
            f"PUBLIC_BASE_URL is {configured}, but Twilio calls {base}: set PUBLIC_BASE_URL={base}"
        )
    if not seen:
        return "run preflight with this deployment's SECRET_KEY to see the URL the app rebuilt"
    hints = []
    if got.scheme != want.scheme:
        hints.append(
            f"the app sees {got.scheme}:// behind the proxy: set TRUSTED_PROXY_COUNT to the "
            "number of proxies in front of gunicorn, and have the proxy send X-Forwarded-Proto"
        )
    if got.netloc != want.netloc:
        hints.append(f"the app sees the host {got.netloc}: set PUBLIC_BASE_URL={base}")
    if got.path != want.path:
        hints.append(f"the path differs ({got.path}): check the proxy's location and prefix")
    return "\n".join(hints) or f"set PUBLIC_BASE_URL={base}"
