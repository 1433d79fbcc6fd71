"""The appointment reminder: a text to each citizen the day before their booking.

Like the jobs in `schedules.jobs` it takes the session and "now", does not commit, and
returns what it did.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from callcenter.appointments import booking, texts
from callcenter.models import Appointment, AppointmentSlot, AppointmentStatus
from callcenter.timezone import line_timezone


def reminder_time() -> time:
    """Return the local time from which the day-before reminders go out."""
    hour, _sep, minute = str(
        current_app.config.get("APPOINTMENT_REMINDER_AT") or "10:00"
    ).partition(":")
    return time(int(hour), int(minute or 0))


def send_appointment_reminders(session: Session, now: datetime) -> dict[str, Any]:
    """Text every citizen booked for tomorrow once, from the reminder time on."""
    tz = line_timezone()
    local = now.astimezone(tz)
    if local.time() < reminder_time():
        return {"sent": 0}
    tomorrow = local.date() + timedelta(days=1)
    starts = datetime.combine(tomorrow, time.min, tz)
    due = session.scalars(
        select(Appointment)
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .options(joinedload(Appointment.slot), joinedload(Appointment.field))
        .where(
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.reminded_at.is_(None),
            AppointmentSlot.starts_at >= starts,
            AppointmentSlot.starts_at < starts + timedelta(days=1),
        )
        .order_by(AppointmentSlot.starts_at)
    ).all()
    for appointment in due:
        booking.tell(session, appointment, texts.reminder(appointment, tz))
        appointment.reminded_at = now
    session.flush()
    return {"sent": len(due)}
