"""Demo data: a working office for the four default fields.

A weekly roster of volunteer sessions, topic categories for every field, demo logins and six
months of calls and consultations (`callcenter.demo_history`). Each part is loaded once, keyed
by what it leaves behind (the demo counselors' numbers, a field's categories, the demo calls'
CallSids), so loading again never puts back a shift a coordinator edited or removed.
"""

from __future__ import annotations

import time as timer
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter import clock
from callcenter.accounts import create_user
from callcenter.demo_history import history_loaded, load_history
from callcenter.models import Counselor, Field, TopicCategory, User
from callcenter.phones import try_e164
from callcenter.timezone import line_timezone
from schedules.roster_import import apply_roster, read_roster

# name, phone, field, day, start, end: the same columns as a roster CSV.
DEMO_ROSTER = """name,phone,field,day,start,end
김민준 변호사,010-2001-0001,legal,mon,10:00,12:00
김민준 변호사,010-2001-0001,legal,wed,14:00,17:00
이서연 변호사,010-2001-0002,legal,tue,14:00,17:00
이서연 변호사,010-2001-0002,legal,thu,10:00,12:00
박도윤 변호사,010-2001-0003,legal,fri,10:00,12:00
박도윤 변호사,010-2001-0003,legal,fri,14:00,17:00
최지우 건축사,010-2002-0001,construction,mon,14:00,17:00
정하준 건축사,010-2002-0002,construction,wed,10:00,12:00
강수아 건축사,010-2002-0003,construction,thu,14:00,17:00
윤시우 세무사,010-2003-0001,tax,tue,10:00,12:00
장하은 세무사,010-2003-0002,tax,thu,14:00,17:00
임주원 세무사,010-2003-0003,tax,fri,10:00,12:00
한지호 노무사,010-2004-0001,labor,mon,14:00,17:00
오서윤 노무사,010-2004-0002,labor,wed,10:00,12:00
서예준 노무사,010-2004-0003,labor,fri,14:00,17:00
서예준 노무사,010-2004-0003,labor,tue,14:00,17:00
"""

# Each field's categories (Korean, English) and their subcategories.
DEMO_TOPICS: dict[str, list[tuple[str, str, list[tuple[str, str]]]]] = {
    "legal": [
        ("임대차", "Tenancy", [("보증금 반환", "Deposit refund"), ("계약 갱신", "Renewal")]),
        ("가사", "Family", [("상속", "Inheritance"), ("이혼", "Divorce")]),
        ("민사", "Civil", [("손해배상", "Damages"), ("대여금", "Loans")]),
    ],
    "construction": [
        ("인허가", "Permits", [("증축", "Extensions"), ("용도 변경", "Change of use")]),
        ("하자", "Defects", [("누수", "Leaks"), ("균열", "Cracks")]),
        ("공사 계약", "Building contracts", []),
    ],
    "tax": [
        ("양도소득세", "Capital gains tax", [("1주택", "Single home")]),
        ("종합소득세", "Income tax", [("신고", "Filing"), ("경비", "Expenses")]),
        ("상속·증여세", "Inheritance and gift tax", []),
    ],
    "labor": [
        ("임금", "Wages", [("체불", "Unpaid wages"), ("주휴수당", "Weekly holiday pay")]),
        ("퇴직", "Leaving a job", [("퇴직금", "Severance pay"), ("해고", "Dismissal")]),
        ("근로계약", "Employment contracts", []),
    ],
}

DEMO_PASSWORD = "demo-password-1"
DEMO_LOGINS = (
    ("admin@demo.example", "admin", None),
    ("coordinator@demo.example", "coordinator", None),
    ("counselor@demo.example", "counselor", "+821020010001"),
)


def load_demo(
    session: Session,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
    history: bool = True,
    progress: Callable[[str], None] = lambda _: None,
) -> list[tuple[str, str, str]]:
    """Load every part of the demo not loaded yet; return the logins. Does not commit.

    `now` and `tz` default to the app's clock and the line's time zone; the history ends the
    day before `now`.
    """
    started = timer.monotonic()
    now = now or clock.now()
    tz = tz or line_timezone()
    if not _roster_loaded(session):
        parsed = read_roster(session, DEMO_ROSTER.encode())
        if not parsed.ok:  # the data above is ours: a failure here is a bug
            raise RuntimeError(f"demo roster is invalid: {parsed.errors}")
        apply_roster(session, parsed.rows)
        session.flush()
        progress("Roster of 12 counselors loaded.")
    if _add_topics(session):
        progress("Topic categories added.")
    if history and not history_loaded(session):
        calls = load_history(session, now, tz)
        progress(f"Six months of history: {calls} calls ({timer.monotonic() - started:.1f} s).")
    logins = []
    for email, role, phone in DEMO_LOGINS:
        if session.scalar(select(User.id).where(User.email == email)) is None:
            counselor = (
                session.scalar(select(Counselor).where(Counselor.phone == phone)) if phone else None
            )
            create_user(session, email, role, DEMO_PASSWORD, counselor)
        logins.append((email, role, DEMO_PASSWORD))
    return logins


def _roster_loaded(session: Session) -> bool:
    """Whether a demo counselor exists: the roster was loaded once and is theirs to edit."""
    phones = {try_e164(line.split(",")[1]) for line in DEMO_ROSTER.splitlines()[1:]}
    found = select(Counselor.id).where(Counselor.phone.in_(phones)).limit(1)
    return session.scalar(found) is not None


def _add_topics(session: Session) -> bool:
    """Give every field without categories the demo's; return whether any were added."""
    added = False
    with_topics = set(session.scalars(select(TopicCategory.field_id).distinct()))
    for field_ in session.scalars(select(Field).where(Field.code.in_(DEMO_TOPICS))):
        if field_.id in with_topics:
            continue
        for position, (ko, en, children) in enumerate(DEMO_TOPICS[field_.code], start=1):
            parent = TopicCategory(field_id=field_.id, name_ko=ko, name_en=en, position=position)
            session.add(parent)
            session.flush()
            for n, (child_ko, child_en) in enumerate(children, start=1):
                session.add(
                    TopicCategory(
                        field_id=field_.id,
                        parent_id=parent.id,
                        name_ko=child_ko,
                        name_en=child_en,
                        position=n,
                    )
                )
        added = True
    session.flush()
    return added
