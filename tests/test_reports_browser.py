"""In headless Chromium: the public page on a phone, a ticket booked and cancelled, the
wallboard updating while a call waits, and a report with its charts drawn."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter.reporting.status import clear_cache
from ivr.walker import CallWalker, HttpTransport, outbox_redirects
from tests.browser_support import needs_chromium, screenshot, sign_in
from tests.ivr_support import play
from tests.report_data import build_year

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = needs_chromium


@pytest.fixture
def live_server(live_server, settings):  # type: ignore[no-untyped-def]
    """The served app with live figures: no status cache, refreshing every second."""
    settings(STATUS_CACHE_SECONDS=0, STATUS_REFRESH_SECONDS=1, WALLBOARD_REFRESH_SECONDS=1)
    clear_cache()
    return live_server


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="ko-KR",
    )  # fmt: skip
    yield context.new_page()
    context.close()


def sign_in_coordinator(page, base, make_user):  # type: ignore[no-untyped-def]
    sign_in(page, base, make_user("coordinator").email)


def test_public_status_page_reads_well_on_a_phone(phone, live_server, clock, on_shift):
    on_shift("legal")
    phone.goto(f"{live_server}/status")
    expect = sync_api.expect
    expect(phone.locator("h1")).to_have_text("실시간 상담 현황")
    expect(phone.locator('.field-card[data-field="legal"] .state')).to_have_text("지금 상담 중")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page scrolls sideways on a phone"
    font = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font >= 16
    screenshot(phone, "status-phone")
    phone.click("text=English")
    expect(phone.locator("h1")).to_have_text("Live status")


def test_public_status_refreshes_itself(phone, live_server, clock, on_shift, db):
    phone.goto(f"{live_server}/status")
    card = phone.locator('.field-card[data-field="legal"] .state')
    sync_api.expect(card).to_have_text("지금은 상담 시간이 아닙니다")
    on_shift("legal")
    sync_api.expect(card).to_have_text("지금 상담 중", timeout=10_000)


def test_citizen_books_and_cancels_a_callback_ticket(phone, live_server, clock, on_shift):
    on_shift("legal")
    phone.goto(f"{live_server}/callback")
    phone.select_option("#field", "legal")
    phone.fill("#phone", "010-2345-6789")
    phone.click("label[for=consent]")
    phone.click("button[type=submit]")
    ticket = phone.locator("#ticket-number").inner_text()
    assert ticket.startswith("W") and len(ticket) == 8
    screenshot(phone, "ticket-booked")
    phone.click("main a[href*='ticket=']")
    sync_api.expect(phone.locator("#ticket")).to_have_value(ticket)
    phone.fill("#phone", "01023456789")
    phone.click("button[type=submit]")
    sync_api.expect(phone.locator(".done")).to_contain_text(f"{ticket} 요청을 취소했습니다")


def test_booking_form_explains_a_refusal(phone, live_server, clock, on_shift):
    on_shift("legal")
    phone.goto(f"{live_server}/callback")
    phone.select_option("#field", "legal")
    phone.fill("#phone", "010-2345-6789")
    phone.click("button[type=submit]")
    sync_api.expect(phone.locator(".error-summary")).to_contain_text("동의해야")
    sync_api.expect(phone.locator("#phone")).to_have_value("010-2345-6789")


def test_wallboard_updates_while_a_call_waits_in_the_queue(
    page, live_server, clock, on_shift, make_user, app
):
    on_shift("legal", busy_since=clock.now - timedelta(minutes=2))
    sign_in_coordinator(page, live_server, make_user)
    page.goto(f"{live_server}/reports/wallboard")
    waiting = page.locator("#wb-waiting")
    sync_api.expect(waiting).to_have_text("0")
    walker = CallWalker(
        HttpTransport(live_server),
        app.config["TWILIO_AUTH_TOKEN"],
        line_number=app.config["TWILIO_PHONE_NUMBER"],
        redirects=outbox_redirects(app),
    )
    seen = []

    def while_waiting(_walker, poll):
        if poll == 0:
            sync_api.expect(waiting).to_have_text("1", timeout=10_000)
            row = page.locator('tr[data-field="legal"] .waiting')
            seen.append(row.inner_text())
            screenshot(page, "wallboard-waiting")

    play(walker, "1", queue_polls=2, on_queue_poll=while_waiting)
    assert seen == ["1"]
    sync_api.expect(waiting).to_have_text("0", timeout=10_000)
    sync_api.expect(page.locator("#wb-abandoned")).to_have_text("1", timeout=10_000)


def test_yearly_report_draws_its_charts(page, live_server, db, fields, make_user):
    build_year(db, fields)
    sign_in_coordinator(page, live_server, make_user)
    page.goto(f"{live_server}/reports/2027")
    for chart in ("chart-periods", "chart-calls", "chart-fields", "chart-heatmap"):
        sync_api.expect(page.locator(f"#{chart}")).to_have_attribute("data-drawn", "true")
    drawn = page.evaluate(
        "document.getElementById('chart-periods').chart.data.datasets"
        ".map(d => d.data.reduce((a, b) => a + b, 0))"
    )
    assert drawn == [3, 1, 1, 0, 0]  # phone, visit, callback, booked visits and calls
    screenshot(page, "report-2027")


def test_the_heat_map_axes_read_whole_hours_and_weekdays(page, live_server, db, fields, make_user):
    build_year(db, fields)
    sign_in_coordinator(page, live_server, make_user)
    page.goto(f"{live_server}/reports/2027")
    sync_api.expect(page.locator("#chart-heatmap")).to_have_attribute("data-drawn", "true")
    scales = page.evaluate(
        "(() => { const s = document.getElementById('chart-heatmap').chart.scales;"
        " return [s.x.ticks.map(t => t.label), s.y.ticks.map(t => t.label)]; })()"
    )
    hours, weekdays = scales
    assert hours[0] == "00:00" and "-0.5:00" not in hours and all(":00" in h for h in hours)
    assert weekdays == ["월", "화", "수", "목", "금", "토", "일"]
