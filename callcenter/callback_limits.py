"""How often anyone may ask for a callback: the same limits on the web and on the voice line.

Per number, counted by its keyed digest: requests in the last day (TICKET_MAX_PER_NUMBER_PER_DAY)
and open requests (TICKET_MAX_OPEN_PER_NUMBER). For the whole line: requests accepted in the
last hour (CALLBACK_MAX_PER_HOUR), since every accepted request may text a mobile, and a form
that texts any number without a ceiling is an SMS-pumping tool. Every limit refuses with the
same words, so a refusal never tells a stranger that a number already has a request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from callcenter.crypto import keyring
from callcenter.models import CallbackRequest, CallbackStatus, PublicAttempt

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
OPEN_STATUSES = (CallbackStatus.PENDING, CallbackStatus.CLAIMED, CallbackStatus.IN_QUEUE)
REFUSAL = (
    "지금은 콜백 요청을 더 받을 수 없습니다. 잠시 뒤에 다시 시도하시거나 상담 시간에 "
    "전화해 주십시오."
)
# The defaults of the limits; the public pages' blueprint reads them from the environment.
DEFAULTS = {
    "TICKET_MAX_OPEN_PER_NUMBER": 2,
    "TICKET_MAX_PER_NUMBER_PER_DAY": 3,
    "CALLBACK_MAX_PER_HOUR": 60,
}


class CallbackLimitReached(Exception):
    """No more callback requests now; `REFUSAL` is all a requester is told."""


def limit(name: str) -> int:
    """Return a configured limit, or its default."""
    value = current_app.config.get(name)
    return int(DEFAULTS[name] if value is None else value)


def attempts(session: Session, since: datetime, action: str, **where: str | None) -> int:
    """Count the public attempts of an action since an instant, narrowed by column values."""
    conditions = [PublicAttempt.action == action, PublicAttempt.at >= since]
    conditions += [getattr(PublicAttempt, k) == v for k, v in where.items()]
    return session.scalar(select(func.count()).where(*conditions)) or 0


def forget_old_attempts(session: Session, now: datetime) -> None:
    """Delete attempts no limit looks at any more."""
    session.execute(delete(PublicAttempt).where(PublicAttempt.at < now - DAY))


def admit(session: Session, e164: str, now: datetime, address: str | None = None) -> None:
    """Count a callback request for this number; raise CallbackLimitReached over a limit.

    The attempt is counted even when refused: the caller commits either way. No commit.
    """
    forget_old_attempts(session, now)
    digest = keyring.digest(e164)
    session.add(PublicAttempt(action="book", phone_digest=digest, ip_address=address, at=now))
    session.flush()
    if attempts(session, now - DAY, "book", phone_digest=digest) > limit(
        "TICKET_MAX_PER_NUMBER_PER_DAY"
    ):
        raise CallbackLimitReached(REFUSAL)
    open_requests = session.scalar(
        select(func.count()).where(
            CallbackRequest.phone_digest == digest, CallbackRequest.status.in_(OPEN_STATUSES)
        )
    )
    if (open_requests or 0) >= limit("TICKET_MAX_OPEN_PER_NUMBER"):
        raise CallbackLimitReached(REFUSAL)
    if attempts(session, now - HOUR, "accepted") >= limit("CALLBACK_MAX_PER_HOUR"):
        raise CallbackLimitReached(REFUSAL)
    session.add(PublicAttempt(action="accepted", at=now))
