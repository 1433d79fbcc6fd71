"""The monthly review of access records for the privacy officer: who saw or took what.

PIPA's safety-measures standard asks the controller to check the access records at least
monthly. For one month of the audit log this says, per back-office account, how often it
viewed, revealed, exported or played personal data, lists every export with its reason, and
highlights what deserves a second look: far more accesses than colleagues, a day with very
many, accesses at night, exports with personal data in full. Recording the review is itself an
audit event (`review`), so the log shows that each month was checked and by whom.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.models import AuditEvent, User

PERSONAL_ACTIONS = ("view", "reveal", "export", "play")
# What is highlighted: several times the median of the other accounts, and never below a floor that
# a busy coordinator reaches on an ordinary month.
PEER_FACTOR = 3
MONTH_FLOOR = 300
DAY_LIMIT = 100
NIGHT = (time(22, 0), time(6, 0))  # local wall-clock, from evening to morning


@dataclass
class Account:
    """One account's month of accesses to personal data."""

    user_id: int | None
    email: str
    role: str
    counts: Counter[str] = field(default_factory=Counter)
    days: Counter[date] = field(default_factory=Counter)
    night: int = 0
    personal_exports: int = 0
    flags: list[str] = field(default_factory=list)  # Korean message ids

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def busiest_day(self) -> tuple[date, int] | None:
        return self.days.most_common(1)[0] if self.days else None


@dataclass
class Review:
    """The month's review: accounts, exports and whether it was recorded as done."""

    month: date
    accounts: list[Account]
    exports: list[AuditEvent]
    reviews: list[AuditEvent]


def month_bounds(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the first instant of a local month and of the next."""
    first = datetime.combine(month.replace(day=1), time.min, tz)
    after = first.replace(year=first.year + (first.month == 12), month=first.month % 12 + 1)
    return first, after


def is_night(local: datetime) -> bool:
    """Whether a local time falls in the night hours."""
    evening, morning = NIGHT
    return local.time() >= evening or local.time() < morning


def review(session: Session, month: date, tz: ZoneInfo) -> Review:
    """Gather a month of personal-data accesses, with what stands out highlighted."""
    start, end = month_bounds(month, tz)
    users = {u.id: u for u in session.scalars(select(User))}
    accounts: dict[int | None, Account] = {}
    exports = []
    rows = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.at >= start,
            AuditEvent.at < end,
            AuditEvent.action.in_(PERSONAL_ACTIONS),
        )
        .order_by(AuditEvent.at)
    )
    for event in rows:
        account = accounts.get(event.user_id)
        if account is None:
            user = users.get(event.user_id) if event.user_id is not None else None
            account = accounts[event.user_id] = Account(
                event.user_id, user.email if user else "—", user.role if user else "—"
            )
        local = event.at.astimezone(tz)
        account.counts[event.action] += 1
        account.days[local.date()] += 1
        account.night += is_night(local)
        if event.action == "export":
            exports.append(event)
            account.personal_exports += bool((event.detail or {}).get("personal"))
    _highlight(list(accounts.values()))
    reviews = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "review", AuditEvent.object_type == "access_records")
            .order_by(AuditEvent.at)
        )
    )
    label = month.strftime("%Y-%m")
    return Review(
        month=month.replace(day=1),
        accounts=sorted(accounts.values(), key=lambda a: (-len(a.flags), -a.total, a.email)),
        exports=exports,
        reviews=[r for r in reviews if (r.detail or {}).get("month") == label],
    )


def _highlight(accounts: list[Account]) -> None:
    """Flag the accounts whose month deserves a second look."""
    for account in accounts:
        peers = [a.total for a in accounts if a is not account]
        limit = max(MONTH_FLOOR, PEER_FACTOR * statistics.median(peers) if peers else 0)
        if account.total > limit:
            account.flags.append("동료보다 훨씬 많은 접근")
        busiest = account.busiest_day
        if busiest and busiest[1] > DAY_LIMIT:
            account.flags.append("하루 접근이 매우 많음")
        if account.night:
            account.flags.append("야간 접근")
        if account.personal_exports:
            account.flags.append("개인정보 전체 내보내기")


def by_month_label(label: str | None, today: date) -> date:
    """Read `YYYY-MM`; without it (or with junk), the month before `today`'s."""
    try:
        year, month = (int(part) for part in (label or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        last = today.replace(day=1)
        return date(last.year - (last.month == 1), (last.month - 2) % 12 + 1, 1)


def rows(found: Review) -> list[list[str | int]]:
    """Return the review as table rows for the CSV report (header first)."""
    header: list[str | int] = [
        "계정",
        "역할",
        *PERSONAL_ACTIONS,
        "야간",
        "최다 일자",
        "최다 건수",
        "눈여겨볼 점",
    ]
    table = [header]
    for a in found.accounts:
        day = a.busiest_day
        table.append(
            [
                a.email,
                a.role,
                *(a.counts.get(action, 0) for action in PERSONAL_ACTIONS),
                a.night,
                day[0].isoformat() if day else "",
                day[1] if day else 0,
                "; ".join(a.flags),
            ]
        )
    return table
