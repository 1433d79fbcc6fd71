"""The answer rate, abandoned rate and service level: one definition for reports and wallboard."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter.reporting import Period, build_report
from callcenter.reporting.live import today_counts
from callcenter.reporting.rates import abandoned_rate, answer_rate, service_level
from tests import backoffice_data as data
from tests.report_data import SEOUL, kst

MORNING = kst(2027, 3, 2, 10)  # a Tuesday
EVENING = kst(2027, 3, 2, 18)


def add_call(db, fields, outcome, waited=None, minute=0):  # type: ignore[no-untyped-def]
    """Add a call of 2 March 2027 whose caller waited `waited` seconds for an answer."""
    start = MORNING + timedelta(minutes=minute)
    data.call(
        db,
        fields["legal"],
        f"+8210555{minute:05d}",
        call_sid=f"CA-rate-{minute}",
        started_at=start,
        status="completed",
        outcome=outcome,
        queue_entered_at=start,
        answered_at=start + timedelta(seconds=waited) if waited is not None else None,
    )


@pytest.fixture
def day_of_calls(db, fields):
    """Ten calls: 6 answered (4 within 20 s), 3 abandoned, 1 voice message; 1 blocked."""
    for minute, wait in enumerate([5, 10, 20, 19, 21, 60]):
        add_call(db, fields, "connected", wait, minute)
    for minute, outcome in enumerate(["abandoned_menu", "abandoned_queue", "abandoned_ringing"]):
        add_call(db, fields, outcome, minute=10 + minute)
    add_call(db, fields, "voice_message", minute=20)
    add_call(db, fields, "blocked", minute=30)
    db.commit()


@pytest.fixture
def march(db, day_of_calls):  # type: ignore[no-untyped-def]
    return build_report(db, Period.month(2027, 3), SEOUL).calls_total


def test_the_answer_rate_is_answered_over_offered(march):
    assert march.answer_rate == pytest.approx(60.0)  # 6 of 10 offered


def test_the_abandoned_rate_counts_hang_ups_in_the_menu_the_queue_and_while_ringing(march):
    assert march.abandoned_rate == pytest.approx(30.0)  # 3 of 10


def test_the_service_level_is_answers_within_twenty_seconds_over_offered(march):
    assert march.service_level == pytest.approx(40.0)  # 5, 10, 20, 19 s of 10 offered


def test_a_blocked_number_is_not_offered(march):
    assert march.offered == 10


def test_the_wallboard_shows_the_rates_of_the_report(db, day_of_calls, march):
    today = today_counts(db, EVENING, SEOUL)
    assert (today.answer_rate, today.abandoned_rate, today.service_level) == pytest.approx(
        (march.answer_rate, march.abandoned_rate, march.service_level)
    )


def test_a_day_without_calls_has_no_rate():
    assert (answer_rate(0, 0), abandoned_rate(0, 0), service_level(0, 0)) == (None, None, None)


def test_the_report_table_says_how_the_rates_are_counted(client, login, db, day_of_calls):
    login("coordinator")
    page = client.get("/reports/2027/3").get_data(as_text=True)
    assert "서비스 수준(%)" in page and "20초 안에 응답한 전화" in page


def test_the_wallboard_shows_todays_service_level(client, login, db, day_of_calls, clock):
    clock.now = EVENING
    login("coordinator")
    page = client.get("/reports/wallboard").get_data(as_text=True)
    assert '<dd id="wb-service-level">40.0%</dd>' in page
