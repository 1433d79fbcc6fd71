"""English, once chosen, stays chosen; error pages lead each visitor back where they belong."""

from __future__ import annotations

import pytest
from flask import g


@pytest.fixture
def client(client):
    """A client whose every request picks its language anew.

    The tests' open app context would otherwise keep the first request's language in `g`;
    a real server starts each request with an empty `g`.
    """
    original = client.open

    def open_fresh(*args, **kwargs):  # type: ignore[no-untyped-def]
        g.pop("_flask_babel", None)
        return original(*args, **kwargs)

    client.open = open_fresh
    return client


def test_english_chosen_on_the_status_page_stays_on_the_booking_page(client):
    client.get("/status?lang=en")
    page = client.get("/callback").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_english_chosen_in_the_back_office_stays_on_the_next_page(client, login):
    login("coordinator")
    client.get("/?lang=en")
    page = client.get("/consultations").get_data(as_text=True)
    assert '<html lang="en">' in page and "Consultations" in page


def test_korean_chosen_again_stays_chosen(client):
    client.get("/status?lang=en")
    client.get("/status?lang=ko")
    assert '<html lang="ko">' in client.get("/callback").get_data(as_text=True)


def test_the_choice_made_before_signing_in_stays_after(client, login):
    client.get("/auth/login?lang=en")
    login("coordinator")
    assert '<html lang="en">' in client.get("/rosters/calendar").get_data(as_text=True)


def test_a_page_without_a_choice_sets_no_language_cookie(client):
    response = client.get("/status")
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_the_page_that_records_a_choice_is_not_shared_by_caches(client):
    response = client.get("/status?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_a_not_found_page_after_choosing_english_is_english(client):
    client.get("/status?lang=en")
    page = client.get("/status/nothing-here").get_data(as_text=True)
    assert "Page not found" in page


@pytest.fixture
def broken_status_page(monkeypatch):
    """Make the public status page fail as a bug would."""
    import callcenter.public.status_views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(callcenter.public.status_views, "cached_snapshot", broken)


def test_a_server_error_on_a_public_page_leads_citizens_to_the_status_page(
    client, broken_status_page
):
    response = client.get("/status")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert 'href="/status">실시간 상담 현황으로</a>' in page and "/auth/login" not in page


def test_a_server_error_on_a_public_page_speaks_english_when_chosen(client, broken_status_page):
    page = client.get("/status?lang=en").get_data(as_text=True)
    assert "Something went wrong" in page and "/auth/login" not in page


def test_a_staff_page_not_found_before_signing_in_leads_to_sign_in(client):
    page = client.get("/consultations/999").get_data(as_text=True)
    assert "/auth/login" in page


def test_the_privacy_notice_gives_the_retention_in_years(client):
    page = client.get("/callback").get_data(as_text=True)
    assert "상담을 마친 뒤 3년이 지나면" in page and "1095일" not in page


def test_the_privacy_notice_gives_the_retention_in_years_in_english(client):
    page = client.get("/callback?lang=en").get_data(as_text=True)
    assert "pseudonymised 3 years after" in page
