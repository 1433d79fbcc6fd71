"""Bookable slots: cut from counselors' sessions, and found free, open and still covered.

Sessions come from `schedules.occurrences` (the roster's one expansion of shifts into dates),
so every recurrence the roster knows becomes slots. A slot stays bookable only while a session
of its counselor covers it and the counselor has not marked themself unavailable over it.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from callcenter.models import (
    Appointment,
    AppointmentKind,
    AppointmentPlan,
    AppointmentSlot,
    Field,
    Unavailability,
)
from schedules.occurrences import occurrences

# A slot starting sooner than this is no longer offered: the counselor must know in time.
MIN_NOTICE = timedelta(hours=1)
# How far ahead the public pages look for free slots.
HORIZON_DAYS = 62


def menu_fields(session: Session) -> list[Field]:
    """Return the active fields in menu order."""
    return cast("list[Field]", list(session.scalars(Field.menu())))


def plan_for(session: Session, field_id: int) -> AppointmentPlan:
    """Return a field's slot plan, or the default one (30-minute visits) unsaved."""
    found = session.get(AppointmentPlan, field_id)
    if found is None:
        found = AppointmentPlan(
            field_id=field_id, slot_minutes=30, kind=AppointmentKind.VISIT, place=None
        )
    return found


def month_of(day: date) -> date:
    """Return the first day of a date's month."""
    return day.replace(day=1)


def booking_opens(month: date, tz: ZoneInfo) -> datetime:
    """Return when booking for a month opens: a set day and time of the month before."""
    config = current_app.config
    previous = month_of(month - timedelta(days=1))
    last_day = calendar.monthrange(previous.year, previous.month)[1]
    day = min(max(int(config.get("APPOINTMENT_OPENS_DAY") or 25), 1), last_day)
    hour, _sep, minute = str(config.get("APPOINTMENT_OPENS_AT") or "10:00").partition(":")
    return datetime.combine(previous.replace(day=day), time(int(hour), int(minute or 0)), tz)


def is_open(slot: AppointmentSlot, now: datetime, tz: ZoneInfo) -> bool:
    """Whether citizens may book this slot now: its month has opened and it is not too soon."""
    return now + MIN_NOTICE < slot.starts_at < bookable_until(now, tz)


def publish(
    session: Session,
    field: Field,
    start: date,
    end: date,
    tz: ZoneInfo,
    now: datetime,
    counselor_id: int | None = None,
) -> int:
    """Cut the field's sessions from start to end into slots; return how many are new."""
    plan = plan_for(session, field.id)
    length = timedelta(minutes=max(int(plan.slot_minutes), 5))
    found = occurrences(session, start, end, tz, field_ids=[field.id], counselor_id=counselor_id)
    existing: set[tuple[int, datetime]] = set(
        session.execute(
            select(AppointmentSlot.counselor_id, AppointmentSlot.starts_at).where(
                AppointmentSlot.starts_at >= datetime.combine(start, time.min, tz),
                AppointmentSlot.starts_at < datetime.combine(end + timedelta(days=1), time.min, tz),
            )
        ).all()
    )
    away = absences(session, {o.counselor.id for o in found}, start, end, tz)
    rows = []
    for occurrence in found:
        begins, ends = occurrence.starts_at(tz), occurrence.ends_at(tz)
        while begins + length <= ends:
            key = (occurrence.counselor.id, begins)
            if begins > now and key not in existing and not _overlaps(away, key[0], begins, length):
                rows.append(
                    {
                        "field_id": field.id,
                        "counselor_id": occurrence.counselor.id,
                        "kind": plan.kind,
                        "place": plan.place,
                        "starts_at": begins,
                        "ends_at": begins + length,
                        "created_at": now,
                    }
                )
                existing.add(key)
            begins += length
    if rows:  # in one statement: a month of a busy field is thousands of slots
        session.execute(insert(AppointmentSlot), rows)
    return len(rows)


def absences(
    session: Session, counselor_ids: Iterable[int], start: date, end: date, tz: ZoneInfo
) -> dict[int, list[tuple[datetime, datetime]]]:
    """Return the counselors' unavailability periods overlapping a date range."""
    ids = list(set(counselor_ids))
    away: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    if not ids:
        return away
    for row in session.execute(
        select(Unavailability.counselor_id, Unavailability.starts_at, Unavailability.ends_at).where(
            Unavailability.counselor_id.in_(ids),
            Unavailability.starts_at < datetime.combine(end + timedelta(days=1), time.min, tz),
            Unavailability.ends_at > datetime.combine(start, time.min, tz),
        )
    ):
        away[row.counselor_id].append((row.starts_at, row.ends_at))
    return away


def _overlaps(away, counselor_id: int, begins: datetime, length: timedelta) -> bool:
    """Whether a counselor is away during part of a period."""
    ends = begins + length
    return any(a < ends and b > begins for a, b in away.get(counselor_id, ()))


def uncovered(session: Session, slots: list[AppointmentSlot], tz: ZoneInfo) -> set[int]:
    """Return the ids of slots no session of their counselor covers any more, or that fall
    in the counselor's unavailability."""
    if not slots:
        return set()
    days = [s.starts_at.astimezone(tz).date() for s in slots]
    first, last = min(days), max(days)
    sessions: dict[tuple[int, int, date], list[tuple[datetime, datetime]]] = defaultdict(list)
    for o in occurrences(session, first, last, tz, field_ids={s.field_id for s in slots}):
        sessions[(o.counselor.id, o.field.id, o.day)].append((o.starts_at(tz), o.ends_at(tz)))
    away = absences(session, {s.counselor_id for s in slots}, first, last, tz)
    gone = set()
    for slot, day in zip(slots, days, strict=True):
        periods = sessions.get((slot.counselor_id, slot.field_id, day), [])
        inside = any(b <= slot.starts_at and slot.ends_at <= e for b, e in periods)
        length = slot.ends_at - slot.starts_at
        if not inside or _overlaps(away, slot.counselor_id, slot.starts_at, length):
            gone.add(slot.id)
    return gone


def bookable_until(now: datetime, tz: ZoneInfo) -> datetime:
    """Return the start of the first month whose booking has not opened yet."""
    month = month_of(now.astimezone(tz).date())
    for _month in range(24):  # a misconfiguration must not loop forever
        following = month_of(month + timedelta(days=32))
        if booking_opens(following, tz) > now:
            return datetime.combine(following, time.min, tz)
        month = following
    return datetime.combine(month, time.min, tz)


def free_slot_ids(
    session: Session,
    field_id: int,
    now: datetime,
    tz: ZoneInfo,
    *,
    respect_opening: bool = True,
    limit: int | None = None,
    since: datetime | None = None,
) -> list[int]:
    """Return the ids of a field's free slots from now (or `since`), in time order.

    Candidates are read as plain rows, a batch at a time when there is a limit: a busy field
    has thousands of free slots.
    """
    held = select(Appointment.holding_slot_id).where(Appointment.holding_slot_id.is_not(None))
    earliest = max(now + MIN_NOTICE, since or now)
    latest = now + timedelta(days=HORIZON_DAYS)
    if respect_opening:
        latest = min(latest, bookable_until(now, tz))
    statement = (
        select(
            AppointmentSlot.id,
            AppointmentSlot.field_id,
            AppointmentSlot.counselor_id,
            AppointmentSlot.starts_at,
            AppointmentSlot.ends_at,
        )
        .where(
            AppointmentSlot.field_id == field_id,
            AppointmentSlot.withdrawn_at.is_(None),
            AppointmentSlot.starts_at > earliest,
            AppointmentSlot.starts_at < latest,
            AppointmentSlot.id.not_in(held),
        )
        .order_by(AppointmentSlot.starts_at, AppointmentSlot.id)
    )
    batch = max(limit * 4, 40) if limit else None
    ids: list[int] = []
    for page in range(50 if batch else 1):
        paged = statement.offset(page * batch).limit(batch) if batch else statement
        candidates = session.execute(paged).all()
        gone = uncovered(session, candidates, tz)  # type: ignore[arg-type]
        ids += [row.id for row in candidates if row.id not in gone]
        if not batch or len(ids) >= (limit or 0) or len(candidates) < batch:
            break
    return ids[:limit] if limit else ids


def free_slots(
    session: Session,
    field_id: int,
    now: datetime,
    tz: ZoneInfo,
    *,
    respect_opening: bool = True,
    limit: int | None = None,
    since: datetime | None = None,
) -> list[AppointmentSlot]:
    """Return a field's free slots from now (or `since`), in time order: open, still covered."""
    ids = free_slot_ids(
        session, field_id, now, tz, respect_opening=respect_opening, limit=limit, since=since
    )
    loaded: dict[int, AppointmentSlot] = {}
    for chunk in range(0, len(ids), 500):
        for slot in session.scalars(
            select(AppointmentSlot)
            .options(joinedload(AppointmentSlot.counselor))
            .where(AppointmentSlot.id.in_(ids[chunk : chunk + 500]))
        ):
            loaded[slot.id] = slot
    return [loaded[i] for i in ids if i in loaded]


def next_free_slot(
    session: Session, field_id: int, now: datetime, tz: ZoneInfo
) -> AppointmentSlot | None:
    """Return the field's first slot a citizen can book now, if any."""
    found = free_slots(session, field_id, now, tz, limit=1)
    return found[0] if found else None


def by_day(found: list[AppointmentSlot], tz: ZoneInfo) -> list[tuple[date, list[AppointmentSlot]]]:
    """Group slots in time order by their local date."""
    days: dict[date, list[AppointmentSlot]] = {}
    for slot in found:
        days.setdefault(slot.starts_at.astimezone(tz).date(), []).append(slot)
    return list(days.items())
