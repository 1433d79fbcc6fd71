"""Counselors accepting the same open offer at once, each in their own thread and web client.

Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL): exactly one gets the shift, the others
are told somebody was first, and the roster never holds the hours twice.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time

from flask.testing import FlaskClient
from sqlalchemy import select

from callcenter.models import OneOffShift, ShiftSwap, SwapStatus, WeeklyShiftSkip
from schedules.occurrences import find_occurrence
from schedules.swaps import TAKEN, offer_hours, request_swap
from tests.conftest import DEFAULT_PASSWORD
from tests.roster_helpers import SEOUL, counselor, weekly

# The clock fixture stands at Tuesday 2027-03-02 14:30.
THURSDAY = date(2027, 3, 4)
TAKERS = 4
ROUNDS = 3  # a race lost by timing once would pass by luck


def signed_in(app, make_user, who) -> FlaskClient:  # type: ignore[no-untyped-def]
    """Return a web client of its own, signed in as the counselor."""
    client = app.test_client()
    user = make_user("counselor", counselor=who)
    response = client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def accept_together(clients: list[FlaskClient], swap_id: int) -> list[str]:
    """Post every client's acceptance at the same moment; return the pages they got back."""
    start = threading.Barrier(len(clients))

    def accept(client: FlaskClient) -> str:
        start.wait(timeout=10)
        page = client.post(f"/rosters/swaps/{swap_id}/accept", follow_redirects=True)
        assert page.status_code == 200
        return page.get_data(as_text=True)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(accept, clients, timeout=60))


def outcomes(pages: list[str]) -> list[str]:
    return sorted(
        "taken" if TAKEN in p else "won" if "교대를 수락했습니다" in p else p for p in pages
    )


def test_counselors_accepting_a_gap_offer_at_once_leave_one_shift(
    app, db, fields, clock, make_user
):
    legal = fields["legal"]
    people = [counselor(db, f"상담{n}", f"+8210111100{n:02d}", legal) for n in range(TAKERS)]
    db.commit()
    clients = [signed_in(app, make_user, who) for who in people]
    for hour in range(9, 9 + ROUNDS):
        offer = offer_hours(db, legal, THURSDAY, time(hour), time(hour, 50), clock.now, SEOUL)
        db.commit()
        pages = accept_together(clients, offer.id)
        assert outcomes(pages) == ["taken"] * (TAKERS - 1) + ["won"]
        db.expire_all()
        shifts = db.scalars(select(OneOffShift).where(OneOffShift.start_time == time(hour))).all()
        assert len(shifts) == 1
        winner = db.get(ShiftSwap, offer.id)
        assert winner.status == SwapStatus.ACCEPTED
        assert winner.recipient_id == shifts[0].counselor_id


def test_two_colleagues_taking_an_open_swap_at_once_leave_one_shift(
    app, db, fields, clock, make_user
):
    legal = fields["legal"]
    kim = counselor(db, "김변호", "+821011110001", legal)
    colleagues = [counselor(db, f"동료{n}", f"+8210222200{n:02d}", legal) for n in range(2)]
    weekly(db, kim, legal, 3, "09:00", "12:00")
    db.commit()
    clients = [signed_in(app, make_user, who) for who in colleagues]
    for week in range(ROUNDS):
        day = date(2027, 3, 4 + 7 * week)
        offered = find_occurrence(db, kim.id, legal.id, day, time(9), SEOUL)
        assert offered is not None
        swap = request_swap(db, kim, None, offered, clock.now, SEOUL)
        db.commit()
        pages = accept_together(clients, swap.id)
        assert outcomes(pages) == ["taken", "won"]
        db.expire_all()
        assert len(db.scalars(select(OneOffShift).where(OneOffShift.date == day)).all()) == 1
        assert (
            len(db.scalars(select(WeeklyShiftSkip).where(WeeklyShiftSkip.date == day)).all()) == 1
        )
        assert find_occurrence(db, kim.id, legal.id, day, time(9), SEOUL) is None
