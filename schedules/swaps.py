"""Shift swaps between counselors of the same field: request, accept, decline, cancel.

A swap hands one occurrence of the requester's shifts to a colleague and, when the requester
asks for one in return, one of the colleague's occurrences to the requester. Accepting applies
both through the roster rules (a weekly occurrence is skipped and replaced by a one-off shift),
so the rest of each series stays as it was. Nothing is committed here.

An open request names no colleague: everyone who could take it (`schedules.substitutes`) is
told, and the first to accept gets the shift. A coordinator's offer of uncovered hours is an
open request without a requester. Shortly before the shift, an open request nobody took is
reminded once (`remind_open_swaps`).

A coordinator may withdraw an offer nobody took (`withdraw_offer`), and an offer whose hours
somebody covers by other means (a coordinator put someone on, an absence was cancelled) is
withdrawn by `withdraw_covered_offers`. Every change of hands, taking or withdrawing, is one
conditional UPDATE on a pending row without a recipient: of several counselors accepting at
once, or an acceptance meeting a withdrawal, exactly one wins and the others are told why.
The counselors texted about an open request are kept (`ShiftSwapTold`): when it is taken or
withdrawn they are texted that it is gone (`tell_gone`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from callcenter import clock
from callcenter.models import (
    Counselor,
    Field,
    OneOffShift,
    ShiftSwap,
    ShiftSwapTold,
    SwapStatus,
    WeeklyShift,
)
from callcenter.phones import can_receive_sms
from callcenter.telephony import send_sms
from schedules.occurrences import Occurrence, find_occurrence
from schedules.oncall import coverage_gaps, on_call
from schedules.shifts import RosterError, add_one_off_shift, skip_occurrence
from schedules.substitutes import substitutes

SMS_PREFIX = "[시민 전문상담]"
TAKEN = "다른 상담위원이 먼저 맡았습니다. 근무표는 바뀌지 않았습니다."
WITHDRAWN = "코디네이터가 이 근무 제안을 철회했습니다. 근무표는 바뀌지 않았습니다."
CANCELLED = "요청한 상담위원이 교대 요청을 취소했습니다. 근무표는 바뀌지 않았습니다."
DECIDED = "이미 처리된 교대 요청입니다."
COVERED = "이 시간은 이미 다른 상담위원이 맡았습니다. 근무표는 바뀌지 않았습니다."


def request_swap(
    session: Session,
    requester: Counselor,
    recipient: Counselor | None,
    offered: Occurrence,
    now: datetime,
    tz: ZoneInfo,
    wanted: Occurrence | None = None,
    note: str | None = None,
) -> ShiftSwap:
    """Ask a colleague of the same field to take an occurrence (and give one back).

    Without a recipient the request is open to anyone serving the field (a hand-over only).
    """
    field = offered.field
    if recipient is not None and recipient.id == requester.id:
        raise RosterError("자기 자신과는 근무를 바꿀 수 없습니다.")
    if offered.counselor.id != requester.id:
        raise RosterError("본인의 근무만 바꿀 수 있습니다.")
    if recipient is not None and (not recipient.active or field not in recipient.fields):
        raise RosterError("같은 분야를 담당하는 상담위원과만 근무를 바꿀 수 있습니다.")
    if offered.starts_at(tz) <= now:
        raise RosterError("이미 시작한 근무는 바꿀 수 없습니다.")
    if wanted is not None and recipient is None:
        raise RosterError("누구에게나 내놓는 근무는 넘겨주기만 할 수 있습니다.")
    if wanted is not None and recipient is not None:
        if wanted.counselor.id != recipient.id or wanted.field.id != field.id:
            raise RosterError("받을 근무는 상대방의 같은 분야 근무여야 합니다.")
        if wanted.starts_at(tz) <= now:
            raise RosterError("이미 시작한 근무는 바꿀 수 없습니다.")
    if _pending_for(session, requester.id, field.id, offered.day, offered.start) is not None:
        raise RosterError("이 근무에 대한 교대 요청이 이미 대기 중입니다.")
    swap = ShiftSwap(
        field_id=field.id,
        requester_id=requester.id,
        recipient_id=recipient.id if recipient else None,
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


def offer_hours(
    session: Session,
    field: Field,
    day: date,
    start: time,
    end: time,
    now: datetime,
    tz: ZoneInfo,
    note: str | None = None,
) -> ShiftSwap:
    """Offer hours nobody covers to the field's counselors; the first to accept takes them."""
    if end <= start:
        raise RosterError("끝나는 시각은 시작 시각보다 늦어야 합니다.")
    if datetime.combine(day, start, tz) <= now:
        raise RosterError("이미 시작한 근무는 제안할 수 없습니다.")
    pending = session.scalar(
        select(ShiftSwap.id).where(
            ShiftSwap.status == SwapStatus.PENDING,
            ShiftSwap.requester_id.is_(None),
            ShiftSwap.field_id == field.id,
            ShiftSwap.offered_date == day,
            ShiftSwap.offered_start == start,
        )
    )
    if pending is not None:
        raise RosterError("이 시간에 대한 근무 제안이 이미 대기 중입니다.")
    swap = ShiftSwap(
        field_id=field.id,
        field=field,
        requester_id=None,
        recipient_id=None,
        offered_date=day,
        offered_start=start,
        offered_end=end,
        note=note or None,
        status=SwapStatus.PENDING,
        created_at=now,
    )
    session.add(swap)
    session.flush()
    return swap


def takers(session: Session, swap: ShiftSwap, tz: ZoneInfo) -> list[Counselor]:
    """Return who could take an open request now, most rested first."""
    field = session.get(Field, swap.field_id)
    assert field is not None
    exclude = {swap.requester_id} if swap.requester_id else set()
    return [
        s.counselor
        for s in substitutes(
            session,
            field,
            swap.offered_date,
            swap.offered_start,
            swap.offered_end,
            tz,
            exclude=exclude,
        )
    ]


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


def _refusal(swap: ShiftSwap, by: Counselor | None = None) -> RosterError:
    """Say why a request that is no longer pending cannot be acted on."""
    if swap.status == SwapStatus.CANCELLED:
        return RosterError(WITHDRAWN if swap.requester_id is None else CANCELLED)
    if swap.status == SwapStatus.ACCEPTED and by is not None and swap.recipient_id != by.id:
        return RosterError(TAKEN)
    return RosterError(DECIDED)


def _require_pending(swap: ShiftSwap, by: Counselor | None = None) -> None:
    if swap.status != SwapStatus.PENDING:
        raise _refusal(swap, by)


def accept_swap(
    session: Session, swap: ShiftSwap, by: Counselor, now: datetime, tz: ZoneInfo
) -> None:
    """Apply a swap on the recipient's acceptance (an open one: the first colleague's)."""
    _require_pending(swap, by)
    if swap.recipient_id is None:
        _take_open(session, swap, by, now, tz)
        return
    if by.id != swap.recipient_id:
        raise RosterError("교대 요청을 받은 상담위원만 수락할 수 있습니다.")
    assert swap.requester_id is not None
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
    add_one_off_shift(session, by, field, offered.day, offered.start, offered.end, tz, note=note)
    if wanted is not None:
        requester = session.get(Counselor, swap.requester_id)
        assert requester is not None
        add_one_off_shift(
            session, requester, field, wanted.day, wanted.start, wanted.end, tz, note=note
        )
    swap.status, swap.decided_at = SwapStatus.ACCEPTED, now
    session.flush()


def _take_open(
    session: Session, swap: ShiftSwap, by: Counselor, now: datetime, tz: ZoneInfo
) -> None:
    """Give an open request to the first colleague who accepts it."""
    field = session.get(Field, swap.field_id)
    assert field is not None
    if by.id == swap.requester_id:
        raise RosterError("본인이 내놓은 근무는 수락할 수 없습니다.")
    if not by.active or field not in by.fields:
        raise RosterError("같은 분야를 담당하는 상담위원만 수락할 수 있습니다.")
    if datetime.combine(swap.offered_date, swap.offered_start, tz) <= now:
        raise RosterError("요청한 근무가 더 이상 없거나 이미 시작했습니다.")
    # First come, first served: only one acceptance can turn the open request into its own.
    taken = session.execute(
        update(ShiftSwap)
        .where(
            ShiftSwap.id == swap.id,
            ShiftSwap.status == SwapStatus.PENDING,
            ShiftSwap.recipient_id.is_(None),
        )
        .values(recipient_id=by.id, status=SwapStatus.ACCEPTED, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(swap)
        raise _refusal(swap, by)
    session.refresh(swap)
    if swap.requester_id is None and is_covered(session, swap, tz):
        # Filled some other way a moment ago: taking it would put two on the same hours.
        raise RosterError(COVERED)
    note = f"교대 #{swap.id}" if swap.requester_id else f"근무 제안 #{swap.id}"
    if swap.requester_id is not None:
        offered = find_occurrence(
            session, swap.requester_id, swap.field_id, swap.offered_date, swap.offered_start, tz
        )
        if offered is None:
            raise RosterError("요청한 근무가 더 이상 없거나 이미 시작했습니다.")
        _release(session, offered, tz, note)
    add_one_off_shift(
        session, by, field, swap.offered_date, swap.offered_start, swap.offered_end, tz, note=note
    )
    session.flush()
    tell_gone(session, swap)


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
    if swap.recipient_id is None or by.id != swap.recipient_id:
        raise RosterError("교대 요청을 받은 상담위원만 거절할 수 있습니다.")
    swap.status, swap.decided_at = SwapStatus.DECLINED, now
    session.flush()


def cancel_swap(session: Session, swap: ShiftSwap, by: Counselor | None, now: datetime) -> None:
    """Withdraw one's own pending request (`by=None`: a coordinator withdraws an offer)."""
    _require_pending(swap, by)
    if (by.id if by else None) != swap.requester_id:
        raise RosterError("요청한 상담위원만 취소할 수 있습니다.")
    _withdraw(session, swap, now)


def _withdraw(session: Session, swap: ShiftSwap, now: datetime) -> None:
    """Close a pending request unless somebody took it first (one conditional UPDATE)."""
    closed = session.execute(
        update(ShiftSwap)
        .where(ShiftSwap.id == swap.id, ShiftSwap.status == SwapStatus.PENDING)
        .values(status=SwapStatus.CANCELLED, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(swap)
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise _refusal(swap)
    tell_gone(session, swap)


def withdraw_offer(session: Session, swap: ShiftSwap, now: datetime) -> None:
    """Withdraw a coordinator's offer of uncovered hours that nobody has taken yet."""
    if swap.requester_id is not None:
        raise RosterError("코디네이터의 근무 제안만 철회할 수 있습니다.")
    if swap.status == SwapStatus.ACCEPTED:
        raise RosterError("이미 상담위원이 맡은 근무 제안은 철회할 수 없습니다.")
    _require_pending(swap)
    _withdraw(session, swap, now)


def open_offers(session: Session, since: date, field_id: int | None = None) -> list[ShiftSwap]:
    """Return the coordinators' offers nobody has taken, for hours from a date on."""
    statement = select(ShiftSwap).where(
        ShiftSwap.status == SwapStatus.PENDING,
        ShiftSwap.requester_id.is_(None),
        ShiftSwap.recipient_id.is_(None),
        ShiftSwap.offered_date >= since,
    )
    if field_id is not None:
        statement = statement.where(ShiftSwap.field_id == field_id)
    return list(session.scalars(statement.order_by(ShiftSwap.offered_date, ShiftSwap.id)))


def is_covered(session: Session, swap: ShiftSwap, tz: ZoneInfo) -> bool:
    """Whether somebody is on call for all of an offer's hours (the gap has closed)."""
    day = swap.offered_date
    for gap in coverage_gaps(session, swap.field_id, day, day, tz):
        if gap.start < swap.offered_end and gap.end > swap.offered_start:
            return False
    # Hours outside the weekly roster's usual ones are no gap either: covered only if on call.
    start, end = swap.offered_start, swap.offered_end
    return all(
        on_call(session, swap.field_id, datetime.combine(day, moment, tz), tz)
        for moment in (start, _before(end))
    )


def _before(moment: time) -> time:
    """Return the minute before a wall-clock time (the last minute an offer covers)."""
    return (datetime.combine(date.min, moment) - timedelta(minutes=1)).time()


def withdraw_covered_offers(
    session: Session, now: datetime, tz: ZoneInfo, field_id: int | None = None
) -> list[ShiftSwap]:
    """Withdraw the open offers whose hours somebody now covers; return them."""
    withdrawn = []
    for swap in open_offers(session, now.astimezone(tz).date(), field_id):
        if datetime.combine(swap.offered_date, swap.offered_start, tz) <= now:
            continue
        if is_covered(session, swap, tz):
            try:
                _withdraw(session, swap, now)
            except RosterError:
                continue  # somebody took it meanwhile
            withdrawn.append(swap)
    return withdrawn


def swaps_for(counselor_id: int | None = None):
    """Select swaps, newest first; a counselor's own (sent or received) when given."""
    statement = select(ShiftSwap).order_by(ShiftSwap.created_at.desc(), ShiftSwap.id.desc())
    if counselor_id is not None:
        statement = statement.where(
            or_(ShiftSwap.requester_id == counselor_id, ShiftSwap.recipient_id == counselor_id)
        )
    return statement


def open_swaps_for(counselor: Counselor, now: datetime):
    """Select the open requests and offers a counselor could take, soonest first."""
    return (
        select(ShiftSwap)
        .where(
            ShiftSwap.status == SwapStatus.PENDING,
            ShiftSwap.recipient_id.is_(None),
            ShiftSwap.field_id.in_([f.id for f in counselor.fields]),
            or_(ShiftSwap.requester_id.is_(None), ShiftSwap.requester_id != counselor.id),
            ShiftSwap.offered_date >= now.date() - timedelta(days=1),
        )
        .order_by(ShiftSwap.offered_date, ShiftSwap.offered_start)
    )


def _describe(day: date, start: time, end: time) -> str:
    return f"{day.month}/{day.day}({'월화수목금토일'[day.weekday()]}) {start:%H:%M}-{end:%H:%M}"


def _text(session: Session, to: Counselor | None, body: str) -> int:
    """Text a counselor whose number takes SMS; return how many were sent."""
    if to is None or not can_receive_sms(to.phone):
        return 0
    send_sms(session, to.phone, body)
    return 1


def _tell_open(session: Session, swap: ShiftSwap, to: Counselor, body: str) -> int:
    """Text a counselor about an open request and keep that they were told; return the count."""
    sent = _text(session, to, body)
    if sent and session.get(ShiftSwapTold, (swap.id, to.id)) is None:
        session.add(ShiftSwapTold(swap_id=swap.id, counselor_id=to.id, told_at=clock.now()))
    return sent


def tell_gone(session: Session, swap: ShiftSwap) -> int:
    """Text who was told of an open request that it is gone: taken or withdrawn.

    Exactly the counselors texted about it hear so, not the one who took it; return the count.
    """
    if swap.status == SwapStatus.PENDING:
        return 0
    offered = _describe(swap.offered_date, swap.offered_start, swap.offered_end)
    field = session.get(Field, swap.field_id)
    assert field is not None
    if swap.status == SwapStatus.ACCEPTED:
        why = "다른 상담위원이 맡았습니다"
    elif swap.requester is not None:
        why = f"{swap.requester.name} 님이 요청을 취소했습니다"
    else:
        why = "근무 제안이 철회되었습니다"
    body = f"{SMS_PREFIX} {field.name_ko} {offered} 근무는 {why}. 맡지 않으셔도 됩니다."
    told = session.scalars(
        select(Counselor)
        .join(ShiftSwapTold, ShiftSwapTold.counselor_id == Counselor.id)
        .where(ShiftSwapTold.swap_id == swap.id)
        .order_by(Counselor.id)
    )
    return sum(_text(session, c, body) for c in told if c.id != swap.recipient_id)


def notify_swap(
    session: Session,
    swap: ShiftSwap,
    tz: ZoneInfo | None = None,
    recipients: list[Counselor] | None = None,
) -> int:
    """Text who has to act on a swap, or the requester once it is decided; return the count.

    An open request goes to `recipients` when given (a coordinator's chosen substitutes),
    else to everyone who could take it (which needs `tz`).
    """
    offered = _describe(swap.offered_date, swap.offered_start, swap.offered_end)
    field = session.get(Field, swap.field_id)
    assert field is not None
    if swap.status == SwapStatus.PENDING and swap.recipient_id is None:
        if swap.requester is not None:
            who = f"{swap.requester.name} 님이 {field.name_ko} {offered} 근무를 맡을 분을 찾습니다."
        else:
            who = f"{field.name_ko} {offered} 근무를 맡을 분을 찾습니다."
        body = f"{SMS_PREFIX} {who} 먼저 수락한 분이 맡습니다. 내 근무 화면에서 수락하세요."
        if recipients is None:
            assert tz is not None
            recipients = takers(session, swap, tz)
        return sum(_tell_open(session, swap, c, body) for c in recipients)
    if swap.status == SwapStatus.PENDING:
        assert swap.requester is not None
        return _text(
            session,
            swap.recipient,
            f"{SMS_PREFIX} {swap.requester.name} 님이 {field.name_ko} {offered} "
            "근무 교대를 요청했습니다. 내 근무 화면에서 수락하거나 거절하세요.",
        )
    if swap.status in (SwapStatus.ACCEPTED, SwapStatus.DECLINED) and swap.recipient is not None:
        verdict = "수락" if swap.status == SwapStatus.ACCEPTED else "거절"
        return _text(
            session,
            swap.requester,
            f"{SMS_PREFIX} {swap.recipient.name} 님이 {offered} 근무 교대를 {verdict}했습니다.",
        )
    return 0


def remind_open_swaps(session: Session, now: datetime, tz: ZoneInfo, lead: timedelta) -> int:
    """Remind once, `lead` before the shift, about open requests nobody has taken yet.

    Everyone who could take it is told again, and the requester that the shift is still theirs.
    Returns how many requests were reminded.
    """
    local = now.astimezone(tz)
    reminded = 0
    for swap in session.scalars(
        select(ShiftSwap).where(
            ShiftSwap.status == SwapStatus.PENDING,
            ShiftSwap.recipient_id.is_(None),
            ShiftSwap.reminded_at.is_(None),
            ShiftSwap.offered_date >= local.date(),
            ShiftSwap.offered_date <= (local + lead).date(),
        )
    ):
        starts = datetime.combine(swap.offered_date, swap.offered_start, tz)
        if not now < starts <= now + lead:
            continue
        offered = _describe(swap.offered_date, swap.offered_start, swap.offered_end)
        body = (
            f"{SMS_PREFIX} {swap.field.name_ko} {offered} 근무를 아직 아무도 맡지 않았습니다. "
            "맡을 수 있으면 내 근무 화면에서 수락하세요."
        )
        for counselor in takers(session, swap, tz):
            _tell_open(session, swap, counselor, body)
        _text(
            session,
            swap.requester,
            f"{SMS_PREFIX} 내놓은 {offered} 근무를 아직 아무도 맡지 않아 그대로 본인 근무입니다.",
        )
        swap.reminded_at = now
        reminded += 1
    session.flush()
    return reminded
