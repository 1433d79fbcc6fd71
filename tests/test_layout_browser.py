"""The pages as people use them in Chromium: by keyboard alone, confirmations, copy, full screen."""

from __future__ import annotations

from sqlalchemy import select

from callcenter.models import CalendarFeed, Consultation, Counselor, OneOffShift
from tests import backoffice_data as data
from tests import roster_helpers as roster
from tests.browser_support import needs_chromium, screenshot
from tests.conftest import DEFAULT_PASSWORD

pytestmark = needs_chromium

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def tab_to(page, selector: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element matches the selector (at most `limit` times)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_counselor_signs_in_and_logs_a_consultation_by_keyboard_alone(
    live_server, browser, make_user, db, fields
):
    kim = data.counselor(db, "김변호", "+821011112222", fields["labor"])
    draft = data.consultation(db, fields["labor"], kim)
    user = make_user("counselor", counselor=kim)
    db.commit()
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server}/auth/login")
    tab_to(page, "#email")
    page.keyboard.type(user.email)
    tab_to(page, "#password")
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/")
    assert "내 할 일" in page.content()
    tab_to(page, f"a[href='/consultations/{draft.id}/edit']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/consultations/{draft.id}/edit")
    tab_to(page, "input[name=outcome]")
    page.keyboard.press("Space")
    tab_to(page, "#summary")
    page.keyboard.type("체불 임금 진정 절차 안내.")
    tab_to(page, "#duration_minutes")
    page.keyboard.type("6")
    tab_to(page, "form.consultation-form button[type=submit]")
    screenshot(page, "keyboard-consultation-phone")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/consultations/{draft.id}")
    db.expire_all()
    saved = db.get(Consultation, draft.id)
    assert (saved.status, saved.summary) == ("completed", "체불 임금 진정 절차 안내.")


def test_keyboard_user_can_skip_to_the_content_and_open_the_menu(live_server, browser, make_user):
    user = make_user("coordinator")
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", user.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_server}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    tab_to(page, ".gnb-main-trigger")
    page.keyboard.press("Enter")
    page.wait_for_selector(".gnb-toggle-wrap.is-open a", state="visible")
    tab_to(page, ".gnb-toggle-wrap.is-open a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/consultations")


def test_phone_menu_opens_with_the_roles_groups(live_server, browser, make_user):
    user = make_user("coordinator")
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", user.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_server}/")
    assert not page.is_visible("nav.krds-main-menu .gnb-menu")
    page.click("button.btn-navi.all")
    page.wait_for_selector("#mobile-nav.is-open")
    assert page.is_visible("#mobile-nav a[href='/rosters/calendar']")
    screenshot(page, "menu-phone")
    page.click("#close-nav")
    page.wait_for_selector("#mobile-nav", state="hidden")


def test_deactivating_a_counselor_asks_first(live_server, browser, make_user, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    user = make_user("coordinator")
    db.commit()
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", user.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/rosters/counselors")
    page.click("button.open-modal:text('비활성화')")
    dialog = page.wait_for_selector(".krds-modal.in", state="visible")
    assert "김변호 님을 비활성화할까요?" in dialog.inner_text()
    screenshot(page, "confirm-deactivate")
    dialog.query_selector("button.close-modal.tertiary").click()
    page.wait_for_selector(".krds-modal.shown", state="detached")
    db.expire_all()
    assert db.get(Counselor, kim.id).active
    page.click("button.open-modal:text('비활성화')")
    page.wait_for_selector(".krds-modal.in button[type=submit]", state="visible").click()
    page.wait_for_url(f"{live_server}/rosters/counselors")
    db.expire_all()
    assert not db.get(Counselor, kim.id).active


def test_deleting_a_one_off_shift_asks_first(live_server, browser, make_user, db, fields, clock):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    shift_id = roster.one_off(db, kim, fields["legal"], clock.now.date(), "15:00", "16:00").id
    user = make_user("coordinator")
    db.commit()
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", user.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/rosters/shifts")
    page.click("button.open-modal:text('지우기')")
    page.wait_for_selector(".krds-modal.in button[type=submit]", state="visible").click()
    page.wait_for_url(f"{live_server}/rosters/calendar*")
    db.expire_all()
    assert db.scalar(select(OneOffShift).where(OneOffShift.id == shift_id)) is None


def test_copy_button_copies_the_calendar_feed_address(live_server, browser, make_user, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    user = make_user("counselor", counselor=kim)
    db.commit()
    context = browser.new_context(
        viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", user.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/rosters/me")
    page.click("form[action='/rosters/me/feed'] button[type=submit]")
    page.wait_for_selector("#feed-url")
    page.click("button[data-copy-target=feed-url]")
    page.wait_for_selector("#feed-url-status:has-text('복사했습니다')")
    address = page.input_value("#feed-url")
    assert page.evaluate("navigator.clipboard.readText()") == address
    assert address.endswith(".ics")
    assert blocked == []
    assert db.scalar(select(CalendarFeed.id)) is not None
    context.close()


def test_wallboard_goes_full_screen_for_a_tv(live_server, browser, make_user):
    user = make_user("coordinator")
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", user.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/reports/wallboard")
    page.click("button[data-fullscreen-target=wallboard-page]")
    page.wait_for_function("document.fullscreenElement?.id === 'wallboard-page'")
    assert page.is_visible("button[data-fullscreen-target] .leave")
    screenshot(page, "wallboard-full-screen")
