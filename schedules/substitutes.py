"""Who could take hours nobody covers: colleagues of the field who are free and most rested.

A substitute serves the field, is active, has not marked themself unavailable during the hours
and holds no other shift then. Among them the most rested come first: the one whose nearest
shift before or after the hours is furthest away (the smaller of the two rests), then the one
with more rest on both sides together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.models import Counselor, Field, Unavailability, counselor_fields
from schedules.occurrences import occurrences

# How far around the hours other shifts are looked at; rest beyond it counts as this much.
REST_HORIZON = timedelta(days=14)


@dataclass(frozen=True)
class Substitute:
    """A counselor who could take the hours, and how rested they would be."""

    counselor: Counselor
    rest_before: timedelta
    rest_after: timedelta

    @property
    def rest(self) -> timedelta:
        """Return the shorter of the two rests, the one that tires."""
        return min(self.rest_before, self.rest_after)


def serving(session: Session, field: Field) -> list[Counselor]:
    """Return the active counselors who serve a field, by name."""
    return list(
        session.scalars(
            select(Counselor)
            .join(counselor_fields, counselor_fields.c.counselor_id == Counselor.id)
            .where(counselor_fields.c.field_id == field.id, Counselor.active.is_(True))
            .order_by(Counselor.name)
        )
    )


def substitutes(
    session: Session,
    field: Field,
    day: date,
    start: time,
    end: time,
    tz: ZoneInfo,
    *,
    exclude: set[int] | None = None,
) -> list[Substitute]:
    """Return the counselors who could take these hours, most rested first."""
    begins, ends = datetime.combine(day, start, tz), datetime.combine(day, end, tz)
    candidates = [c for c in serving(session, field) if c.id not in (exclude or set())]
    if not candidates:
        return []
    ids = [c.id for c in candidates]
    away = set(
        session.scalars(
            select(Unavailability.counselor_id).where(
                Unavailability.counselor_id.in_(ids),
                Unavailability.starts_at < ends,
                Unavailability.ends_at > begins,
            )
        )
    )
    around = occurrences(session, day - REST_HORIZON, day + REST_HORIZON, tz)
    before: dict[int, datetime] = {}
    after: dict[int, datetime] = {}
    busy: set[int] = set()
    for other in around:
        who, o_start, o_end = other.counselor.id, other.starts_at(tz), other.ends_at(tz)
        if o_start < ends and o_end > begins:
            busy.add(who)
        elif o_end <= begins:
            before[who] = max(before.get(who, o_end), o_end)
        else:
            after[who] = min(after.get(who, o_start), o_start)
    found = [
        Substitute(
            c,
            min(begins - before[c.id], REST_HORIZON) if c.id in before else REST_HORIZON,
            min(after[c.id] - ends, REST_HORIZON) if c.id in after else REST_HORIZON,
        )
        for c in candidates
        if c.id not in away and c.id not in busy
    ]
    found.sort(key=lambda s: (-s.rest, -(s.rest_before + s.rest_after), s.counselor.name))
    return found
