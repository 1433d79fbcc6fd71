"""Korean phone numbers: parse any spelling, store E.164, show masked; what the line may call."""

from __future__ import annotations

import enum
import re
from typing import TypeGuard

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


class Use(enum.StrEnum):
    """What the line does with a number it calls or texts."""

    CALL = "call"  # ring a citizen: a callback, the callback bridge
    SMS = "sms"  # text a confirmation or a reminder
    COUNSELOR = "counselor"  # a counselor's own phone, rung for every routed call


# The one rule of what the line may call or text, and pay for: Korean phones only. Never
# abroad or a satellite network (+881, +882: toll fraud pays out there), never a premium-rate
# 060 number, a 050 personal number, a 15xx/16xx business number, a pager or toll-free. An
# 070 internet phone may be a citizen's home phone, so a callback may ring it; a counselor's
# number must be their own mobile or landline (070 numbers forward anywhere); texts go to
# mobiles only.
ALLOWED_TYPES = {
    Use.CALL: {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.VOIP,
    },
    Use.SMS: {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
    Use.COUNSELOR: {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    },
}

# Why a number is refused: Korean message ids, shown in forms and the roster import.
NOT_A_NUMBER = "올바른 전화번호가 아닙니다."
ABROAD = "국외 번호나 위성 전화 번호에는 전화하거나 문자를 보내지 않습니다."
PREMIUM_RATE = "060 유료 전화번호에는 전화하거나 문자를 보내지 않습니다."
INTERNET_PHONE = (
    "070 인터넷 전화번호는 상담위원 번호로 쓸 수 없습니다. 휴대전화나 일반 전화번호를 입력하세요."
)
NOT_A_MOBILE = "휴대전화 번호가 아니어서 문자를 보낼 수 없습니다."
SPECIAL_NUMBER = (
    "050 개인 번호, 080 수신자 부담, 15xx·16xx 대표 번호 같은 특수 번호에는 전화하거나 "
    "문자를 보내지 않습니다."
)


class RefusedNumber(InvalidPhoneNumber):
    """A number the line must not call or text for this use; `reason` says why (Korean)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def outgoing_refusal(e164: str | None, use: Use) -> str | None:
    """Return why the line must not call or text this number for this use, or None."""
    try:
        number = phonenumbers.parse(e164 or "", "KR")
    except NumberParseException:
        return NOT_A_NUMBER
    if number.country_code != 82:
        return ABROAD
    if not phonenumbers.is_valid_number(number):
        return NOT_A_NUMBER
    kind = phonenumbers.number_type(number)
    if kind in ALLOWED_TYPES[use]:
        return None
    if kind == PhoneNumberType.PREMIUM_RATE:
        return PREMIUM_RATE
    if kind == PhoneNumberType.VOIP and use == Use.COUNSELOR:
        return INTERNET_PHONE
    if use == Use.SMS and kind in ALLOWED_TYPES[Use.CALL]:
        return NOT_A_MOBILE
    return SPECIAL_NUMBER


def check_outgoing(e164: str | None, use: Use) -> None:
    """Raise RefusedNumber unless the line may call or text this number for this use."""
    reason = outgoing_refusal(e164, use)
    if reason is not None:
        raise RefusedNumber(reason)


def is_korean_callable(e164: str | None) -> TypeGuard[str]:
    """Whether the line may call (and pay for calling) this number: a Korean phone."""
    return outgoing_refusal(e164, Use.CALL) is None


def to_callback_e164(text: str) -> str:
    """Parse a number a citizen gives to be called back on; only Korean phones are taken.

    International and special numbers are refused: calling or texting them costs the city
    money, and forms or keypads that accept them invite toll fraud.
    """
    e164 = to_e164(text)
    check_outgoing(e164, Use.CALL)
    return e164


def to_counselor_e164(text: str) -> str:
    """Parse a counselor's own number; refuse what the line must not ring (RefusedNumber)."""
    e164 = to_e164(text)
    check_outgoing(e164, Use.COUNSELOR)
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
    try:
        shown = national(e164)
    except NumberParseException:
        shown = e164
    parts = shown.split("-")
    if len(parts) == 3:
        return f"{parts[0]}-{'*' * len(parts[1])}-{parts[2]}"
    digits = [c for c in shown if c.isdigit()]
    return "*" * max(len(digits) - 4, 0) + "".join(digits[-4:])


# What a phone number looks like inside free text (an error message, a log line): E.164 with
# its + (or %2B in a URL), or a Korean national number starting with 0. Dates, SIDs and
# ticket numbers do not start that way.
_NUMBER_IN_TEXT = re.compile(
    r"(?<![\w+%])(?:(?:\+|%2B)\d(?:[\s.\-]?\d){6,14}|0\d{1,2}[\s.\-]?\d{3,4}[\s.\-]?\d{4})(?!\w)",
    re.IGNORECASE,
)


def _masked_match(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = "".join(c for c in text if c.isdigit())
    if text[:3].upper() == "%2B":
        digits = digits[1:]  # the 2 of %2B
    plus = "+" if not text.startswith("0") else ""
    try:
        return mask(to_e164(plus + digits))
    except InvalidPhoneNumber:
        return "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_numbers(text: str | None) -> str:
    """Mask every phone number found in free text, for logs and error columns."""
    if not text:
        return text or ""
    return _NUMBER_IN_TEXT.sub(_masked_match, text)


def last4(e164: str | None) -> str | None:
    """Return the last four digits, kept in the clear for masked lists."""
    return e164[-4:] if e164 else None


def can_receive_sms(e164: str) -> bool:
    """Whether the number is a Korean mobile (landlines take no SMS; abroad costs extra)."""
    return outgoing_refusal(e164, Use.SMS) is None
