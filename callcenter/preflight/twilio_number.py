"""The line's Twilio number: its voice URL, fallback URL, status callback and methods."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from callcenter.preflight.findings import Finding, fail, info, ok

REST_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Expected:
    """A setting of the number, what it must be, and its name in the Twilio console."""

    attribute: str
    value: str
    console: str


def webhook_urls(base: str) -> dict[str, str]:
    """Return the contract's webhook URLs under a public base URL."""
    return {name: f"{base}/ivr/{name}" for name in ("voice", "fallback", "status")}


def expected_settings(base: str) -> list[Expected]:
    """Return what the number's voice configuration must say."""
    urls = webhook_urls(base)
    return [
        Expected("voice_url", urls["voice"], "A call comes in (URL)"),
        Expected("voice_method", "POST", "A call comes in (HTTP method)"),
        Expected("voice_fallback_url", urls["fallback"], "Primary handler fails (URL)"),
        Expected("voice_fallback_method", "POST", "Primary handler fails (HTTP method)"),
        Expected("status_callback", urls["status"], "Call status changes (URL)"),
        Expected("status_callback_method", "POST", "Call status changes (HTTP method)"),
    ]


def http_client() -> Any:
    """Return the HTTP client of Twilio's REST API (tests replace it)."""
    return TwilioHttpClient(timeout=REST_TIMEOUT_SECONDS)


def read_number(config: Any) -> Any | None:
    """Return the account's incoming number resource for TWILIO_PHONE_NUMBER, or None."""
    client = Client(
        config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http_client()
    )
    found = client.incoming_phone_numbers.list(phone_number=config["TWILIO_PHONE_NUMBER"], limit=1)
    return found[0] if found else None


def check_number(config: Any, base: str | None) -> tuple[list[Finding], str | None]:
    """Compare the live number's voice settings with PUBLIC_BASE_URL.

    Return the findings and the voice URL Twilio will call (to sign the probe with).
    """
    number = config.get("TWILIO_PHONE_NUMBER")
    if not base:
        return [fail("cannot compare the number's URLs without PUBLIC_BASE_URL")], None
    try:
        resource = read_number(config)
    except TwilioException as exc:
        return [
            fail(
                f"Twilio's REST API refused or did not answer: {exc}",
                "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, and that this host reaches "
                "api.twilio.com",
            )
        ], None
    if resource is None:
        return [
            fail(
                f"the Twilio account has no number {number}",
                "check TWILIO_PHONE_NUMBER against Phone Numbers, Manage, Active numbers",
            )
        ], None
    findings = [ok(f"the Twilio account owns {number}")]
    application = getattr(resource, "voice_application_sid", None)
    if application:
        findings.append(
            fail(
                f"{number} sends its calls to the TwiML App {application}, not to its voice URL",
                "in the number's Voice Configuration, choose Webhook instead of TwiML App",
            )
        )
    for setting in expected_settings(base):
        actual = getattr(resource, setting.attribute, None) or ""
        if setting.attribute.endswith("method"):
            matches = str(actual).upper() == setting.value
        else:
            matches = str(actual) == setting.value
        if matches:
            findings.append(ok(f"{setting.console}: {setting.value}"))
        else:
            findings.append(
                fail(
                    f"{setting.console} is {actual or '(empty)'}",
                    f"set it to {setting.value} in the number's Voice Configuration",
                )
            )
    return findings, getattr(resource, "voice_url", None) or None


def sandbox_instructions(base: str | None) -> Iterator[Finding]:
    """Say what to set on the number once the line goes live."""
    if not base:
        return
    lines = [f"{s.console}: {s.value}" for s in expected_settings(base)]
    yield info(
        "sandbox mode: no Twilio number to read; set these on the line's number when it goes live",
        "\n".join(lines),
    )
