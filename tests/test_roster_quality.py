"""Roster quality: coverage ahead, who carries the line, substitutes, open offers and swaps."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from callcenter.models import Call, Consultation, OneOffShift, OutboxMessage, ShiftSwap
from schedules.occurrences import find_occurrence
from schedules.roster_report import roster_report
from schedules.shifts import RosterError, mark_unavailable
from schedules.substitutes import substitutes
from schedules.swaps import (
    accept_swap,
    cancel_swap,
    notify_swap,
    offer_hours,
    remind_open_swaps,
    request_swap,
    withdraw_offer,
)
from tests.roster_helpers import SEOUL, counselor, one_off, seoul, weekly

# The clock fixture stands at Tuesday 2027-03-02 14:30.
THURSDAY = date(2027, 3, 4)
NEXT_THURSDAY = date(2027, 3, 11)


def texts(db, to=None) -> list[str]:  # type: ignore[no-untyped-def]
    rows = db.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "sms").order_by(OutboxMessage.id)
    ).all()
    return [m.body for m in rows if to is None or m.to == to]


def open_request(db, fields, clock):  # type: ignore[no-untyped-def]
    """Kim asks anyone of the legal field to take Thursday morning; return (kim, lee, request)."""
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    weekly(db, kim, fields["legal"], 3, "09:00", "12:00")
    offered = find_occurrence(db, kim.id, fields["legal"].id, THURSDAY, time(9), SEOUL)
    return kim, lee, request_swap(db, kim, None, offered, clock.now, SEOUL)


def next_thursday_offer(db, fields, clock):  # type: ignore[no-untyped-def]
    """A coordinator's offer of next Thursday 09:00-12:00 in the legal field."""
    return offer_hours(db, fields["legal"], NEXT_THURSDAY, time(9), time(12), clock.now, SEOUL)


def field_report(db, clock, code):  # type: ignore[no-untyped-def]
    return next(r for r in roster_report(db, clock.now, SEOUL) if r.field.code == code)


def test_report_gives_the_share_of_opening_hours_uncovered(db, fields, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    # Thursdays: 12 in the next 12 weeks, one of them 부처님오신날 (2027-05-13).
    weekly(db, kim, fields["legal"], 3, "09:00", "12:00")
    mark_unavailable(db, kim, seoul(THURSDAY, 0), seoul(THURSDAY + timedelta(days=1), 0))
    report = field_report(db, clock, "legal")
    assert report.open_minutes == 11 * 180
    assert report.uncovered_minutes == 180
    assert report.uncovered_share == pytest.approx(1 / 11)


def test_report_sets_each_counselors_load_beside_the_fields_average(db, fields, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    weekly(db, kim, fields["legal"], 3, "09:00", "12:00")
    weekly(db, lee, fields["legal"], 3, "13:00", "14:00")
    for n in range(3):
        db.add(
            Call(
                call_sid=f"CA{n}",
                field_id=fields["legal"].id,
                started_at=clock.now - timedelta(days=n + 1),
                connected_counselor_id=kim.id,
                steps=[],
            )
        )
    db.add(
        Consultation(
            started_at=clock.now - timedelta(days=2),
            field_id=fields["legal"].id,
            channel="phone",
            counselor_id=lee.id,
            status="done",
        )
    )
    db.flush()
    report = field_report(db, clock, "legal")
    loads = {load.counselor.name: load for load in report.loads}
    assert (loads["김변호"].hours, loads["김변호"].calls) == (33.0, 3)
    assert (loads["이변호"].hours, loads["이변호"].consultations) == (11.0, 1)
    assert report.average("hours") == 22.0
    assert report.average("calls") == 1.5


def test_substitutes_serve_the_field_are_free_and_most_rested_first(db, fields):
    legal = fields["legal"]
    tired = counselor(db, "가상담", "+821011110001", legal)
    rested = counselor(db, "나상담", "+821011110002", legal)
    away = counselor(db, "다상담", "+821011110003", legal)
    busy = counselor(db, "라상담", "+821011110004", legal)
    counselor(db, "마세무", "+821011110005", fields["tax"])
    one_off(db, tired, legal, NEXT_THURSDAY, "13:00", "14:00")  # right after the gap
    one_off(db, rested, legal, NEXT_THURSDAY + timedelta(days=5), "09:00", "12:00")
    mark_unavailable(db, away, seoul(NEXT_THURSDAY, 0), seoul(NEXT_THURSDAY, 23))
    one_off(db, busy, fields["legal"], NEXT_THURSDAY, "10:00", "11:00")
    found = substitutes(db, legal, NEXT_THURSDAY, time(9), time(12), SEOUL)
    assert [s.counselor.name for s in found] == ["나상담", "가상담"]
    assert found[1].rest_after == timedelta(hours=1)


def test_one_click_offer_texts_the_suggested_substitutes(client, login, db, fields, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    db.commit()
    login("coordinator")
    response = client.post(
        "/rosters/report/offer",
        data={
            "field_id": fields["legal"].id,
            "date": NEXT_THURSDAY.isoformat(),
            "start": "09:00",
            "end": "12:00",
        },
        follow_redirects=True,
    )
    assert "2명에게" in response.get_data(as_text=True)
    assert len(texts(db, kim.phone)) == 1 and len(texts(db, lee.phone)) == 1
    assert "먼저 수락한 분이 맡습니다" in texts(db, kim.phone)[0]


def test_first_to_accept_an_offer_gets_the_shift(db, fields, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    offer = next_thursday_offer(db, fields, clock)
    accept_swap(db, offer, lee, clock.now, SEOUL)
    with pytest.raises(RosterError, match="다른 상담위원이 먼저 맡았습니다"):
        accept_swap(db, offer, kim, clock.now, SEOUL)
    assert [s.counselor_id for s in db.scalars(select(OneOffShift))] == [lee.id]
    assert offer.recipient_id == lee.id


def test_when_an_offer_is_taken_the_others_told_hear_it_is_gone(db, fields, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    park = counselor(db, "박변호", "+821011110003", fields["legal"])
    offer = next_thursday_offer(db, fields, clock)
    assert notify_swap(db, offer, recipients=[kim, lee]) == 2
    accept_swap(db, offer, lee, clock.now, SEOUL)
    assert texts(db, kim.phone)[-1] == (
        "[시민 전문상담] 법률 3/11(목) 09:00-12:00 근무는 다른 상담위원이 맡았습니다. "
        "맡지 않으셔도 됩니다."
    )
    assert len(texts(db, lee.phone)) == 1  # the offer only: the taker knows
    assert texts(db, park.phone) == []  # never told of it, not told it is gone


def test_a_withdrawn_offer_is_texted_to_who_was_told(db, fields, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    offer = next_thursday_offer(db, fields, clock)
    notify_swap(db, offer, recipients=[kim])
    withdraw_offer(db, offer, clock.now)
    assert "근무 제안이 철회되었습니다" in texts(db, kim.phone)[-1]
    assert texts(db, lee.phone) == []


def test_a_cancelled_open_request_is_texted_to_who_was_told(db, fields, clock):
    kim, lee, swap = open_request(db, fields, clock)
    notify_swap(db, swap, SEOUL)
    cancel_swap(db, swap, kim, clock.now)
    assert "김변호 님이 요청을 취소했습니다" in texts(db, lee.phone)[-1]
    assert len(texts(db, kim.phone)) == 0


def test_a_counselor_told_twice_hears_once_that_it_is_gone(db, fields, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    offer = next_thursday_offer(db, fields, clock)
    notify_swap(db, offer, recipients=[kim])
    notify_swap(db, offer, recipients=[kim])
    withdraw_offer(db, offer, clock.now)
    assert sum("철회" in body for body in texts(db, kim.phone)) == 1


def test_open_swap_request_goes_to_everyone_in_the_field(db, fields, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    park = counselor(db, "박세무", "+821011110003", fields["tax"])
    weekly(db, kim, fields["legal"], 3, "09:00", "12:00")
    offered = find_occurrence(db, kim.id, fields["legal"].id, THURSDAY, time(9), SEOUL)
    swap = request_swap(db, kim, None, offered, clock.now, SEOUL)
    assert notify_swap(db, swap, SEOUL) == 1
    assert texts(db, lee.phone) and not texts(db, park.phone) and not texts(db, kim.phone)


def test_a_colleague_takes_an_open_swap_and_the_requester_is_told(db, fields, clock):
    kim, lee, swap = open_request(db, fields, clock)
    accept_swap(db, swap, lee, clock.now, SEOUL)
    notify_swap(db, swap, SEOUL)
    now_on = find_occurrence(db, lee.id, fields["legal"].id, THURSDAY, time(9), SEOUL)
    assert now_on is not None
    assert find_occurrence(db, kim.id, fields["legal"].id, THURSDAY, time(9), SEOUL) is None
    assert "이변호 님이" in texts(db, kim.phone)[0]


def test_open_swap_nobody_took_is_reminded_once_before_the_shift(db, fields, clock):
    kim, lee, _ = open_request(db, fields, clock)
    day = timedelta(days=1)
    assert remind_open_swaps(db, seoul(date(2027, 3, 2), 20), SEOUL, day) == 0  # 37 h ahead
    assert remind_open_swaps(db, seoul(date(2027, 3, 3), 10), SEOUL, day) == 1
    assert remind_open_swaps(db, seoul(date(2027, 3, 3), 11), SEOUL, day) == 0
    assert "아직 아무도 맡지 않았습니다" in texts(db, lee.phone)[-1]
    assert "그대로 본인 근무" in texts(db, kim.phone)[-1]


def test_taken_swap_is_not_reminded(db, fields, clock):
    _, lee, swap = open_request(db, fields, clock)
    accept_swap(db, swap, lee, clock.now, SEOUL)
    assert remind_open_swaps(db, seoul(date(2027, 3, 3), 10), SEOUL, timedelta(days=1)) == 0


def test_counselor_offers_a_shift_to_anyone_from_the_swap_page(client, login, db, fields, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    weekly(db, kim, fields["legal"], 3, "09:00", "12:00")
    db.commit()
    login("counselor", counselor=kim)
    client.post(
        "/rosters/me/swap",
        data={
            "field_id": fields["legal"].id,
            "date": THURSDAY.isoformat(),
            "start": "09:00",
            "recipient_id": "any",
        },
    )
    swap = db.scalars(select(ShiftSwap)).one()
    assert swap.recipient_id is None and swap.status == "pending"
    assert texts(db, lee.phone)


def test_open_offer_shows_on_the_colleagues_page_and_is_taken_there(
    client, login, db, fields, clock
):
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    offer = next_thursday_offer(db, fields, clock)
    db.commit()
    login("counselor", counselor=lee)
    assert "맡을 사람을 찾는 근무" in client.get("/rosters/me").get_data(as_text=True)
    client.post(f"/rosters/swaps/{offer.id}/accept")
    db.expire_all()
    assert db.get(ShiftSwap, offer.id).recipient_id == lee.id
    assert db.scalars(select(OneOffShift)).one().counselor_id == lee.id


def test_report_page_lists_gaps_with_substitutes_and_an_offer_button(
    client, login, db, fields, clock
):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    counselor(db, "이변호", "+821011110002", fields["legal"])
    weekly(db, kim, fields["legal"], 3, "09:00", "12:00")
    mark_unavailable(db, kim, seoul(THURSDAY, 0), seoul(THURSDAY + timedelta(days=1), 0))
    db.commit()
    login("coordinator")
    html = client.get("/rosters/report").get_data(as_text=True)
    assert "2027-03-04" in html and "이변호" in html and "문자로 제안" in html
    assert "9.1%" in html
