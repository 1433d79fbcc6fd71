"""The back office in headless Chromium: sign in, drafts on a phone, search, export, callbacks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from callcenter import consultations as service
from callcenter.models import CallbackRequest, Consultation, OutboxMessage
from tests import backoffice_data as data
from tests.browser_support import needs_chromium, screenshot, sign_in

PHONE = {"width": 390, "height": 844}

pytestmark = needs_chromium


def test_sign_in_shows_the_start_page(live_server, browser, make_user):
    user = make_user("coordinator")
    page = browser.new_page()
    sign_in(page, live_server, user.email)
    assert "오늘의 상담 현황" in page.content()
    screenshot(page, "start-page")


def test_counselor_completes_a_draft_on_a_phone(live_server, browser, make_user, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["labor"])
    unpaid = data.topic(db, fields["labor"], "임금")
    data.topic(db, fields["labor"], "임금 체불", parent=unpaid)
    draft = data.consultation(db, fields["labor"], kim)
    db.commit()
    user = make_user("counselor", counselor=kim)
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, live_server, user.email)
    page.click(f"a[href='/consultations/{draft.id}/edit']")
    page.select_option("#topic", label="  └ 임금 체불")
    page.click("input[name=outcome][value=referred] + label")
    page.select_option("#referred_to", "labor_office")
    page.fill("#summary", "석 달째 임금을 받지 못함. 노동청 진정 안내.")
    page.fill("#duration_minutes", "8")
    screenshot(page, "draft-form-phone")
    page.click("form.consultation-form button[type=submit]")
    page.wait_for_url(f"{live_server}/consultations/{draft.id}")
    assert "노동청 진정 안내" in page.content()
    screenshot(page, "draft-completed-phone")
    db.expire_all()
    saved = db.get(Consultation, draft.id)
    assert (saved.status, saved.referred_to) == ("completed", "labor_office")


def test_coordinator_searches_and_exports(live_server, browser, make_user, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["labor"])
    wanted = data.consultation(db, fields["labor"], kim, citizen_phone="+821012341111")
    other = data.consultation(db, fields["labor"], kim, citizen_phone="+821012342222")
    service.save(db, wanted, service.ConsultationInput(None, "advice", "퇴직금을 못 받음"), None)
    service.save(db, other, service.ConsultationInput(None, "advice", "해고 예고 수당"), None)
    db.commit()
    user = make_user("coordinator")
    page = browser.new_page(accept_downloads=True)
    sign_in(page, live_server, user.email)
    page.goto(live_server + "/consultations")
    page.fill("input[name=q]", "퇴직금")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**q=*")
    table = page.inner_text("table.consultations")
    assert "010-****-1111" in table and "2222" not in table
    screenshot(page, "search")
    page.click("a:text('CSV')")
    page.fill("input[name=reason]", "노동 분야 월간 점검")
    screenshot(page, "export-reason")
    with page.expect_download() as download:
        page.click("form.form button[type=submit]")
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig").count("\n") == 2  # header and the one match


def test_counselor_claims_a_callback_and_the_line_rings_them(
    live_server, browser, make_user, db, fields
):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    request = data.callback(db, fields["legal"])
    db.commit()
    user = make_user("counselor", counselor=kim)
    page = browser.new_page(viewport=PHONE, is_mobile=True)
    sign_in(page, live_server, user.email)
    page.goto(live_server + "/callbacks")
    page.click(f"#callback-{request.id} button:text('맡기')")
    page.click(f"#callback-{request.id} button:text('전화 걸기')")
    assert "1번을 누르면 시민에게 연결됩니다" in page.content()
    screenshot(page, "callback-claimed")
    db.expire_all()
    assert db.get(CallbackRequest, request.id).claimed_by_id == kim.id
    assert db.scalars(select(OutboxMessage.to)).one() == "+821011112222"


def test_browser_phone_plays_the_menu_and_a_key(live_server, browser, make_user, db):
    user = make_user("coordinator")
    page = browser.new_page()
    sign_in(page, live_server, user.email)
    page.goto(live_server + "/phone")
    page.click("button.call")
    assert "법률" in page.inner_text("#screen")
    page.click("button.key:text('1')")
    assert "1 누름" in page.inner_text("#screen")
    screenshot(page, "browser-phone")
