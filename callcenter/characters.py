"""Characters XML 1.0 does not allow: refused in forms, stripped from TwiML and exports.

A vertical tab pasted from a word processor is enough to make a TwiML answer invalid XML (so
Twilio plays its fallback) or an XLSX export fail to build.
"""

from __future__ import annotations

import re
from typing import TypeVar

# Everything but tab, newline, carriage return and the character ranges XML 1.0 allows.
_UNSAFE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

T = TypeVar("T")


def has_unsafe(text: str) -> bool:
    """Whether a text holds a character XML 1.0 does not allow."""
    return _UNSAFE.search(text) is not None


def strip_unsafe(text: str) -> str:
    """Drop the characters XML 1.0 does not allow."""
    return _UNSAFE.sub("", text)


def clean_cell(value: T) -> T | str:
    """Return an export cell with its text stripped of such characters; other values as they are."""
    return strip_unsafe(value) if isinstance(value, str) else value
