"""The roster report: how well the next weeks are covered, and who carries the line.

Per field: the share of its opening hours (the hours its recurring roster normally runs) that
nobody covers in the next weeks, each gap with the colleagues who could take it; and per
counselor of the field, their rostered hours ahead and their connected calls and
consultations of the same number of past weeks, beside the field's average.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.models import Call, Consultation, Counselor, Field
from callcenter.reporting.sources import counted
from schedules.occurrences import occurrences
from schedules.oncall import Gap, coverage
from schedules.substitutes import Substitute, serving, substitutes

WEEKS = 12
SUGGESTED = 3  # substitutes shown per gap
GAPS_WITH_SUGGESTIONS = 30  # per field: later gaps are listed without them, to stay quick


@dataclass(frozen=True)
class Load:
    """One counselor's share of a field."""

    counselor: Counselor
    hours: float  # rostered, ahead
    calls: int  # connected, in as many past weeks
    consultations: int


@dataclass
class FieldReport:
    """A field's coverage ahead and its counselors' loads."""

    field: Field
    open_minutes: int
    gaps: list[Gap]
    loads: list[Load]
    suggestions: dict[Gap, list[Substitute]] = dataclasses.field(default_factory=dict)

    @property
    def uncovered_minutes(self) -> int:
        """Return the opening minutes nobody covers."""
        return sum(g.minutes for g in self.gaps)

    @property
    def uncovered_share(self) -> float:
        """Return the share of opening hours nobody covers (0 when the field never opens)."""
        return self.uncovered_minutes / self.open_minutes if self.open_minutes else 0.0

    def average(self, name: str) -> float:
        """Return the field's average of a load figure (hours, calls, consultations)."""
        if not self.loads:
            return 0.0
        return sum(getattr(load, name) for load in self.loads) / len(self.loads)


def roster_report(
    session: Session, now: datetime, tz: ZoneInfo, weeks: int = WEEKS
) -> list[FieldReport]:
    """Build the report of every active field for the weeks from today."""
    today = now.astimezone(tz).date()
    last = today + timedelta(weeks=weeks) - timedelta(days=1)
    since = now - timedelta(weeks=weeks)
    fields: list[Field] = list(session.scalars(Field.menu()))
    hours: dict[tuple[int, int], float] = defaultdict(float)
    for o in occurrences(session, today, last, tz):
        if not o.away:
            span = datetime.combine(date.min, o.end) - datetime.combine(date.min, o.start)
            hours[(o.field.id, o.counselor.id)] += span.total_seconds() / 3600
    calls = _counts(
        session, Call.field_id, Call.connected_counselor_id, Call.started_at, since, counted()
    )
    consultations = _counts(
        session,
        Consultation.field_id,
        Consultation.counselor_id,
        Consultation.started_at,
        since,
    )
    reports = []
    for item in fields:
        open_minutes, gaps = coverage(session, item.id, today, last, tz)
        gaps = [g for g in gaps if datetime.combine(g.day, g.end, tz) > now]
        loads = [
            Load(
                c,
                round(hours[(item.id, c.id)], 1),
                calls[(item.id, c.id)],
                consultations[(item.id, c.id)],
            )
            for c in serving(session, item)
        ]
        loads.sort(key=lambda load: (-load.hours, -load.calls, load.counselor.name))
        report = FieldReport(item, open_minutes, gaps, loads)
        for gap in gaps[:GAPS_WITH_SUGGESTIONS]:
            report.suggestions[gap] = substitutes(session, item, gap.day, gap.start, gap.end, tz)[
                :SUGGESTED
            ]
        reports.append(report)
    return reports


def _counts(session: Session, field_col, counselor_col, started_col, since: datetime, *where):
    """Count rows per (field, counselor) since an instant."""
    rows = session.execute(
        select(field_col, counselor_col, func.count())
        .where(started_col >= since, counselor_col.is_not(None), field_col.is_not(None), *where)
        .group_by(field_col, counselor_col)
    )
    return Counter({(f, c): n for f, c, n in rows})


def gap_substitutes(
    session: Session, field_: Field, day: date, start: time, end: time, tz: ZoneInfo
) -> list[Substitute]:
    """Return the substitutes the report suggests for some hours of a field."""
    return substitutes(session, field_, day, start, end, tz)[:SUGGESTED]
