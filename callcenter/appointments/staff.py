"""What counselors and coordinators do with bookings: the day's list, consultations, no-shows,
bookings whose counselor cannot come, and the figures per field."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from callcenter.appointments import booking, texts
from callcenter.appointments import slots as slot_rules
from callcenter.consultations import set_citizen_phone
from callcenter.models import (
    Appointment,
    AppointmentKind,
    AppointmentSlot,
    AppointmentStatus,
    Channel,
    Consultation,
    ConsultationStatus,
    User,
)

# How far ahead coordinators are warned about bookings whose counselor cannot come.
ACTION_HORIZON_DAYS = 42
# A page lists at most this many; a whole field gone is handled a day at a time.
MOST_FLAGGED = 200
MOVE_CHOICES = 200
SHOWN = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW)


def may_handle(user: User, appointment: Appointment) -> bool:
    """Coordinators handle every booking; a counselor those of their own slots."""
    if user.is_coordinator:
        return True
    return user.counselor_id is not None and appointment.slot.counselor_id == user.counselor_id


def _local_day(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tz)
    return start, start + timedelta(days=1)


def day_statement(user: User, day: date, tz: ZoneInfo, field_id: int | None = None) -> Select[Any]:
    """Select a day's bookings the user may see, in time order."""
    start, end = _local_day(day, tz)
    statement = (
        select(Appointment)
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .options(joinedload(Appointment.slot).joinedload(AppointmentSlot.counselor))
        .options(joinedload(Appointment.field))
        .where(
            Appointment.status.in_(SHOWN),
            AppointmentSlot.starts_at >= start,
            AppointmentSlot.starts_at < end,
        )
        .order_by(AppointmentSlot.starts_at, Appointment.id)
    )
    if not user.is_coordinator:
        statement = statement.where(AppointmentSlot.counselor_id == (user.counselor_id or 0))
    if field_id is not None:
        statement = statement.where(Appointment.field_id == field_id)
    return statement


def open_consultation(
    session: Session, appointment: Appointment, user: User, now: datetime
) -> Consultation:
    """Return the booking's consultation, starting it as a draft the first time. No commit."""
    if appointment.consultation_id is not None:
        found = session.get(Consultation, appointment.consultation_id)
        if found is not None:
            return found
    slot = appointment.slot
    channel = (
        Channel.APPOINTMENT_PHONE
        if slot.kind == AppointmentKind.PHONE
        else Channel.APPOINTMENT_VISIT
    )
    consultation = Consultation(
        status=ConsultationStatus.DRAFT,
        channel=channel,
        field_id=appointment.field_id,
        counselor_id=slot.counselor_id,
        started_at=slot.starts_at,
        citizen_name=appointment.name,
        recorded_by_id=user.id,
    )
    set_citizen_phone(consultation, appointment.phone)
    session.add(consultation)
    session.flush()
    appointment.consultation_id = consultation.id
    appointment.status, appointment.marked_at = AppointmentStatus.ATTENDED, now
    return consultation


def mark_no_show(appointment: Appointment, now: datetime) -> None:
    """Note that the citizen did not come; the slot and the month's booking stay used."""
    if appointment.status == AppointmentStatus.BOOKED:
        appointment.status, appointment.marked_at = AppointmentStatus.NO_SHOW, now


def needing_action(session: Session, now: datetime, tz: ZoneInfo) -> list[Appointment]:
    """Return upcoming bookings whose counselor has no session over their slot any more."""
    booked = session.execute(
        select(
            AppointmentSlot.id,
            AppointmentSlot.field_id,
            AppointmentSlot.counselor_id,
            AppointmentSlot.starts_at,
            AppointmentSlot.ends_at,
        )
        .join(Appointment, Appointment.slot_id == AppointmentSlot.id)
        .where(
            Appointment.status == AppointmentStatus.BOOKED,
            AppointmentSlot.starts_at > now,
            AppointmentSlot.starts_at < now + timedelta(days=ACTION_HORIZON_DAYS),
        )
    ).all()
    uncovered = slot_rules.uncovered(session, booked, tz)  # type: ignore[arg-type]
    gone = [row.id for row in sorted(booked, key=lambda r: r.starts_at) if row.id in uncovered]
    if not gone:
        return []
    return list(
        session.scalars(
            select(Appointment)
            .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
            .options(joinedload(Appointment.slot).joinedload(AppointmentSlot.counselor))
            .options(joinedload(Appointment.field))
            .where(
                Appointment.status == AppointmentStatus.BOOKED,
                Appointment.slot_id.in_(gone[:MOST_FLAGGED]),
            )
            .order_by(AppointmentSlot.starts_at)
        )
    )


def move_targets(
    session: Session, appointment: Appointment, now: datetime, tz: ZoneInfo
) -> list[AppointmentSlot]:
    """Return the free slots of the booking's field a coordinator may move it to."""
    return slot_rules.free_slots(
        session, appointment.field_id, now, tz, respect_opening=False, limit=MOVE_CHOICES
    )


def move_by_office(
    session: Session, appointment: Appointment, slot_id: int | None, now: datetime, tz: ZoneInfo
) -> None:
    """Move a booking to another free slot of its field and text the citizen why. No commit."""
    target = next((s for s in move_targets(session, appointment, now, tz) if s.id == slot_id), None)
    if target is None:
        raise booking.BookingRefused(booking.GONE, field="slot")
    booking.take(session, appointment, target, tz, cap=False)
    appointment.moves += 1
    appointment.reminded_at = None
    booking.tell(session, appointment, texts.moved_by_office(appointment, tz))


@dataclass
class FieldFigures:
    """Bookings of one field in a period, by what became of them."""

    booked: int = 0
    attended: int = 0
    no_show: int = 0
    cancelled: int = 0
    waiting: int = 0  # still booked: the day has not come, or nobody marked it


@dataclass
class Figures:
    """Bookings per field in a period, and the period's total."""

    by_field: dict[int, FieldFigures] = field(default_factory=dict)
    total: FieldFigures = field(default_factory=FieldFigures)


def figures(session: Session, start: date, end: date, tz: ZoneInfo) -> Figures:
    """Count the bookings whose slot falls from start to end inclusive, per field and status."""
    rows = session.execute(
        select(Appointment.field_id, Appointment.status, func.count())
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .where(
            AppointmentSlot.starts_at >= datetime.combine(start, time.min, tz),
            AppointmentSlot.starts_at < datetime.combine(end + timedelta(days=1), time.min, tz),
        )
        .group_by(Appointment.field_id, Appointment.status)
    ).all()
    result = Figures()
    names: dict[str, str] = {
        AppointmentStatus.ATTENDED.value: "attended",
        AppointmentStatus.NO_SHOW.value: "no_show",
        AppointmentStatus.CANCELLED.value: "cancelled",
        AppointmentStatus.BOOKED.value: "waiting",
    }
    for field_id, status, count in rows:
        for target in (result.by_field.setdefault(field_id, FieldFigures()), result.total):
            setattr(target, names[status], getattr(target, names[status]) + count)
            target.booked += count
    return result


def summary(found: list[Appointment]) -> Counter[str]:
    """Count a list of bookings by status."""
    return Counter(a.status for a in found)
