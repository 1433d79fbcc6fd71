"""The same callback limits on the web and the voice line, and a ceiling for the whole line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from callcenter.callback_limits import REFUSAL
from callcenter.models import CallbackRequest, OutboxMessage
from tests.ivr_support import play
from tests.test_callback_tickets import book
from tests.test_ivr_closed import SATURDAY

KEYED = "01077778888#"


@pytest.fixture
def legal_sessions(clock, on_shift):  # type: ignore[no-untyped-def]
    """A legal counselor on Tuesdays 14:00-17:00: the web form has a field to book."""
    return on_shift("legal")


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model))


def keyed_in_callback(walker, caller: str):  # type: ignore[no-untyped-def]
    """Call on a Saturday, ask for a callback and key in the same other number."""
    return play(walker, "1", "1", "2", KEYED, caller=caller)


def test_a_number_keyed_in_on_five_calls_gets_no_more_requests_than_the_open_limit(
    db, walker, on_shift, clock
):
    on_shift("legal")
    clock.now = SATURDAY
    for n in range(5):
        keyed_in_callback(walker, f"+82105555{1000 + n}")
    assert count(db, CallbackRequest) == 2
    assert count(db, OutboxMessage) == 2


def test_a_refused_voice_caller_hears_only_that_no_more_requests_are_taken(
    db, walker, on_shift, clock, settings
):
    settings(TICKET_MAX_OPEN_PER_NUMBER=1)
    on_shift("legal")
    clock.now = SATURDAY
    keyed_in_callback(walker, "+821055551000")
    heard = keyed_in_callback(walker, "+821055551001").heard
    assert "지금은 콜백 요청을 더 받을 수 없습니다." in heard
    assert "접수되었습니다" not in heard


def test_the_voice_line_counts_the_web_tickets_of_a_number(
    client, db, walker, on_shift, clock, settings
):
    settings(TICKET_MAX_OPEN_PER_NUMBER=1)
    on_shift("legal")
    assert book(client, phone="010-7777-8888").status_code == 201
    clock.now = SATURDAY
    keyed_in_callback(walker, "+821055551000")
    assert count(db, CallbackRequest) == 1


def test_the_web_form_stops_at_the_lines_hourly_ceiling(client, db, legal_sessions, settings):
    settings(CALLBACK_MAX_PER_HOUR=2)
    for n in range(2):
        assert book(client, phone=f"010-2345-{6700 + n}", address=f"192.0.2.{n}").status_code == 201
    response = book(client, phone="010-2345-6799", address="192.0.2.99")
    assert response.status_code == 429
    assert count(db, OutboxMessage) == 2


def test_the_hourly_ceiling_counts_the_voice_line_too(
    client, db, walker, on_shift, clock, settings
):
    settings(CALLBACK_MAX_PER_HOUR=1)
    on_shift("legal")
    clock.now = SATURDAY
    keyed_in_callback(walker, "+821055551000")
    assert book(client, phone="010-2345-6700").status_code == 429


def test_the_ceiling_lifts_after_an_hour(client, db, legal_sessions, settings, clock):
    settings(CALLBACK_MAX_PER_HOUR=1)
    assert book(client, phone="010-2345-6700").status_code == 201
    clock.now += timedelta(hours=1, minutes=1)
    assert book(client, phone="010-2345-6701").status_code == 201


def test_a_number_with_an_open_request_is_refused_in_the_words_of_the_ceiling(
    client, db, legal_sessions, settings
):
    settings(TICKET_MAX_OPEN_PER_NUMBER=1, CALLBACK_MAX_PER_HOUR=100)
    book(client)
    taken = book(client, address="198.51.100.7").get_data(as_text=True)
    settings(TICKET_MAX_OPEN_PER_NUMBER=100, CALLBACK_MAX_PER_HOUR=1)
    busy = book(client, phone="010-2345-0000", address="198.51.100.8").get_data(as_text=True)
    assert REFUSAL in taken and REFUSAL in busy
    assert "이 번호" not in REFUSAL and "접수번호" not in REFUSAL
