"""The text messages a citizen gets about a booking, in the language they booked in."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, url_for

from callcenter.models import Appointment, AppointmentKind, AppointmentSlot

WEEKDAYS = {"ko": "월화수목금토일", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
PREFIX = {"ko": "[시민 전문상담]", "en": "[City advice line]"}


def when(slot: AppointmentSlot, tz: ZoneInfo, language: str) -> str:
    """Return a slot's date and time as people write them."""
    local = slot.starts_at.astimezone(tz)
    weekday = WEEKDAYS["en" if language == "en" else "ko"][local.weekday()]
    if language == "en":
        return f"{weekday} {local:%d/%m} {local:%H:%M}"
    return f"{local.month}월 {local.day}일({weekday}) {local:%H:%M}"


def where(slot: AppointmentSlot, language: str) -> str:
    """Return where the appointment happens: a room, or a call from the line."""
    if slot.kind == AppointmentKind.PHONE:
        return "the counselor calls you" if language == "en" else "상담위원이 전화드림"
    return slot.place or ("the counseling office" if language == "en" else "상담실")


def booking_page_link() -> str:
    """Return the public booking page's full address, for a text message."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("public.appointments")
    return f"{base}{path}" if base else url_for("public.appointments", _external=True)


def _head(appointment: Appointment, tz: ZoneInfo) -> tuple[str, str, str, str]:
    language = "en" if appointment.language == "en" else "ko"
    field = appointment.field.name(language)
    return language, field, when(appointment.slot, tz, language), where(appointment.slot, language)


def confirmation(appointment: Appointment, tz: ZoneInfo) -> str:
    """Return the text confirming a new booking."""
    language, field, at, place = _head(appointment, tz)
    if language == "en":
        return (
            f"{PREFIX['en']} {field} appointment booked: {at}, {place}. Booking number "
            f"{appointment.number}. To move or cancel, use it on the booking page."
        )
    return (
        f"{PREFIX['ko']} {field} 상담 예약: {at}, {place}. 예약번호 {appointment.number}. "
        "변경·취소는 누리집 예약 페이지에서 예약번호로 할 수 있습니다."
    )


def reminder(appointment: Appointment, tz: ZoneInfo) -> str:
    """Return the reminder sent the day before."""
    language, field, at, place = _head(appointment, tz)
    if language == "en":
        return (
            f"{PREFIX['en']} Reminder: your {field} appointment is tomorrow, {at}, {place}. "
            f"Booking number {appointment.number}."
        )
    return (
        f"{PREFIX['ko']} 내일 {at} {field} 상담 예약이 있습니다({place}). "
        f"예약번호 {appointment.number}."
    )


def moved(appointment: Appointment, tz: ZoneInfo) -> str:
    """Return the text giving a booking's new time."""
    language, field, at, place = _head(appointment, tz)
    if language == "en":
        return f"{PREFIX['en']} Your {field} appointment {appointment.number} is now {at}, {place}."
    return (
        f"{PREFIX['ko']} {field} 상담 예약 {appointment.number}이 {at}({place})로 변경되었습니다."
    )


def moved_by_office(appointment: Appointment, tz: ZoneInfo) -> str:
    """Return the text telling a citizen the office moved their booking."""
    language, field, at, place = _head(appointment, tz)
    if language == "en":
        return (
            f"{PREFIX['en']} Your counselor cannot come, so your {field} appointment "
            f"{appointment.number} is moved to {at}, {place}. To change it, use the booking page."
        )
    return (
        f"{PREFIX['ko']} 상담위원 사정으로 {field} 상담 예약 {appointment.number}을 {at}"
        f"({place})로 옮겼습니다. 다른 시간을 원하시면 예약 페이지에서 바꿀 수 있습니다."
    )


def cancelled(appointment: Appointment, tz: ZoneInfo) -> str:
    """Return the text confirming a cancellation."""
    language, field, at, _place = _head(appointment, tz)
    if language == "en":
        return (
            f"{PREFIX['en']} Your {field} appointment on {at} ({appointment.number}) is cancelled."
        )
    return f"{PREFIX['ko']} {at} {field} 상담 예약({appointment.number})이 취소되었습니다."
