"""Demo history: six months of calls and consultations, so every report has a shape to show.

Generated from a seeded random source and the app's clock, so two loads at the same instant
write the same rows. Rows go in with bulk inserts (a few thousand calls take seconds). Demo
calls are keyed by a `CAdemo` CallSid: the history is loaded once and never again on top.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from callcenter.crypto import keyring
from callcenter.models import (
    Base,
    Call,
    CallbackRequest,
    Consultation,
    ConsultationTerm,
    Counselor,
    Field,
    TopicCategory,
    Voicemail,
    WeeklyShift,
)
from callcenter.search_index import digests

SID_PREFIX = "CAdemo"
DAYS = 183
SEED = 2027
# What each field's citizens ask about, with a summary counselors might write.
SUMMARIES = {
    "legal": (
        "전세 보증금을 돌려받지 못해 내용증명과 지급명령 절차를 안내함",
        "이웃과 누수 분쟁, 손해배상 청구 방법과 조정 절차 설명",
        "상속 포기와 한정승인의 차이, 기한을 안내함",
        "계약서 없이 빌려준 돈, 차용증과 문자 기록으로 소송 가능함을 설명",
    ),
    "construction": (
        "주택 증축 허가 절차와 건축선 확인 방법 안내",
        "아파트 하자 보수 요청, 하자담보책임 기간 설명",
        "리모델링 공사 계약서의 공정표와 지체상금 조항 검토",
    ),
    "tax": (
        "1주택 양도세 비과세 요건과 보유 기간 계산 안내",
        "종합소득세 신고 기한과 경비 처리 방법 설명",
        "증여세 공제 한도와 신고 절차 안내",
    ),
    "labor": (
        "체불 임금 진정 방법, 지방고용노동청 신고 안내",
        "퇴직금 계산 방법과 지급 기한 설명",
        "부당해고 구제신청 기간과 준비 서류 안내",
        "주휴수당 지급 요건과 계산 방법 설명",
    ),
}
OUTCOMES = ("advice",) * 6 + ("referred", "follow_up", "none")
REFERRALS = {"legal": "legal_aid", "labor": "labor_office", "tax": "tax_office"}


@dataclass
class Shift:
    """A weekly demo shift: who serves which field when."""

    counselor_id: int
    field: Field
    weekday: int
    start: time
    end: time


def history_loaded(session: Session) -> bool:
    """Whether the demo history is already in the database."""
    found = select(Call.id).where(Call.call_sid.startswith(SID_PREFIX)).limit(1)
    return session.scalar(found) is not None


def load_history(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """Write six months of calls and consultations up to yesterday; return the calls written."""
    shifts = [
        Shift(s.counselor_id, s.field, s.weekday, s.start_time, s.end_time)
        for s in session.scalars(select(WeeklyShift).join(Counselor).where(Counselor.active))
        if s.field is not None
    ]
    topics = _topics(session)
    rng = random.Random(SEED)
    today = now.astimezone(tz).date()
    codes = {f.id: f.code for f in session.scalars(select(Field))}
    calls: list[dict] = []
    follow_ups: list[dict] = []
    messages: list[dict] = []
    for day in _days(today):
        for shift in (s for s in shifts if s.weekday == day.weekday()):
            calls.extend(_shift_calls(rng, day, shift, tz))
    if not calls:
        return 0
    ids = _insert(session, Call, calls)
    consultations = []
    for call_id, row in zip(ids, calls, strict=True):
        if row["outcome"] == "connected" and rng.random() < 0.92:
            consultations.append(_consultation(rng, call_id, row, topics, codes))
        elif row["outcome"] == "callback_requested":
            follow_ups.append(_callback(rng, call_id, row))
        elif row["outcome"] == "voice_message":
            messages.append(_voicemail(call_id, row))
    for model, rows in ((CallbackRequest, follow_ups), (Voicemail, messages)):
        _insert(session, model, rows)
    if consultations:
        summaries = [c.pop("_summary") for c in consultations]
        consultation_ids = _insert(
            session,
            Consultation,
            [{**c, "summary": s} for c, s in zip(consultations, summaries, strict=True)],
        )
        terms = [
            {"term": term, "consultation_id": cid}
            for cid, summary in zip(consultation_ids, summaries, strict=True)
            for term in digests(summary)
        ]
        session.connection().execute(insert(ConsultationTerm.__table__), terms)
    return len(calls)


def _insert(session: Session, model: type[Base], rows: list[dict]) -> list[int]:
    """Insert many rows in a few statements; return their ids in the rows' order."""
    if not rows:
        return []
    table = model.__table__
    # One statement needs the same columns in every row: what a row leaves out is NULL.
    keys = sorted({key for row in rows for key in row})
    rows = [{key: row.get(key) for key in keys} for row in rows]
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.connection().execute(statement, rows).scalars())


def _days(today: date) -> Iterator[date]:
    """Yield the days of the last six months, up to yesterday (today stays the line's own)."""
    for back in range(DAYS, 0, -1):
        yield today - timedelta(days=back)


def _topics(session: Session) -> dict[int, list[tuple[int, int | None]]]:
    """Return each field's (category, subcategory) pairs."""
    rows = list(session.scalars(select(TopicCategory).where(TopicCategory.active)))
    pairs: dict[int, list[tuple[int, int | None]]] = {}
    for parent in (r for r in rows if r.parent_id is None):
        children: list[int | None] = [r.id for r in rows if r.parent_id == parent.id]
        for child in children or [None]:
            pairs.setdefault(parent.field_id, []).append((parent.id, child))
    return pairs


def _shift_calls(rng: random.Random, day: date, shift: Shift, tz: ZoneInfo) -> Iterator[dict]:
    """Yield the calls of one demo shift: busier on Mondays and in the morning."""
    start = datetime.combine(day, shift.start, tz)
    minutes = (datetime.combine(day, shift.end, tz) - start).total_seconds() / 60
    busy = 1.3 if day.weekday() == 0 else 1.0
    count = max(0, round(rng.gauss(minutes / 30 * busy, 1.5)))
    for _ in range(count):
        # Mornings of a shift are busier: square the uniform draw towards the start.
        started = start + timedelta(minutes=minutes * rng.random() ** 1.4)
        yield _call(rng, started, shift)


def _call(rng: random.Random, started: datetime, shift: Shift) -> dict:
    """Return one call's row: mostly answered, some abandoned, some left for later."""
    n = rng.random()
    phone = f"+8210{rng.randrange(20000000, 99999999)}"
    outcome = (
        "connected"
        if n < 0.74
        else "abandoned_queue"
        if n < 0.83
        else "abandoned_menu"
        if n < 0.88
        else "callback_requested"
        if n < 0.94
        else "voice_message"
        if n < 0.98
        else "abandoned_ringing"
    )
    entered = started + timedelta(seconds=rng.randint(15, 40))
    row: dict = {
        "call_sid": f"{SID_PREFIX}{started:%Y%m%d%H%M%S}{rng.randrange(16**6):06x}",
        "from_number": phone,
        "from_digest": keyring.digest(phone),
        "from_last4": phone[-4:],
        "language": "en" if rng.random() < 0.04 else "ko",
        "field_id": None if outcome == "abandoned_menu" else shift.field.id,
        "status": "completed",
        "outcome": outcome,
        "steps": [],
        "started_at": started,
        "queue_entered_at": None if outcome == "abandoned_menu" else entered,
        "practice": False,
    }
    if outcome == "connected":
        waited = min(int(rng.expovariate(1 / 18)), 240)
        talk = int(rng.gauss(11 * 60, 4 * 60))
        answered = entered + timedelta(seconds=waited)
        row.update(
            answered_at=answered,
            queue_left_at=answered,
            ended_at=answered + timedelta(seconds=max(90, talk)),
            duration_seconds=max(90, talk),
            connected_counselor_id=shift.counselor_id,
            satisfaction=rng.choice((5, 5, 5, 4, 4, 4, 3, None)),
        )
    else:
        left = entered + timedelta(seconds=rng.randint(20, 150))
        row.update(queue_left_at=left if row["queue_entered_at"] else None, ended_at=left)
    return row


def _consultation(
    rng: random.Random,
    call_id: int,
    call: dict,
    topics: dict[int, list[tuple[int, int | None]]],
    codes: dict[int, str],
) -> dict:
    """Return the completed consultation of an answered call."""
    field_id = call["field_id"]
    code = codes[field_id]
    category, subcategory = rng.choice(topics.get(field_id) or [(None, None)])
    outcome = rng.choice(OUTCOMES)
    return {
        "status": "completed",
        "channel": "phone",
        "field_id": field_id,
        "counselor_id": call["connected_counselor_id"],
        "started_at": call["answered_at"],
        "duration_minutes": max(2, call["duration_seconds"] // 60 + 3),
        "citizen_phone": call["from_number"],
        "citizen_phone_last4": call["from_last4"],
        "citizen_phone_digest": call["from_digest"],
        "category_id": category,
        "subcategory_id": subcategory,
        "outcome": outcome,
        "referred_to": REFERRALS.get(code, "other") if outcome == "referred" else None,
        "call_id": call_id,
        "completed_at": call["ended_at"] + timedelta(minutes=rng.randint(5, 90)),
        "created_at": call["answered_at"],
        "updated_at": call["ended_at"],
        "version": 1,
        "_summary": rng.choice(SUMMARIES.get(code, SUMMARIES["legal"])),
    }


def _callback(rng: random.Random, call_id: int, call: dict) -> dict:
    """Return the callback request a caller left, called back within a day or two."""
    return {
        "source": "ivr",
        "field_id": call["field_id"],
        "call_id": call_id,
        "phone": call["from_number"],
        "phone_digest": call["from_digest"],
        "phone_last4": call["from_last4"],
        "language": call["language"],
        "status": "done",
        "result": rng.choice(("reached", "reached", "reached", "no_answer")),
        "attempts": 1,
        "requested_at": call["ended_at"],
        "completed_at": call["ended_at"] + timedelta(hours=rng.randint(2, 30)),
    }


def _voicemail(call_id: int, call: dict) -> dict:
    """Return the voice message a caller left, handled the next working day."""
    return {
        "call_id": call_id,
        "field_id": call["field_id"],
        "duration_seconds": 25,
        "status": "handled",
        "created_at": call["ended_at"],
        "handled_at": call["ended_at"] + timedelta(days=1),
    }
