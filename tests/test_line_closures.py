"""Caller stories: a coordinator closes a field or the whole line now, until a time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from callcenter.models import CallbackRequest, Field
from callcenter.reporting.live import wallboard
from callcenter.reporting.status import clear_cache
from schedules import line_closures
from schedules.oncall import next_session_start, on_call
from tests.ivr_support import SEOUL, TUESDAY_AFTERNOON, play

UNTIL = datetime(2027, 3, 2, 15, 30, tzinfo=SEOUL)  # the same Tuesday afternoon


def field_id(db, code: str) -> int:
    """Return a field's id by its code."""
    return db.scalar(select(Field.id).where(Field.code == code))


@pytest.fixture
def close(db):
    """Return a closer of a field (or, with None, the whole line) from the frozen now."""

    def make(code: str | None, until=UNTIL, reason="emergency", note=None, now=TUESDAY_AFTERNOON):
        closure = line_closures.close(
            db, field_id(db, code) if code else None, until, reason, note, None, now
        )
        db.commit()
        return closure

    return make


def dialed(transcript) -> list[str]:
    """Return every number the line dialed in the call."""
    return [n.text for d in transcript.documents() for n in d.iter("Number")]


def test_caller_to_a_closed_field_hears_the_reason_and_when_it_reopens(
    db, walker, on_shift, clock, close
):
    on_shift("legal")
    close("legal")
    transcript = play(walker, "1")
    assert "법률 상담은 긴급 상황 때문에 잠시 쉬며, 오늘 오후 3시 30분에 다시 엽니다." in (
        transcript.heard
    )
    assert "다음 상담은 오늘 오후 3시 30분에 시작합니다." in transcript.heard
    assert "콜백을 원하시면 1번, 음성 메시지를 남기시려면 2번" in transcript.heard
    assert dialed(transcript) == []


def test_closed_field_neither_rings_nor_queues(db, walker, on_shift, clock, close):
    on_shift("legal")
    close("legal")
    transcript = play(walker, "1")
    assert "연결해 드리겠습니다" not in transcript.heard
    assert "모든 법률 상담위원이 통화 중입니다" not in transcript.heard
    assert not transcript.documents("/ivr/queue")


def test_caller_hears_the_coordinators_note_after_the_reason(db, walker, on_shift, clock, close):
    on_shift("legal")
    close("legal", reason="event", note="시청 강당 행사로 상담위원이 자리를 비웠습니다.")
    heard = play(walker, "1").heard
    assert "법률 상담은 기관 행사 때문에" in heard
    assert "안내 말씀 드립니다. 시청 강당 행사로 상담위원이 자리를 비웠습니다." in heard


def test_english_caller_hears_the_closure_in_english(db, walker, on_shift, clock, close):
    on_shift("legal")
    close("legal")
    heard = play(walker, "9", "1").heard
    assert (
        "Legal advice is closed for now. Reason: Emergency. It opens again today at 3:30 PM."
        in (heard)
    )


def test_closing_the_whole_line_closes_every_field(db, walker, on_shift, clock, close):
    on_shift("legal")
    on_shift("tax")
    close(None, reason="maintenance")
    for key in ("1", "3"):
        transcript = play(walker, key)
        assert "상담 전화는 시스템 점검 때문에 잠시 쉬며, 오늘 오후 3시 30분에 다시 엽니다." in (
            transcript.heard
        )
        assert dialed(transcript) == []


def test_closing_one_field_leaves_the_others_ringing(db, walker, on_shift, clock, close):
    on_shift("legal")
    tax = on_shift("tax")
    close("legal")
    assert dialed(play(walker, "3")) == [tax.phone]


def test_caller_of_a_closed_field_can_ask_for_a_callback(db, walker, on_shift, clock, close):
    on_shift("legal")
    close("legal")
    transcript = play(walker, "1", "1", "1")
    request = db.scalar(select(CallbackRequest))
    assert request is not None and request.field.code == "legal"
    assert "문자로 보내 드렸습니다" in transcript.heard


def test_field_reopened_early_rings_again(db, walker, on_shift, clock, close):
    counselor = on_shift("legal")
    closure = close("legal")
    clock.now = TUESDAY_AFTERNOON + timedelta(minutes=10)
    assert line_closures.reopen(db, closure, None, clock.now)
    db.commit()
    transcript = play(walker, "1")
    assert dialed(transcript) == [counselor.phone]
    assert "긴급 상황" not in transcript.heard


def test_closure_ends_by_itself_at_its_time(db, walker, on_shift, clock, close):
    counselor = on_shift("legal")
    close("legal")
    clock.now = UNTIL - timedelta(seconds=1)
    assert dialed(play(walker, "1")) == []
    clock.now = UNTIL
    assert dialed(play(walker, "1")) == [counselor.phone]


def test_nobody_is_on_call_while_the_field_is_closed(db, on_shift, clock, close):
    on_shift("legal")
    close("legal")
    legal = field_id(db, "legal")
    assert on_call(db, legal, TUESDAY_AFTERNOON, SEOUL) == []
    assert len(on_call(db, legal, UNTIL, SEOUL)) == 1


def test_next_session_starts_when_the_closure_ends(db, on_shift, clock, close):
    on_shift("legal")
    close("legal")
    assert next_session_start(db, field_id(db, "legal"), TUESDAY_AFTERNOON, SEOUL) == UNTIL


def test_closure_past_the_days_shifts_moves_the_next_session_to_the_next_shift(
    db, on_shift, clock, close
):
    on_shift("legal")
    close("legal", until=datetime(2027, 3, 2, 18, 0, tzinfo=SEOUL))
    starts = next_session_start(db, field_id(db, "legal"), TUESDAY_AFTERNOON, SEOUL)
    assert starts == datetime(2027, 3, 9, 14, 0, tzinfo=SEOUL)


def test_wallboard_shows_nobody_on_call_in_a_closed_field(db, on_shift, clock, close):
    on_shift("legal")
    close("legal")
    board = wallboard(db, TUESDAY_AFTERNOON, SEOUL)
    legal = next(row for row in board.fields if row.field.code == "legal")
    assert legal.counselors == []


@pytest.fixture
def fresh_status(settings):
    """Build the public status on every request."""
    settings(STATUS_CACHE_SECONDS=0)
    clear_cache()
    yield
    clear_cache()


def test_status_page_shows_the_closure_reason(client, on_shift, clock, close, fresh_status):
    on_shift("legal")
    close("legal", note="정전")
    page = client.get("/status").get_data(as_text=True)
    assert "임시 휴무: 긴급 상황 (정전)" in page
    assert "다시 여는 시각" in page and "15:30" in page


def test_status_json_gives_the_closure_reason_in_both_languages(
    client, on_shift, clock, close, fresh_status
):
    on_shift("legal")
    close("legal")
    body = client.get("/status.json").get_json()
    legal = next(f for f in body["fields"] if f["code"] == "legal")
    assert legal["open_now"] is False
    assert legal["closed_reason"] == {
        "kind": "closed_now",
        "text": {"ko": "임시 휴무: 긴급 상황", "en": "Closed for now: Emergency"},
        "until": "2027-03-02T15:30+09:00",
    }
    assert legal["next_session_start"] == "2027-03-02T15:30+09:00"


def test_status_page_names_the_holiday(client, on_shift, clock, fresh_status):
    on_shift("legal")
    clock.now = datetime(2027, 9, 15, 14, 30, tzinfo=SEOUL)
    page = client.get("/status").get_data(as_text=True)
    assert "휴무일: 추석 연휴" in page


def test_caller_waiting_when_the_field_closes_hears_why_and_is_offered_a_callback(
    db, walker, on_shift, clock, close
):
    counselor = on_shift("legal")
    counselor.busy_since, counselor.busy_call_sid = clock.now - timedelta(minutes=5), "CAbusy"
    db.commit()

    def coordinator_closes(walker, poll):
        if poll == 1:
            close("legal")

    transcript = play(walker, "1", "1", "1", queue_polls=4, on_queue_poll=coordinator_closes)
    assert "모든 법률 상담위원이 통화 중입니다" in transcript.heard
    assert "법률 상담은 긴급 상황 때문에 잠시 쉬며" in transcript.heard
    assert db.scalar(select(CallbackRequest)) is not None
