"""Characters XML 1.0 does not allow: refused in forms, stripped from TwiML and exports.

A vertical tab pasted from a word processor is enough to make a TwiML answer invalid XML (so
Twilio plays its fallback) or an XLSX export fail to build.
"""

from __future__ import annotations

import re
from typing import TypeVar

# What XML 1.0 does not allow: control characters but tab, newline and carriage return, lone
# surrogates, U+FFFE and U+FFFF (a positive class: twice as fast as the complement of the rest).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

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
