"""In a real browser: a counselor's absence shows up as a gap, and a coordinator fills it."""

from __future__ import annotations

from datetime import timedelta

from tests.browser_support import needs_chromium, sign_in
from tests.roster_helpers import counselor, weekly

pytestmark = needs_chromium


def signed_in_page(browser, base: str, email: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(locale="ko-KR").new_page()
    sign_in(page, base, email)
    return page


def test_coordinator_sees_a_gap_appear_and_fills_it(
    live_server, browser, db, fields, make_user, clock
):
    day = clock.today() + timedelta(days=2)
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    counselor(db, "이변호", "+821011110002", fields["legal"])
    weekly(db, kim, fields["legal"], day.weekday(), "09:00", "12:00")
    db.commit()
    coordinator = make_user("coordinator")
    kim_account = make_user("counselor", counselor=kim)
    calendar_url = f"{live_server}/rosters/calendar?date={day}&field=legal"

    desk = signed_in_page(browser, live_server, coordinator.email)
    desk.goto(calendar_url)
    assert desk.locator("li.gap").count() == 0
    assert "공백이 없습니다" in desk.inner_text("#gap-summary")

    volunteer = signed_in_page(browser, live_server, kim_account.email)
    volunteer.goto(f"{live_server}/rosters/me")
    volunteer.fill("#unavailable-form input[name=start_date]", day.isoformat())
    volunteer.fill("#unavailable-form input[name=end_date]", day.isoformat())
    volunteer.click("#unavailable-form button[type=submit]")
    volunteer.wait_for_selector("tr.away")

    desk.goto(calendar_url)
    gap = desk.locator(f"li.gap[data-day='{day}']")
    assert gap.count() == 1
    assert "09:00–12:00" in gap.inner_text()

    gap.get_by_role("link", name="채우기").click()
    desk.wait_for_selector("#counselor_id")
    assert desk.input_value("#date") == day.isoformat()
    assert desk.input_value("#start") == "09:00"
    desk.select_option("#counselor_id", label="이변호 (법률)")
    desk.click("form.form button[type=submit]")
    desk.wait_for_url("**/rosters/calendar?date=*")
    desk.goto(calendar_url)
    assert desk.locator("li.gap").count() == 0
    row = desk.inner_text(f"#day-{day}")
    assert "09:00–12:00 이변호" in row
    assert "부재" in row  # Kim's shift is still there, marked as away
