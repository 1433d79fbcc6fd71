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
    """Whether the number is a mobile number (Korean landlines do not take SMS)."""
    number_type = phonenumbers.number_type(phonenumbers.parse(e164, "KR"))
    return number_type in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
