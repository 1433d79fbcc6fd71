"""A small hand-built year of traffic whose report figures are worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from callcenter.models import (
    Call,
    CallbackRequest,
    Consultation,
    Counselor,
    Field,
    Voicemail,
)

SEOUL = ZoneInfo("Asia/Seoul")


def kst(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    """Return a Seoul wall-clock instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SEOUL)


def build_year(db: Session, fields: dict[str, Field]) -> dict[str, Counselor]:
    """Write the 2027 data set (and a little around it) and return its counselors."""
    a = Counselor(name="김법률", phone="+821011110001")
    b = Counselor(name="이세무", phone="+821011110002")
    db.add_all([a, b])
    db.flush()
    legal, tax, labor = fields["legal"], fields["tax"], fields["labor"]

    def consultation(at, field, channel, outcome, counselor, minutes, status="done"):
        db.add(
            Consultation(
                started_at=at,
                field_id=field.id,
                channel=channel,
                outcome=outcome,
                counselor_id=counselor.id,
                duration_minutes=minutes,
                status=status,
                # Written when they happened: the rollup redoes days edited after it ran.
                created_at=at,
                updated_at=at,
            )
        )

    consultation(kst(2026, 12, 31, 23, 59), legal, "phone", "advice", a, 99)  # last year
    consultation(kst(2027, 1, 1, 0, 10), legal, "phone", "advice", a, 5)  # UTC: 2026-12-31
    consultation(kst(2027, 1, 10, 10), legal, "phone", "advice", a, 30)
    consultation(kst(2027, 1, 31, 23, 30), legal, "visit", "referred", a, 20)
    consultation(kst(2027, 2, 1, 0, 30), tax, "callback", "advice", b, 15)  # UTC: January
    consultation(kst(2027, 3, 5, 11), tax, "phone", "follow_up", b, 10)
    consultation(kst(2027, 3, 6, 11), legal, "phone", None, a, None, status="draft")

    serial = iter(range(1, 100))

    def call(start, field=None, outcome="connected", queue=None, answered=None, **extra):
        db.add(
            Call(
                call_sid=f"CA{next(serial):032d}",
                started_at=start,
                field_id=field.id if field else None,
                outcome=outcome,
                status="completed",
                queue_entered_at=start + timedelta(seconds=queue) if queue is not None else None,
                answered_at=start + timedelta(seconds=answered) if answered is not None else None,
                **extra,
            )
        )

    t1, t2, t3 = kst(2027, 1, 4, 9, 10), kst(2027, 1, 4, 9, 20), kst(2027, 1, 5, 14)
    call(t1, legal, queue=20, answered=40, connected_counselor_id=a.id, duration_seconds=600,
         satisfaction=5)  # fmt: skip
    call(t2, legal, queue=0, answered=45, connected_counselor_id=a.id, duration_seconds=300,
         satisfaction=3)  # fmt: skip
    call(t3, tax, queue=10, answered=40, connected_counselor_id=b.id, duration_seconds=120,
         satisfaction=4)  # fmt: skip
    call(kst(2027, 1, 5, 14, 5), outcome="abandoned_menu")
    call(kst(2027, 1, 5, 14, 10), tax, outcome="abandoned_queue", queue=10,
         queue_left_at=kst(2027, 1, 5, 14, 12, 10))  # fmt: skip
    call(kst(2027, 2, 1, 0, 5), labor, answered=10, connected_counselor_id=b.id,
         duration_seconds=60)  # fmt: skip
    call(kst(2027, 1, 6, 10), outcome="blocked")
    call(kst(2026, 12, 31, 23, 50), legal, answered=5, connected_counselor_id=a.id)

    def callback(at, status, done_after=None, source="ivr", field=legal):
        db.add(
            CallbackRequest(
                requested_at=at,
                status=status,
                source=source,
                field_id=field.id,
                completed_at=at + done_after if done_after else None,
            )
        )

    callback(kst(2027, 1, 5, 14, 11), "done", timedelta(minutes=60))
    callback(kst(2027, 1, 20, 10), "done", timedelta(minutes=30), source="web")
    callback(kst(2027, 1, 21, 10), "cancelled", source="web")
    callback(kst(2027, 3, 1, 9), "pending", field=tax)

    for at in (kst(2027, 1, 5, 18), kst(2027, 1, 5, 19), kst(2027, 3, 2, 20)):
        db.add(Voicemail(created_at=at, field_id=legal.id))
    db.commit()
    return {"a": a, "b": b}
