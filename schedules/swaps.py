"""Shift swaps between counselors of the same field: request, accept, decline, cancel.

A swap hands one occurrence of the requester's shifts to a colleague and, when the requester
asks for one in return, one of the colleague's occurrences to the requester. Accepting applies
both through the roster rules (a weekly occurrence is skipped and replaced by a one-off shift),
so the rest of each series stays as it was. Nothing is committed here.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from callcenter.models import Counselor, Field, OneOffShift, ShiftSwap, SwapStatus, WeeklyShift
from callcenter.phones import can_receive_sms
from callcenter.telephony import send_sms
from schedules.occurrences import Occurrence, find_occurrence
from schedules.shifts import RosterError, add_one_off_shift, skip_occurrence


def request_swap(
    session: Session,
    requester: Counselor,
    recipient: Counselor,
    offered: Occurrence,
    now: datetime,
    tz: ZoneInfo,
    wanted: Occurrence | None = None,
    note: str | None = None,
) -> ShiftSwap:
    """Ask a colleague of the same field to take an occurrence (and give one back)."""
    field = offered.field
    if recipient.id == requester.id:
        raise RosterError("자기 자신과는 근무를 바꿀 수 없습니다.")
    if offered.counselor.id != requester.id:
        raise RosterError("본인의 근무만 바꿀 수 있습니다.")
    if not recipient.active or field not in recipient.fields:
        raise RosterError("같은 분야를 담당하는 상담위원과만 근무를 바꿀 수 있습니다.")
    if offered.starts_at(tz) <= now:
        raise RosterError("이미 시작한 근무는 바꿀 수 없습니다.")
    if wanted is not None:
        if wanted.counselor.id != recipient.id or wanted.field.id != field.id:
            raise RosterError("받을 근무는 상대방의 같은 분야 근무여야 합니다.")
        if wanted.starts_at(tz) <= now:
            raise RosterError("이미 시작한 근무는 바꿀 수 없습니다.")
    if _pending_for(session, requester.id, field.id, offered.day, offered.start) is not None:
        raise RosterError("이 근무에 대한 교대 요청이 이미 대기 중입니다.")
    swap = ShiftSwap(
        field_id=field.id,
        requester_id=requester.id,
        recipient_id=recipient.id,
        offered_date=offered.day,
        offered_start=offered.start,
        offered_end=offered.end,
        wanted_date=wanted.day if wanted else None,
        wanted_start=wanted.start if wanted else None,
        wanted_end=wanted.end if wanted else None,
        note=note or None,
        status=SwapStatus.PENDING,
        created_at=now,
    )
    session.add(swap)
    session.flush()
    return swap


def _pending_for(
    session: Session, counselor_id: int, field_id: int, day: date, start: time
) -> ShiftSwap | None:
    return session.scalar(
        select(ShiftSwap).where(
            ShiftSwap.status == SwapStatus.PENDING,
            ShiftSwap.field_id == field_id,
            or_(
                (ShiftSwap.requester_id == counselor_id)
                & (ShiftSwap.offered_date == day)
                & (ShiftSwap.offered_start == start),
                (ShiftSwap.recipient_id == counselor_id)
                & (ShiftSwap.wanted_date == day)
                & (ShiftSwap.wanted_start == start),
            ),
        )
    )


def _require_pending(swap: ShiftSwap) -> None:
    if swap.status != SwapStatus.PENDING:
        raise RosterError("이미 처리된 교대 요청입니다.")


def accept_swap(
    session: Session, swap: ShiftSwap, by: Counselor, now: datetime, tz: ZoneInfo
) -> None:
    """Apply a swap on the recipient's acceptance."""
    _require_pending(swap)
    if by.id != swap.recipient_id:
        raise RosterError("교대 요청을 받은 상담위원만 수락할 수 있습니다.")
    offered = find_occurrence(
        session, swap.requester_id, swap.field_id, swap.offered_date, swap.offered_start, tz
    )
    if offered is None or offered.starts_at(tz) <= now:
        raise RosterError("요청한 근무가 더 이상 없거나 이미 시작했습니다.")
    wanted = None
    if swap.wanted_date is not None and swap.wanted_start is not None:
        wanted = find_occurrence(
            session, swap.recipient_id, swap.field_id, swap.wanted_date, swap.wanted_start, tz
        )
        if wanted is None or wanted.starts_at(tz) <= now:
            raise RosterError("돌려받을 근무가 더 이상 없거나 이미 시작했습니다.")
    note = f"교대 #{swap.id}"
    _release(session, offered, tz, note)
    if wanted is not None:
        _release(session, wanted, tz, note)
    field = session.get(Field, swap.field_id)
    assert field is not None
    add_one_off_shift(
        session, swap.recipient, field, offered.day, offered.start, offered.end, tz, note=note
    )
    if wanted is not None:
        add_one_off_shift(
            session, swap.requester, field, wanted.day, wanted.start, wanted.end, tz, note=note
        )
    swap.status, swap.decided_at = SwapStatus.ACCEPTED, now
    session.flush()


def _release(session: Session, occurrence: Occurrence, tz: ZoneInfo, note: str) -> None:
    """Take an occurrence away from its counselor."""
    if occurrence.weekly_shift_id is not None:
        shift = session.get(WeeklyShift, occurrence.weekly_shift_id)
        assert shift is not None
        skip_occurrence(session, shift, occurrence.day, tz, reason=note)
    else:
        one_off = session.get(OneOffShift, occurrence.one_off_shift_id)
        session.delete(one_off)
        session.flush()


def decline_swap(session: Session, swap: ShiftSwap, by: Counselor, now: datetime) -> None:
    """Refuse a swap; nothing on the roster changes."""
    _require_pending(swap)
    if by.id != swap.recipient_id:
        raise RosterError("교대 요청을 받은 상담위원만 거절할 수 있습니다.")
    swap.status, swap.decided_at = SwapStatus.DECLINED, now
    session.flush()


def cancel_swap(session: Session, swap: ShiftSwap, by: Counselor, now: datetime) -> None:
    """Withdraw one's own pending request."""
    _require_pending(swap)
    if by.id != swap.requester_id:
        raise RosterError("요청한 상담위원만 취소할 수 있습니다.")
    swap.status, swap.decided_at = SwapStatus.CANCELLED, now
    session.flush()


def swaps_for(counselor_id: int | None = None):
    """Select swaps, newest first; a counselor's own (sent or received) when given."""
    statement = select(ShiftSwap).order_by(ShiftSwap.created_at.desc(), ShiftSwap.id.desc())
    if counselor_id is not None:
        statement = statement.where(
            or_(ShiftSwap.requester_id == counselor_id, ShiftSwap.recipient_id == counselor_id)
        )
    return statement


def _describe(day: date, start: time, end: time) -> str:
    return f"{day.month}/{day.day}({'월화수목금토일'[day.weekday()]}) {start:%H:%M}-{end:%H:%M}"


def notify_swap(session: Session, swap: ShiftSwap) -> None:
    """Text the counselor who has to act on a swap, or the requester once it is decided."""
    offered = _describe(swap.offered_date, swap.offered_start, swap.offered_end)
    if swap.status == SwapStatus.PENDING:
        to, body = (
            swap.recipient,
            f"[시민 전문상담] {swap.requester.name} 님이 {swap.field.name_ko} {offered} "
            "근무 교대를 요청했습니다. 내 근무 화면에서 수락하거나 거절하세요.",
        )
    elif swap.status in (SwapStatus.ACCEPTED, SwapStatus.DECLINED):
        verdict = "수락" if swap.status == SwapStatus.ACCEPTED else "거절"
        to, body = (
            swap.requester,
            f"[시민 전문상담] {swap.recipient.name} 님이 {offered} 근무 교대를 {verdict}했습니다.",
        )
    else:
        return
    if can_receive_sms(to.phone):
        send_sms(session, to.phone, body)
