"""Citizens book, move and cancel appointments without signing in, under the online limits.

The online callback ticket's protections hold here too: attempts per submitting address and
per number are counted in `public_attempts`, a line-wide hourly ceiling keeps the form from
texting numbers without end, and a wrong booking number or phone gets the same answer whether
or not the booking exists. The last free slot and the monthly cap are decided by unique
constraints (see `callcenter.models.appointments`), so two citizens racing for one slot get
one booking between them, whichever web worker serves them.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter import telephony
from callcenter.appointments import slots as slot_rules
from callcenter.appointments import texts
from callcenter.callback_limits import DAY, HOUR, attempts, forget_old_attempts
from callcenter.crypto import keyring
from callcenter.models import Appointment, AppointmentSlot, AppointmentStatus, PublicAttempt
from callcenter.phones import InvalidPhoneNumber, can_receive_sms, to_callback_e164, to_e164

NAME_MAX, DESCRIPTION_MAX = 40, 500
# Every limit on a number refuses with these words, so that nobody learns from a refusal
# whether a number already holds a booking.
REFUSAL = (
    "이 전화번호로는 지금 이 분야를 더 예약할 수 없습니다. 분야마다 한 달에 정해진 횟수까지 "
    "예약할 수 있으며, 이미 하신 예약은 예약번호로 옮기거나 취소할 수 있습니다."
)
TAKEN = "방금 다른 분이 이 시간을 예약했습니다. 남은 시간 중에서 다시 골라 주십시오."
GONE = "고른 시간은 예약할 수 없습니다. 남은 시간 중에서 다시 골라 주십시오."
NOT_FOUND = "예약번호와 전화번호가 맞는 예약이 없습니다. 다시 확인해 주십시오."


class BookingRefused(Exception):
    """A booking, move or cancellation that is not accepted; `message` is a Korean message id."""

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def setting(name: str) -> int:
    """Return a limit from the app's configuration (the online ticket's where shared)."""
    from callcenter.public import SETTINGS

    value = current_app.config.get(name)
    if value is None:
        value = SETTINGS.get(name, 1)
    return int(value)


def new_number(session: Session) -> str:
    """Return an unused booking number: R and seven random digits, easy to read out."""
    while True:
        number = f"R{secrets.randbelow(10**7):07d}"
        if session.scalar(select(Appointment.id).where(Appointment.number == number)) is None:
            return number


def _check_address(session: Session, action: str, limit_name: str, address, now) -> None:
    """Refuse a submitting address over its hourly limit of an action."""
    if address and attempts(session, now - HOUR, action, ip_address=address) >= setting(limit_name):
        raise BookingRefused("요청이 너무 많습니다. 한 시간 뒤에 다시 시도해 주십시오.", 429)


def _admit(session: Session, digest: str, address: str | None, now: datetime) -> None:
    """Count a booking attempt for a number; refuse it over the daily or line-wide limit."""
    session.add(PublicAttempt(action="appt_book", phone_digest=digest, ip_address=address, at=now))
    session.flush()
    if attempts(session, now - DAY, "appt_book", phone_digest=digest) > setting(
        "TICKET_MAX_PER_NUMBER_PER_DAY"
    ):
        raise BookingRefused(REFUSAL, 429)
    if attempts(session, now - HOUR, "appt_accepted") >= setting("APPOINTMENT_MAX_PER_HOUR"):
        raise BookingRefused(
            "지금은 예약을 더 받을 수 없습니다. 잠시 뒤에 다시 시도해 주십시오.", 429
        )


def bookable_slot(
    session: Session, slot_id: int | None, field_id: int | None, now: datetime, tz: ZoneInfo
) -> AppointmentSlot:
    """Return the slot if a citizen may book it now, else refuse with GONE."""
    slot = session.get(AppointmentSlot, slot_id) if slot_id else None
    if (
        slot is None
        or (field_id is not None and slot.field_id != field_id)
        or slot.withdrawn_at is not None
        or not slot_rules.is_open(slot, now, tz)
        or slot_rules.uncovered(session, [slot], tz)
    ):
        raise BookingRefused(GONE, field="slot")
    return slot


def _seats_taken(session: Session, appointment: Appointment, month) -> set[int]:
    """Return the cap seats the citizen's other bookings hold in a field and month."""
    return set(
        session.scalars(
            select(Appointment.cap_seat).where(
                Appointment.field_id == appointment.field_id,
                Appointment.month == month,
                Appointment.phone_digest == appointment.phone_digest,
                Appointment.cap_seat.is_not(None),
                Appointment.id != (appointment.id or 0),
            )
        )
    )


def take(
    session: Session, appointment: Appointment, slot: AppointmentSlot, tz: ZoneInfo, *, cap: bool
) -> None:
    """Make a booking hold a slot, and a seat of its month's cap; raise BookingRefused.

    With `cap` false (a coordinator moving a booking) a full month takes one seat more. The
    unique constraints decide races: each try runs in a savepoint, and a slot held meanwhile
    refuses with TAKEN.
    """
    month = slot_rules.month_of(slot.starts_at.astimezone(tz).date())
    most = max(setting("APPOINTMENT_MAX_PER_FIELD_PER_MONTH"), 1)
    for _attempt in range(most + 2):
        taken = _seats_taken(session, appointment, month)
        free = [seat for seat in range(1, most + 1) if seat not in taken]
        if not free and cap:
            raise BookingRefused(REFUSAL, 429)
        try:
            with session.begin_nested():
                appointment.slot_id, appointment.holding_slot_id = slot.id, slot.id
                appointment.month, appointment.field_id = month, slot.field_id
                appointment.cap_seat = free[0] if free else max(taken) + 1
                session.add(appointment)
                session.flush()
        except IntegrityError:
            held = session.scalar(
                select(func.count()).where(
                    Appointment.holding_slot_id == slot.id,
                    Appointment.id != (appointment.id or 0),
                )
            )
            if held:
                raise BookingRefused(TAKEN, 409, field="slot") from None
            continue  # another booking of the same number took the seat: count again
        appointment.slot = slot
        return
    raise BookingRefused(REFUSAL, 429)


def book(
    session: Session,
    *,
    slot_id: int | None,
    field_id: int | None,
    name: str,
    phone_text: str,
    description: str,
    consent: bool,
    address: str | None,
    now: datetime,
    tz: ZoneInfo,
    language: str = "ko",
) -> Appointment:
    """Book a slot for a citizen, text the booking number, and return the booking. No commit."""
    if not consent:
        raise BookingRefused("개인정보 수집·이용에 동의해야 예약할 수 있습니다.", field="consent")
    name, description = (name or "").strip(), (description or "").strip()
    if not name or len(name) > NAME_MAX:
        raise BookingRefused("성함을 40자 이내로 적어 주십시오.", field="name")
    if not description or len(description) > DESCRIPTION_MAX:
        raise BookingRefused(
            "상담하실 내용을 500자 이내로 간단히 적어 주십시오.", field="description"
        )
    try:
        e164 = to_callback_e164(phone_text)
    except InvalidPhoneNumber:
        raise BookingRefused(
            "전화번호를 확인해 주십시오. 예: 010-1234-5678", field="phone"
        ) from None
    slot = bookable_slot(session, slot_id, field_id, now, tz)
    forget_old_attempts(session, now)
    _check_address(session, "appt_book", "TICKET_MAX_PER_ADDRESS_PER_HOUR", address, now)
    digest = keyring.digest(e164)
    _admit(session, digest, address, now)
    appointment = Appointment(
        number=new_number(session),
        name=name,
        description=description,
        language=language,
        status=AppointmentStatus.BOOKED,
        booked_at=now,
        moves=0,
    )
    appointment.set_phone(e164)
    take(session, appointment, slot, tz, cap=True)
    session.add(PublicAttempt(action="appt_accepted", at=now))
    tell(session, appointment, texts.confirmation(appointment, tz))
    return appointment


def tell(session: Session, appointment: Appointment, body: str) -> None:
    """Text the citizen of a booking, if their number takes SMS."""
    if appointment.phone and can_receive_sms(appointment.phone):
        telephony.send_sms(session, appointment.phone, body)


def find(
    session: Session, *, number: str, phone_text: str, address: str | None, now: datetime
) -> Appointment:
    """Return the upcoming booking matching both its number and phone, or refuse. No commit.

    Failed look-ups count towards the address's limit, as for the callback ticket.
    """
    forget_old_attempts(session, now)
    _check_address(
        session, "appt_failed", "TICKET_MAX_FAILED_CANCELS_PER_ADDRESS_PER_HOUR", address, now
    )
    try:
        digest = keyring.digest(to_e164(phone_text))
    except InvalidPhoneNumber:
        digest = None
    cleaned = (number or "").strip().upper().replace(" ", "").replace("-", "")
    found = None
    if digest and cleaned:
        found = session.scalar(
            select(Appointment)
            .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
            .where(
                Appointment.number == cleaned,
                Appointment.phone_digest == digest,
                Appointment.status == AppointmentStatus.BOOKED,
                AppointmentSlot.starts_at > now,
            )
        )
    if found is None:
        session.add(PublicAttempt(action="appt_failed", ip_address=address, at=now))
        session.flush()
        raise BookingRefused(NOT_FOUND, 404)
    return found


def release(appointment: Appointment, status: str, now: datetime) -> None:
    """End a booking's hold on its slot and its seat of the monthly cap."""
    appointment.holding_slot_id, appointment.cap_seat = None, None
    appointment.status = status
    appointment.cancelled_at = now


def cancel(session: Session, appointment: Appointment, now: datetime, tz: ZoneInfo) -> None:
    """Cancel a booking at the citizen's request and text them that it is cancelled."""
    release(appointment, AppointmentStatus.CANCELLED, now)
    session.flush()
    tell(session, appointment, texts.cancelled(appointment, tz))


def move(
    session: Session, appointment: Appointment, slot_id: int | None, now: datetime, tz: ZoneInfo
) -> Appointment:
    """Move a citizen's booking to another open slot of its field, and text the new time."""
    slot = bookable_slot(session, slot_id, appointment.field_id, now, tz)
    take(session, appointment, slot, tz, cap=True)
    appointment.moves += 1
    appointment.reminded_at = None
    tell(session, appointment, texts.moved(appointment, tz))
    return appointment
