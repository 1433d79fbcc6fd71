"""Demo data: a realistic week of volunteer sessions for the four default fields."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.accounts import create_user
from callcenter.models import Counselor, User
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

DEMO_PASSWORD = "demo-password-1"
DEMO_LOGINS = (
    ("admin@demo.example", "admin", None),
    ("coordinator@demo.example", "coordinator", None),
    ("counselor@demo.example", "counselor", "+821020010001"),
)


def load_demo(session: Session) -> list[tuple[str, str, str]]:
    """Load the demo roster and logins; running it twice changes nothing. Does not commit."""
    parsed = read_roster(session, DEMO_ROSTER.encode())
    if not parsed.ok:  # the data above is ours: a failure here is a bug
        raise RuntimeError(f"demo roster is invalid: {parsed.errors}")
    apply_roster(session, parsed.rows)
    session.flush()
    logins = []
    for email, role, phone in DEMO_LOGINS:
        if session.scalar(select(User.id).where(User.email == email)) is None:
            counselor = (
                session.scalar(select(Counselor).where(Counselor.phone == phone)) if phone else None
            )
            create_user(session, email, role, DEMO_PASSWORD, counselor)
        logins.append((email, role, DEMO_PASSWORD))
    return logins
