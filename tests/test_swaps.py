"""Shift swaps between counselors of the same field."""

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from callcenter.models import OutboxMessage, ShiftSwap, SwapStatus
from schedules.occurrences import find_occurrence, occurrences
from schedules.shifts import RosterError
from schedules.swaps import accept_swap, cancel_swap, decline_swap, notify_swap, request_swap
from tests.roster_helpers import MONDAY, SEOUL, TUESDAY, counselor, seoul, weekly

BEFORE = MONDAY - timedelta(days=3)  # "now": the Friday before
NOW = seoul(BEFORE, 10)


@pytest.fixture
def pair(db, fields):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    weekly(db, lee, fields["legal"], 1, "09:00", "12:00")
    return kim, lee


def mine(db, who, day):
    return find_occurrence(db, who.id, who.fields[0].id, day, time(9), SEOUL)


def names_on(db, day):
    return [o.counselor.name for o in occurrences(db, day, day, SEOUL)]


def test_accepted_hand_over_moves_only_that_occurrence(db, pair):
    kim, lee = pair
    swap = request_swap(db, kim, lee, mine(db, kim, MONDAY), NOW, SEOUL)
    accept_swap(db, swap, lee, NOW, SEOUL)
    assert swap.status == SwapStatus.ACCEPTED
    assert names_on(db, MONDAY) == ["이변호"]
    assert names_on(db, MONDAY + timedelta(days=7)) == ["김변호"]


def test_accepted_swap_exchanges_both_occurrences(db, pair):
    kim, lee = pair
    swap = request_swap(
        db, kim, lee, mine(db, kim, MONDAY), NOW, SEOUL, wanted=mine(db, lee, TUESDAY)
    )
    accept_swap(db, swap, lee, NOW, SEOUL)
    assert names_on(db, MONDAY) == ["이변호"]
    assert names_on(db, TUESDAY) == ["김변호"]


def test_declined_swap_changes_nothing(db, pair):
    kim, lee = pair
    swap = request_swap(db, kim, lee, mine(db, kim, MONDAY), NOW, SEOUL)
    decline_swap(db, swap, lee, NOW)
    assert swap.status == SwapStatus.DECLINED
    assert names_on(db, MONDAY) == ["김변호"]


def test_only_the_recipient_may_accept(db, pair):
    kim, lee = pair
    swap = request_swap(db, kim, lee, mine(db, kim, MONDAY), NOW, SEOUL)
    with pytest.raises(RosterError):
        accept_swap(db, swap, kim, NOW, SEOUL)


def test_only_the_requester_may_cancel(db, pair):
    kim, lee = pair
    swap = request_swap(db, kim, lee, mine(db, kim, MONDAY), NOW, SEOUL)
    with pytest.raises(RosterError):
        cancel_swap(db, swap, lee, NOW)
    cancel_swap(db, swap, kim, NOW)
    assert swap.status == SwapStatus.CANCELLED


def test_a_decided_swap_cannot_be_accepted_again(db, pair):
    kim, lee = pair
    swap = request_swap(db, kim, lee, mine(db, kim, MONDAY), NOW, SEOUL)
    decline_swap(db, swap, lee, NOW)
    with pytest.raises(RosterError, match="이미 처리"):
        accept_swap(db, swap, lee, NOW, SEOUL)


def test_swap_only_with_a_counselor_of_the_same_field(db, fields, pair):
    kim, _ = pair
    park = counselor(db, "박세무", "+821011110003", fields["tax"])
    with pytest.raises(RosterError, match="같은 분야"):
        request_swap(db, kim, park, mine(db, kim, MONDAY), NOW, SEOUL)


def test_a_shift_that_has_started_cannot_be_swapped(db, pair):
    kim, lee = pair
    started = seoul(MONDAY, 10)
    with pytest.raises(RosterError, match="시작한"):
        request_swap(db, kim, lee, mine(db, kim, MONDAY), started, SEOUL)


def test_one_pending_request_per_occurrence(db, pair):
    kim, lee = pair
    request_swap(db, kim, lee, mine(db, kim, MONDAY), NOW, SEOUL)
    with pytest.raises(RosterError, match="대기 중"):
        request_swap(db, kim, lee, mine(db, kim, MONDAY), NOW, SEOUL)


def test_accepting_fails_cleanly_when_the_recipient_is_busy_then(db, fields, pair):
    kim, lee = pair
    weekly(db, lee, fields["legal"], 0, "10:00", "13:00", valid_from=MONDAY, valid_until=MONDAY)
    swap = request_swap(db, kim, lee, mine(db, kim, MONDAY), NOW, SEOUL)
    with pytest.raises(RosterError, match="이미 근무"):
        accept_swap(db, swap, lee, NOW, SEOUL)
    assert db.get(ShiftSwap, swap.id).status == SwapStatus.PENDING


def test_the_colleague_is_texted_about_a_request_and_the_requester_about_the_answer(db, pair):
    kim, lee = pair
    swap = request_swap(db, kim, lee, mine(db, kim, MONDAY), NOW, SEOUL)
    notify_swap(db, swap)
    decline_swap(db, swap, lee, NOW)
    notify_swap(db, swap)
    sent = [(m.to, m.body) for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert sent[0][0] == lee.phone and "교대를 요청" in sent[0][1]
    assert sent[1][0] == kim.phone and "거절" in sent[1][1]
