"""The public status page and its JSON endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter.models import Call
from callcenter.reporting.status import clear_cache, estimate_wait_seconds


@pytest.fixture(autouse=True)
def fresh_status(app, settings):
    """Build the status on every request, so each test sees its own data."""
    settings(STATUS_CACHE_SECONDS=0)
    clear_cache()
    yield
    clear_cache()


def waiting_call(db, field, since, sid="CAwait"):
    """Put a caller in a field's queue since an instant."""
    db.add(
        Call(call_sid=sid, field_id=field.id, started_at=since, queue_entered_at=since, steps=[])
    )
    db.commit()


def field_json(client, code):
    body = client.get("/status.json").get_json()
    return next(f for f in body["fields"] if f["code"] == code)


def test_status_page_needs_no_sign_in(client, clock, on_shift):
    on_shift("legal")
    response = client.get("/status")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "실시간 상담 현황" in page and "지금 상담 중" in page


def test_open_field_counts_counselors_without_naming_them(client, clock, on_shift):
    on_shift("legal", name="홍길동")
    on_shift("legal", name="김철수")
    legal = field_json(client, "legal")
    assert legal["open_now"] is True and legal["counselors_on_duty"] == 2
    body = client.get("/status.json").get_data(as_text=True)
    page = client.get("/status").get_data(as_text=True)
    for text in (body, page):
        assert "홍길동" not in text and "+8210900" not in text


def test_closed_field_says_when_the_next_session_starts(client, clock, on_shift):
    on_shift("tax", weekday=2, start=__import__("datetime").time(10, 0))
    tax = field_json(client, "tax")
    assert tax["open_now"] is False and tax["counselors_on_duty"] == 0
    assert tax["next_session_start"] == "2027-03-03T10:00+09:00"
    assert tax["estimated_wait_minutes"] is None
    assert "03/03 (수) 10:00" in client.get("/status").get_data(as_text=True)


def test_waiting_callers_are_counted_with_an_estimated_wait(client, clock, on_shift, db, fields):
    counselor = on_shift("legal")
    counselor.busy_since = clock.now - timedelta(minutes=3)
    db.commit()
    waiting_call(db, fields["legal"], clock.now - timedelta(seconds=90))
    legal = field_json(client, "legal")
    assert legal["callers_waiting"] == 1
    # Two callers ahead of a new one (the waiting one and itself), one busy counselor,
    # eight minutes a call when no history exists.
    assert legal["estimated_wait_minutes"] == 16


def test_free_counselor_means_no_wait(client, clock, on_shift):
    on_shift("legal")
    assert field_json(client, "legal")["estimated_wait_minutes"] == 0
    assert "바로 연결" in client.get("/status").get_data(as_text=True)


def test_estimate_uses_the_fields_recent_average_talk_time(client, clock, on_shift, db, fields):
    counselor = on_shift("legal")
    counselor.busy_since = clock.now
    db.add(
        Call(
            call_sid="CAdone",
            field_id=fields["legal"].id,
            started_at=clock.now - timedelta(days=1),
            outcome="connected",
            duration_seconds=300,
            steps=[],
        )
    )
    db.commit()
    assert field_json(client, "legal")["estimated_wait_minutes"] == 5


def test_estimate_wait_seconds_shares_the_queue_among_counselors():
    assert estimate_wait_seconds(waiting=0, free=1, on_duty=1, handle_seconds=600) == 0
    assert estimate_wait_seconds(waiting=1, free=1, on_duty=1, handle_seconds=600) == 600
    assert estimate_wait_seconds(waiting=3, free=0, on_duty=2, handle_seconds=600) == 1200


def test_json_gives_the_line_number_and_weekly_hours(client, clock, on_shift):
    on_shift("legal")
    body = client.get("/status.json").get_json()
    assert body["phone"].startswith("+82") and body["timezone"] == "Asia/Seoul"
    legal = next(f for f in body["fields"] if f["code"] == "legal")
    assert legal["weekly_hours"]["tue"] == [["14:00", "17:00"]]
    assert legal["weekly_hours"]["mon"] == []
    assert legal["name"] == {"ko": "법률", "en": legal["name"]["en"]}


def test_api_status_is_the_same_endpoint(client, clock):
    assert client.get("/api/status").get_json()["fields"]


def test_status_may_be_cached_briefly_by_browsers_and_proxies(client, clock, settings):
    settings(STATUS_CACHE_SECONDS=10)
    for url in ("/status", "/status.json"):
        assert client.get(url).headers["Cache-Control"] == "public, max-age=10"
    assert client.get("/status.json").headers["Access-Control-Allow-Origin"] == "*"


def test_status_is_built_once_per_cache_period(client, clock, on_shift, settings):
    settings(STATUS_CACHE_SECONDS=60)
    assert field_json(client, "legal")["open_now"] is False
    on_shift("legal")
    assert field_json(client, "legal")["open_now"] is False  # still the cached answer
    clear_cache()
    assert field_json(client, "legal")["open_now"] is True


def test_english_switch_translates_the_status_page(client, clock, on_shift):
    on_shift("legal")
    page = client.get("/status?lang=en").get_data(as_text=True)
    assert "Live status" in page and "Open now" in page and '<html lang="en">' in page


def test_status_page_has_one_main_heading_and_a_live_region_for_scripts(client, clock):
    page = client.get("/status").get_data(as_text=True)
    assert page.count("<h1>") == 1
    assert 'data-live-src="/status/live"' in page
    fragment = client.get("/status/live").get_data(as_text=True)
    assert "<html" not in fragment and "field-card" in fragment


def test_language_choice_is_never_stored_in_shared_caches(client, clock, settings):
    settings(STATUS_CACHE_SECONDS=10)
    response = client.get("/status?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    assert response.headers["Cache-Control"] == "private, no-cache"
