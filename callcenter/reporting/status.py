"""The public status of the line: what a citizen may know before calling, and nothing more.

Per field: open or not, how many counselors are on duty (a count, never who), how many
callers wait and roughly how long, and when the next session starts; plus the line's number
and weekly timetable. Built once every few seconds per worker (STATUS_CACHE_SECONDS), since
many citizens load it and it is the same for all of them.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time as monotonic
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from callcenter.labels import label
from callcenter.models import Counselor, Field, WeeklyShift
from callcenter.reporting.live import average_handle_seconds, is_busy, waiting_calls
from schedules import patterns
from schedules.line_closures import ClosedReason, why_closed
from schedules.oncall import next_session_start, on_call

DEFAULT_HANDLE_SECONDS = 8 * 60
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def estimate_wait_seconds(waiting: int, free: int, on_duty: int, handle_seconds: float) -> int:
    """Estimate how long a caller who rings now waits for a counselor.

    Free counselors take the first callers at once; every other caller ahead waits for one of
    the counselors on duty to finish a call of average length.
    """
    ahead = waiting + 1 - free
    if ahead <= 0:
        return 0
    return math.ceil(ahead * handle_seconds / max(on_duty, 1))


@dataclass(frozen=True)
class FieldStatus:
    """The public view of one field."""

    code: str
    digit: str
    name_ko: str
    name_en: str
    open_now: bool
    on_duty: int
    waiting: int
    estimated_wait_minutes: int | None
    next_session: datetime | None
    closed_reason: ClosedReason | None = None  # why it is closed (`why_closed`), if it says

    def name(self, language: str) -> str:
        """Return the field's name in a language."""
        return self.name_en if language == "en" else self.name_ko


@dataclass(frozen=True)
class Snapshot:
    """The line's public status at one instant."""

    at: datetime
    tz: ZoneInfo
    phone: str
    fields: list[FieldStatus]
    timetable: dict[str, list[list[tuple[time, time]]]]  # field code -> 7 weekdays of hours
    # field code -> 7 weekdays of sessions that do not come every week (monthly, fortnightly)
    recurring: dict[str, list[list[RecurringHours]]] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the status as the JSON endpoint publishes it."""
        return {
            "generated_at": self.at.isoformat(timespec="seconds"),
            "timezone": self.tz.key,
            "phone": self.phone,
            "fields": [
                {
                    "code": f.code,
                    "digit": f.digit,
                    "name": {"ko": f.name_ko, "en": f.name_en},
                    "open_now": f.open_now,
                    "counselors_on_duty": f.on_duty,
                    "callers_waiting": f.waiting,
                    "estimated_wait_minutes": f.estimated_wait_minutes,
                    "next_session_start": f.next_session.astimezone(self.tz).isoformat(
                        timespec="minutes"
                    )
                    if f.next_session
                    else None,
                    "closed_reason": reason_json(f.closed_reason, self.tz),
                    "weekly_hours": {
                        WEEKDAY_CODES[day]: [
                            [s.strftime("%H:%M"), e.strftime("%H:%M")] for s, e in hours
                        ]
                        for day, hours in enumerate(self.timetable.get(f.code, [[]] * 7))
                    },
                    "recurring_hours": [
                        entry.to_json() for day in self.recurring.get(f.code, []) for entry in day
                    ],
                }
                for f in self.fields
            ],
        }


def reason_words(why: ClosedReason, language: str) -> str:
    """Say on a page why a field is closed: 임시 휴무: 긴급 상황, 휴무일: 추석 연휴."""
    with force_locale("en" if language == "en" else "ko"):
        if why.kind == "closed_now":
            words = _("임시 휴무: %(reason)s", reason=label("line_closure_reason", why.reason))
            return f"{words} ({why.note})" if why.note else words
        if why.kind == "holiday":
            return _("휴무일: %(holiday)s", holiday=why.holiday(language))
        if why.note:
            return _("휴무일: %(reason)s", reason=why.note)
        return _("휴무일")


def reason_json(why: ClosedReason | None, tz: ZoneInfo) -> dict[str, Any] | None:
    """Return why a field is closed as the JSON endpoint publishes it."""
    if why is None:
        return None
    return {
        "kind": why.kind,
        "text": {"ko": reason_words(why, "ko"), "en": reason_words(why, "en")},
        "until": why.until.astimezone(tz).isoformat(timespec="minutes") if why.until else None,
    }


@dataclass(frozen=True)
class RecurringHours:
    """Hours on a weekday that do not come every week: 매월 둘째·넷째 월요일, 격주 월요일."""

    weekday: int
    start: time
    end: time
    month_weeks: tuple[int, ...]  # empty: every other week
    every_other_week: bool

    def label(self, language: str) -> str:
        """Say when the hours come, in the reader's language."""
        return patterns.describe(
            self.weekday, list(self.month_weeks), self.every_other_week, language
        )

    def to_json(self) -> dict[str, Any]:
        """Return the entry as the JSON endpoint publishes it."""
        return {
            "day": WEEKDAY_CODES[self.weekday],
            "hours": [self.start.strftime("%H:%M"), self.end.strftime("%H:%M")],
            "weeks_of_month": list(self.month_weeks),
            "every_other_week": self.every_other_week,
            "description": {"ko": self.label("ko"), "en": self.label("en")},
        }


def _merge(pieces: list[tuple[time, time]]) -> list[tuple[time, time]]:
    """Merge overlapping or touching hours."""
    merged: list[tuple[time, time]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def weekly_timetable(session: Session, today: date) -> dict[int, list[list[tuple[time, time]]]]:
    """Return each field's weekly hours (Monday first) from the shifts valid today."""
    return timetables(session, today)[0]


def timetables(
    session: Session, today: date
) -> tuple[dict[int, list[list[tuple[time, time]]]], dict[int, list[list[RecurringHours]]]]:
    """Return each field's hours every week and its monthly or fortnightly sessions."""
    rows = session.execute(
        select(
            WeeklyShift.field_id,
            WeeklyShift.weekday,
            WeeklyShift.start_time,
            WeeklyShift.end_time,
            WeeklyShift.month_week,
            WeeklyShift.interval_weeks,
        )
        .join(Counselor, Counselor.id == WeeklyShift.counselor_id)
        .where(
            Counselor.active.is_(true()),
            or_(WeeklyShift.valid_from.is_(None), WeeklyShift.valid_from <= today),
            or_(WeeklyShift.valid_until.is_(None), WeeklyShift.valid_until >= today),
        )
    )
    pieces: dict[int, list[list[tuple[time, time]]]] = defaultdict(lambda: [[] for _ in range(7)])
    # (field, weekday, hours) -> the weeks of the month, or 0 for every other week
    sparse: dict[tuple[int, int, time, time], set[int]] = defaultdict(set)
    for field_id, weekday, start, end, month_week, interval_weeks in rows:
        days = pieces[field_id]  # a field with only sparse hours gets its row too
        if month_week or interval_weeks != 1:
            sparse[(field_id, weekday, start, end)].add(month_week)
        else:
            days[weekday].append((start, end))
    weekly = {fid: [_merge(day) for day in days] for fid, days in pieces.items()}
    recurring: dict[int, list[list[RecurringHours]]] = {
        fid: [[] for _ in range(7)] for fid in weekly
    }
    for (field_id, weekday, start, end), weeks in sorted(sparse.items()):
        if any(s <= start and end <= e for s, e in weekly[field_id][weekday]):
            continue  # every week anyway
        month_weeks = tuple(sorted(w for w in weeks if w))
        entry = RecurringHours(weekday, start, end, month_weeks, every_other_week=0 in weeks)
        if 0 in weeks and month_weeks:
            # Fortnightly and monthly on the same hours: say the fortnight, the wider one.
            entry = RecurringHours(weekday, start, end, (), every_other_week=True)
        recurring[field_id][weekday].append(entry)
    return weekly, recurring


def build_snapshot(session: Session, now: datetime, tz: ZoneInfo, phone: str) -> Snapshot:
    """Compute the public status of every active field."""
    waiting = waiting_calls(session, now)
    handle = average_handle_seconds(session, now)
    table, sparse = timetables(session, now.astimezone(tz).date())
    fields, timetable, recurring = [], {}, {}
    for item in session.scalars(Field.menu()):
        counselors = on_call(session, item.id, now, tz)
        on_duty = len(counselors)
        free = sum(1 for c in counselors if not is_busy(c, now))
        count = waiting.get(item.id, (0, None))[0]
        estimate = None
        if on_duty:
            seconds = estimate_wait_seconds(
                count, free, on_duty, handle.get(item.id, DEFAULT_HANDLE_SECONDS)
            )
            estimate = math.ceil(seconds / 60)
        fields.append(
            FieldStatus(
                code=item.code,
                digit=item.digit,
                name_ko=item.name_ko,
                name_en=item.name_en,
                open_now=bool(on_duty),
                on_duty=on_duty,
                waiting=count,
                estimated_wait_minutes=estimate,
                next_session=None if on_duty else next_session_start(session, item.id, now, tz),
                closed_reason=None if on_duty else why_closed(session, item.id, now, tz),
            )
        )
        timetable[item.code] = table.get(item.id, [[] for _ in range(7)])
        recurring[item.code] = sparse.get(item.id, [[] for _ in range(7)])
    return Snapshot(now, tz, phone, fields, timetable, recurring)


_cache: dict[str, tuple[float, Snapshot]] = {}
_lock = threading.Lock()


def cached_snapshot(session: Session, now: datetime, tz: ZoneInfo, phone: str) -> Snapshot:
    """Return the status, rebuilt at most once every STATUS_CACHE_SECONDS in this process."""
    ttl = float(current_app.config.get("STATUS_CACHE_SECONDS") or 0)
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if ttl > 0:
        with _lock:
            hit = _cache.get(key)
        if hit and hit[0] > monotonic.monotonic():
            return hit[1]
    snapshot = build_snapshot(session, now, tz, phone)
    if ttl > 0:
        with _lock:
            _cache[key] = (monotonic.monotonic() + ttl, snapshot)
    return snapshot


def clear_cache() -> None:
    """Forget cached snapshots (after a roster change, or between tests)."""
    with _lock:
        _cache.clear()
