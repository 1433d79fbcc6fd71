"""Counselors' numbers checked: test calls a counselor confirms, and numbers that keep failing.

A coordinator sends a test call from the counselor's page; the counselor hears who calls and
presses 1 (`ivr.number_check`), and the check records what happened. Separately, a number
whose real rings failed several times in a row (Twilio could not reach it at all: a wrong,
cancelled or unreachable number, not a counselor who did not answer) is flagged on the
counselors' page and counted in the metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter import telephony
from callcenter.models import CallLeg, CheckResult, Counselor, LegResult, NumberCheck, User

FAILURES_IN_A_ROW = 3
LOOKBACK = timedelta(days=30)
# Twilio's final CallStatus of the test call, when the counselor did not confirm by then.
STATUS_RESULTS = {
    "no-answer": CheckResult.NO_ANSWER,
    "busy": CheckResult.BUSY,
    "failed": CheckResult.FAILED,
    "canceled": CheckResult.FAILED,
    "completed": CheckResult.NOT_CONFIRMED,
}


def start_check(
    session: Session,
    counselor: Counselor,
    user: User | None,
    now: datetime,
    urls: Callable[[NumberCheck], tuple[str, str]],
) -> NumberCheck:
    """Place a test call to a counselor's number; `urls` gives its answer and status URLs.

    Does not commit. A call Twilio refuses at once is recorded as failed.
    """
    check = NumberCheck(
        counselor_id=counselor.id,
        requested_by_id=getattr(user, "id", None),
        phone=counselor.phone,
        result=CheckResult.CALLING,
        started_at=now,
    )
    session.add(check)
    session.flush()
    answer_url, status_url = urls(check)
    sent = telephony.place_call(
        session,
        counselor.phone,
        answer_url,
        status_callback=status_url,
        timeout=int(current_app.config.get("IVR_DIAL_TIMEOUT", 20)),
    )
    check.call_sid = sent.sid
    if not sent.ok:
        check.result, check.finished_at = CheckResult.FAILED, now
    return check


def confirm(check: NumberCheck, digits: str, now: datetime) -> bool:
    """Record the counselor's key on the test call; return whether it confirmed the number."""
    if check.result == CheckResult.CALLING:
        check.result = CheckResult.CONFIRMED if digits == "1" else CheckResult.NOT_CONFIRMED
        check.finished_at = now
    return check.result == CheckResult.CONFIRMED


def apply_status(check: NumberCheck, call_status: str, now: datetime) -> None:
    """Close a check still calling when Twilio's final status says how the call ended."""
    result = STATUS_RESULTS.get(call_status)
    if result is not None and check.result == CheckResult.CALLING:
        check.result, check.finished_at = result, now


def latest_checks(session: Session, counselor_ids: list[int]) -> dict[int, NumberCheck]:
    """Return each counselor's most recent test call."""
    if not counselor_ids:
        return {}
    newest = (
        select(func.max(NumberCheck.id))
        .where(NumberCheck.counselor_id.in_(counselor_ids))
        .group_by(NumberCheck.counselor_id)
    )
    checks = session.scalars(select(NumberCheck).where(NumberCheck.id.in_(newest)))
    return {check.counselor_id: check for check in checks}


def failing_numbers(session: Session, now: datetime) -> dict[int, int]:
    """Return active counselors whose latest real rings all failed, 3 or more: id -> how many.

    Only the last month's rings count; a ring that reached the phone (answered, declined,
    busy or unanswered) ends the run of failures.
    """
    ranked = (
        select(
            CallLeg.counselor_id,
            CallLeg.result,
            func.row_number()
            .over(
                partition_by=CallLeg.counselor_id,
                order_by=(CallLeg.started_at.desc(), CallLeg.id.desc()),
            )
            .label("recent"),
        )
        .join(Counselor, Counselor.id == CallLeg.counselor_id)
        .where(
            Counselor.active.is_(True),
            CallLeg.started_at > now - LOOKBACK,
            CallLeg.result.not_in((LegResult.RINGING, LegResult.CALLER_LEFT)),
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.counselor_id, ranked.c.result)
        .where(ranked.c.recent <= 20)
        .order_by(ranked.c.counselor_id, ranked.c.recent)
    )
    runs: dict[int, int] = {}
    ended: set[int] = set()
    for counselor_id, result in rows:
        if counselor_id in ended:
            continue
        if result == LegResult.FAILED:
            runs[counselor_id] = runs.get(counselor_id, 0) + 1
        else:
            ended.add(counselor_id)
    return {cid: n for cid, n in runs.items() if n >= FAILURES_IN_A_ROW}
