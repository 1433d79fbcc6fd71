"""Online callback tickets: book one without signing in, cancel it with its number and phone.

Every refusal is decided in the database, so all web workers agree: per submitting address
here, and per phone number and for the whole line in `callback_limits`, which the voice line
shares. Refusals never say anything about other people's tickets, and a wrong ticket number
or phone gets the same answer whether or not the ticket exists.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter import callback_limits, telephony
from callcenter.callback_limits import HOUR, OPEN_STATUSES, attempts, forget_old_attempts
from callcenter.crypto import keyring
from callcenter.models import CallbackRequest, CallbackStatus, Field, PublicAttempt
from callcenter.phones import InvalidPhoneNumber, can_receive_sms, to_callback_e164, to_e164
from callcenter.public import SETTINGS
from schedules.oncall import _load_plan  # the roster's merged hours per day


def limit(name: str) -> int:
    """Return a configured limit, or its default."""
    value = current_app.config.get(name)
    return int(SETTINGS[name] if value is None else value)


class TicketRefused(Exception):
    """A booking or cancellation that is not accepted; `message` is a Korean message id."""

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


@dataclass(frozen=True)
class Window:
    """A preferred time window: one session of a field on one local date."""

    day: date
    start: time
    end: time

    @property
    def key(self) -> str:
        """Return the form value naming this window."""
        return f"{self.day.isoformat()}T{self.start:%H%M}-{self.end:%H%M}"


def upcoming_windows(
    session: Session, field_id: int, now: datetime, tz: ZoneInfo, days: int | None = None
) -> list[Window]:
    """Return the field's sessions from now over the next days, as windows to choose from."""
    days = days or limit("TICKET_WINDOW_DAYS")
    local = now.astimezone(tz)
    first = local.date()
    plan = _load_plan(session, field_id, first, first + timedelta(days=days), tz)
    windows = []
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        for start, end in plan.covered(day):
            if datetime.combine(day, end, tz) > local:
                windows.append(Window(day, start, end))
    return windows


def new_ticket_number(session: Session) -> str:
    """Return an unused ticket number: W and seven random digits, easy to read out."""
    while True:
        number = f"W{secrets.randbelow(10**7):07d}"
        if (
            session.scalar(select(CallbackRequest.id).where(CallbackRequest.ticket == number))
            is None
        ):
            return number


def parse_phone(text: str) -> str:
    """Return the E.164 form of a citizen's number, or refuse it with a clear message."""
    try:
        return to_callback_e164(text)
    except InvalidPhoneNumber:
        raise TicketRefused(
            "전화번호를 확인해 주십시오. 예: 010-1234-5678", field="phone"
        ) from None


def book(
    session: Session,
    *,
    field: Field,
    phone_text: str,
    window_key: str | None,
    consent: bool,
    address: str | None,
    now: datetime,
    tz: ZoneInfo,
    language: str = "ko",
) -> CallbackRequest:
    """Register a web callback request, text its ticket number, and return it. No commit."""
    if not consent:
        raise TicketRefused("개인정보 수집·이용에 동의해야 접수할 수 있습니다.", field="consent")
    e164 = parse_phone(phone_text)
    window = None
    if window_key:
        window = next(
            (w for w in upcoming_windows(session, field.id, now, tz) if w.key == window_key), None
        )
        if window is None:
            raise TicketRefused(
                "고른 시간대는 더 이상 선택할 수 없습니다. 다시 골라 주십시오.", field="window"
            )
    forget_old_attempts(session, now)
    if address and attempts(session, now - HOUR, "book", ip_address=address) >= limit(
        "TICKET_MAX_PER_ADDRESS_PER_HOUR"
    ):
        raise TicketRefused("접수 요청이 너무 많습니다. 한 시간 뒤에 다시 시도해 주십시오.", 429)
    try:
        callback_limits.admit(session, e164, now, address)
    except callback_limits.CallbackLimitReached:
        raise TicketRefused(callback_limits.REFUSAL, 429) from None
    request = CallbackRequest.for_phone(
        e164,
        ticket=new_ticket_number(session),
        source="web",
        field_id=field.id,
        language=language,
        preferred_date=window.day if window else None,
        preferred_from=window.start if window else None,
        preferred_until=window.end if window else None,
        status=CallbackStatus.PENDING,
        requested_at=now,
    )
    session.add(request)
    session.flush()
    if can_receive_sms(e164):
        telephony.send_sms(session, e164, sms_text(request, field, language))
    return request


def sms_text(request: CallbackRequest, field: Field, language: str) -> str:
    """Return the confirmation text message of a ticket."""
    when = ""
    if request.preferred_date and request.preferred_from and request.preferred_until:
        when = (
            f" {request.preferred_date:%m/%d} {request.preferred_from:%H:%M}-"
            f"{request.preferred_until:%H:%M}"
        )
    if language == "en":
        return (
            f"[City advice line] Call back request for {field.name_en} registered, ticket "
            f"{request.ticket}.{when and ' Preferred:' + when} To cancel, use the ticket "
            "number on the web page."
        )
    return (
        f"[시민 전문상담 전화] {field.name_ko} 분야 콜백 요청이 접수되었습니다. 접수번호 "
        f"{request.ticket}.{when and ' 희망 시간:' + when} 취소는 누리집에서 접수번호로 할 수 "
        "있습니다."
    )


def cancel(
    session: Session, *, ticket: str, phone_text: str, address: str | None, now: datetime
) -> CallbackRequest:
    """Cancel an open web ticket matching both its number and phone. No commit."""
    forget_old_attempts(session, now)
    if address and attempts(session, now - HOUR, "cancel_failed", ip_address=address) >= limit(
        "TICKET_MAX_FAILED_CANCELS_PER_ADDRESS_PER_HOUR"
    ):
        raise TicketRefused("확인 실패가 너무 많습니다. 한 시간 뒤에 다시 시도해 주십시오.", 429)
    not_found = TicketRefused(
        "접수번호와 전화번호가 맞는 대기 중인 요청이 없습니다. 다시 확인해 주십시오.", 404
    )
    try:
        digest = keyring.digest(to_e164(phone_text))
    except InvalidPhoneNumber:
        digest = None
    number = (ticket or "").strip().upper().replace(" ", "").replace("-", "")
    request = None
    if digest and number:
        request = session.scalar(
            select(CallbackRequest).where(
                CallbackRequest.ticket == number,
                CallbackRequest.phone_digest == digest,
                CallbackRequest.source == "web",
                CallbackRequest.status.in_(OPEN_STATUSES),
            )
        )
    if request is None:
        session.add(PublicAttempt(action="cancel_failed", ip_address=address, at=now))
        session.flush()
        raise not_found
    request.status = CallbackStatus.CANCELLED
    request.result = "cancelled_online"
    return request
