"""A coordinator withdraws a gap offer; an offer whose gap closed another way withdraws itself."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from callcenter.models import AuditEvent, OneOffShift, ShiftSwap, SwapStatus
from schedules import jobs
from schedules.shifts import mark_unavailable
from schedules.swaps import WITHDRAWN, offer_hours
from tests.roster_helpers import SEOUL, counselor, seoul, weekly

# The clock fixture stands at Tuesday 2027-03-02 14:30.
THURSDAY = date(2027, 3, 4)


def gap(db, fields):  # type: ignore[no-untyped-def]
    """Kim's Thursday morning is a gap (away); Lee could take it. Return (kim, lee, offer)."""
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    weekly(db, kim, fields["legal"], 3, "09:00", "12:00")
    away = mark_unavailable(db, kim, seoul(THURSDAY, 0), seoul(THURSDAY + timedelta(days=1), 0))
    offer = offer_hours(
        db,
        fields["legal"],
        THURSDAY,
        time(9),
        time(12),
        seoul(THURSDAY, 0) - timedelta(days=2),
        SEOUL,
    )
    db.commit()
    return kim, lee, offer, away


def status(db, offer) -> str:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.get(ShiftSwap, offer.id).status


def withdrawals(db) -> list[dict]:  # type: ignore[no-untyped-def]
    return [
        e.detail
        for e in db.scalars(select(AuditEvent).where(AuditEvent.object_type == "shift_swap"))
    ]


def test_report_page_offers_to_withdraw_an_open_offer(client, login, db, fields, clock):
    _, _, offer, _ = gap(db, fields)
    login("coordinator")
    html = client.get("/rosters/report").get_data(as_text=True)
    assert f"/rosters/report/offers/{offer.id}/withdraw" in html and "제안 철회" in html


def test_coordinator_withdraws_an_offer_and_it_is_audited(client, login, db, fields, clock):
    _, _, offer, _ = gap(db, fields)
    login("coordinator")
    page = client.post(f"/rosters/report/offers/{offer.id}/withdraw", follow_redirects=True)
    assert "근무 제안을 철회했습니다" in page.get_data(as_text=True)
    assert status(db, offer) == SwapStatus.CANCELLED
    assert withdrawals(db) == [{"change": "withdrawn", "by": "coordinator"}]


def test_accepting_a_withdrawn_offer_is_refused_and_nobody_gets_the_shift(
    client, login, db, fields, clock
):
    _, lee, offer, _ = gap(db, fields)
    login("coordinator")
    client.post(f"/rosters/report/offers/{offer.id}/withdraw")
    client.post("/auth/logout")
    login("counselor", counselor=lee)
    page = client.post(f"/rosters/swaps/{offer.id}/accept", follow_redirects=True)
    assert WITHDRAWN in page.get_data(as_text=True)
    db.expire_all()
    assert db.scalars(select(OneOffShift)).all() == []
    assert db.get(ShiftSwap, offer.id).recipient_id is None


def test_withdrawn_offer_no_longer_shows_on_the_counselors_page(client, login, db, fields, clock):
    _, lee, offer, _ = gap(db, fields)
    login("coordinator")
    client.post(f"/rosters/report/offers/{offer.id}/withdraw")
    client.post("/auth/logout")
    login("counselor", counselor=lee)
    assert f"/rosters/swaps/{offer.id}/accept" not in client.get("/rosters/me").get_data(
        as_text=True
    )


def test_a_taken_offer_cannot_be_withdrawn(client, login, db, fields, clock):
    _, lee, offer, _ = gap(db, fields)
    login("counselor", counselor=lee)
    client.post(f"/rosters/swaps/{offer.id}/accept")
    client.post("/auth/logout")
    login("coordinator")
    page = client.post(f"/rosters/report/offers/{offer.id}/withdraw", follow_redirects=True)
    assert "이미 상담위원이 맡은" in page.get_data(as_text=True)
    assert status(db, offer) == SwapStatus.ACCEPTED


def test_offer_is_withdrawn_when_a_coordinator_assigns_someone(client, login, db, fields, clock):
    _, lee, offer, _ = gap(db, fields)
    park = counselor(db, "박변호", "+821011110003", fields["legal"])
    db.commit()
    login("coordinator")
    page = client.post(
        "/rosters/shifts/one-off/new",
        data={
            "field_id": fields["legal"].id,
            "counselor_id": park.id,
            "date": THURSDAY.isoformat(),
            "start": "09:00",
            "end": "12:00",
        },
        follow_redirects=True,
    )
    assert "자동으로 철회" in page.get_data(as_text=True)
    assert status(db, offer) == SwapStatus.CANCELLED
    assert withdrawals(db) == [{"change": "withdrawn", "by": "covered"}]
    client.post("/auth/logout")
    login("counselor", counselor=lee)
    refused = client.post(f"/rosters/swaps/{offer.id}/accept", follow_redirects=True)
    assert WITHDRAWN in refused.get_data(as_text=True)
    db.expire_all()
    assert [s.counselor_id for s in db.scalars(select(OneOffShift))] == [park.id]


def test_offer_is_withdrawn_when_the_absence_is_cancelled(client, login, db, fields, clock):
    kim, _, offer, away = gap(db, fields)
    login("counselor", counselor=kim)
    client.post(f"/rosters/me/unavailable/{away.id}/delete")
    assert status(db, offer) == SwapStatus.CANCELLED


def test_offer_stays_open_while_its_gap_is_still_open(client, login, db, fields, clock):
    _, _, offer, _ = gap(db, fields)
    park = counselor(db, "박변호", "+821011110003", fields["legal"])
    db.commit()
    login("coordinator")
    client.post(
        "/rosters/shifts/one-off/new",
        data={
            "field_id": fields["legal"].id,
            "counselor_id": park.id,
            "date": THURSDAY.isoformat(),
            "start": "09:00",
            "end": "10:00",
        },
    )
    assert status(db, offer) == SwapStatus.PENDING


def test_open_swaps_job_withdraws_offers_filled_outside_the_pages(db, fields, clock):
    _, _, offer, away = gap(db, fields)
    db.delete(away)
    db.flush()
    done = jobs.remind_open_swaps(db, clock.now)
    assert done["withdrawn"] == 1
    assert status(db, offer) == SwapStatus.CANCELLED
