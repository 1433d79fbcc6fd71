"""Korean phone numbers: parse any common spelling, store E.164, show national or masked."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType


class InvalidPhoneNumber(ValueError):
    """Raised for text that is not a valid Korean or international number."""


def to_e164(text: str, region: str = "KR") -> str:
    """Parse `010-1234-5678`, `+82 10 1234 5678` and the like into E.164."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidPhoneNumber("phone number is empty")
    try:
        number = phonenumbers.parse(cleaned, region)
    except NumberParseException as exc:
        raise InvalidPhoneNumber(f"{cleaned!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(f"{cleaned!r} is not a valid phone number")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


# The kinds of Korean number the line calls back: no premium-rate or other special numbers.
CALLBACK_TYPES = (
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP,
)


def is_korean_callable(e164: str | None) -> bool:
    """Whether the line may call (and pay for calling) this number: a Korean phone."""
    if not e164:
        return False
    number = phonenumbers.parse(e164, "KR")
    return number.country_code == 82 and phonenumbers.number_type(number) in CALLBACK_TYPES


def to_callback_e164(text: str) -> str:
    """Parse a number a citizen gives to be called back on; only Korean phones are taken.

    International numbers are refused: calling or texting them costs the city money, and
    forms or keypads that accept them invite toll fraud.
    """
    e164 = to_e164(text)
    if not is_korean_callable(e164):
        raise InvalidPhoneNumber(f"{text!r} is not a Korean phone number")
    return e164


def try_e164(text: str | None) -> str | None:
    """Return the E.164 form, or None for withheld, anonymous or invalid numbers."""
    try:
        return to_e164(text or "")
    except InvalidPhoneNumber:
        return None


def national(e164: str) -> str:
    """Format an E.164 number the way Koreans write it (010-1234-5678)."""
    number = phonenumbers.parse(e164, "KR")
    if number.country_code == 82:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def mask(e164: str | None) -> str:
    """Hide the middle of a number: 010-****-5678."""
    if not e164:
        return "—"
    shown = national(e164)
    parts = shown.split("-")
    if len(parts) == 3:
        return f"{parts[0]}-{'*' * len(parts[1])}-{parts[2]}"
    digits = [c for c in shown if c.isdigit()]
    return "*" * max(len(digits) - 4, 0) + "".join(digits[-4:])


def last4(e164: str | None) -> str | None:
    """Return the last four digits, kept in the clear for masked lists."""
    return e164[-4:] if e164 else None


def can_receive_sms(e164: str) -> bool:
    """Whether the number is a Korean mobile (landlines take no SMS; abroad costs extra)."""
    number = phonenumbers.parse(e164, "KR")
    return number.country_code == 82 and phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
