"""What Twilio documents of TwiML for voice: verbs, their attributes and where they nest."""

from __future__ import annotations

from xml.etree import ElementTree

MAX_TWIML_BYTES = 64 * 1024

ATTRIBUTES: dict[str, set[str]] = {
    "Response": set(),
    "Say": {"voice", "language", "loop"},
    "Play": {"loop", "digits"},
    "Pause": {"length"},
    "Gather": {
        "action",
        "method",
        "timeout",
        "finishOnKey",
        "numDigits",
        "input",
        "language",
        "hints",
        "speechTimeout",
        "speechModel",
        "enhanced",
        "profanityFilter",
        "actionOnEmptyResult",
        "partialResultCallback",
        "partialResultCallbackMethod",
        "bargeIn",
        "debug",
    },
    "Redirect": {"method"},
    "Hangup": set(),
    "Reject": {"reason"},
    "Leave": set(),
    "Dial": {
        "action",
        "method",
        "timeout",
        "callerId",
        "record",
        "recordingStatusCallback",
        "recordingStatusCallbackMethod",
        "recordingStatusCallbackEvent",
        "recordingTrack",
        "hangupOnStar",
        "timeLimit",
        "answerOnBridge",
        "ringTone",
        "trim",
        "sequential",
    },
    "Number": {
        "url",
        "method",
        "statusCallback",
        "statusCallbackEvent",
        "statusCallbackMethod",
        "sendDigits",
        "machineDetection",
        "amdStatusCallback",
    },
    "Enqueue": {"action", "method", "waitUrl", "waitUrlMethod", "maxQueueSize", "workflowSid"},
    "Queue": {"url", "method"},
    "Record": {
        "action",
        "method",
        "timeout",
        "finishOnKey",
        "maxLength",
        "playBeep",
        "trim",
        "recordingStatusCallback",
        "recordingStatusCallbackMethod",
        "recordingStatusCallbackEvent",
        "transcribe",
        "transcribeCallback",
    },
}

CHILDREN: dict[str, set[str]] = {
    "Response": {
        "Say",
        "Play",
        "Pause",
        "Gather",
        "Redirect",
        "Hangup",
        "Reject",
        "Leave",
        "Dial",
        "Enqueue",
        "Record",
    },
    "Gather": {"Say", "Play", "Pause"},
    "Dial": {"Number", "Queue"},
}

# Verbs whose text is their argument (what to say, where to go, whom to call).
TEXT_VERBS = {"Say", "Play", "Redirect", "Number", "Enqueue", "Queue", "Dial"}


class TwimlError(ValueError):
    """Raised for an answer Twilio would not accept."""


def check_twiml(body: str) -> ElementTree.Element:
    """Parse a TwiML answer and refuse anything Twilio does not document."""
    if len(body.encode()) > MAX_TWIML_BYTES:
        raise TwimlError(f"TwiML is {len(body.encode())} bytes; Twilio accepts 64 KB")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise TwimlError(f"not XML: {exc}") from exc
    if root.tag != "Response":
        raise TwimlError(f"root is <{root.tag}>, not <Response>")
    _check(root)
    return root


def _check(node: ElementTree.Element) -> None:
    allowed = ATTRIBUTES.get(node.tag)
    if allowed is None:
        raise TwimlError(f"<{node.tag}> is not a TwiML voice verb")
    unknown = set(node.attrib) - allowed
    if unknown:
        raise TwimlError(f"<{node.tag}> has undocumented attributes {sorted(unknown)}")
    if node.tag not in TEXT_VERBS and (node.text or "").strip():
        raise TwimlError(f"<{node.tag}> must not contain text")
    for child in node:
        if child.tag not in CHILDREN.get(node.tag, set()):
            raise TwimlError(f"<{child.tag}> cannot be nested in <{node.tag}>")
        _check(child)
