"""The back-office menu: grouped by task, only what the role may open, with breadcrumbs."""

from __future__ import annotations

import re

import pytest

from tests import backoffice_data as data

GROUPS = ("상담", "콜백·음성 메시지", "근무", "전화 회선", "통계", "관리")


def menu(page: str) -> str:
    """Return the desktop main menu's markup."""
    match = re.search(r'<nav class="krds-main-menu".*?</nav>', page, re.S)
    assert match, "no main menu"
    return match.group(0)


def group_labels(page: str) -> list[str]:
    return re.findall(r'class="gnb-main-trigger[^"]*"[^>]*>([^<]+)</button>', menu(page))


def menu_links(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', menu(page))


@pytest.fixture
def kim(db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    return kim


@pytest.mark.parametrize(
    ("role", "groups"),
    [
        ("counselor", ["상담", "콜백·음성 메시지", "근무", "전화 회선"]),
        ("coordinator", ["상담", "콜백·음성 메시지", "근무", "전화 회선", "통계"]),
        ("admin", list(GROUPS)),
    ],
)
def test_menu_shows_the_task_groups_a_role_uses(client, login, kim, role, groups):
    login(role, counselor=kim if role == "counselor" else None)
    assert group_labels(client.get("/").get_data(as_text=True)) == groups


@pytest.mark.parametrize("role", ["admin", "coordinator", "counselor"])
def test_every_menu_entry_opens_for_the_role_that_sees_it(client, login, kim, role):
    login(role, counselor=kim if role == "counselor" else None)
    links = menu_links(client.get("/").get_data(as_text=True))
    assert links
    for link in links:
        assert client.get(link, follow_redirects=True).status_code == 200, link


def test_counselor_menu_leaves_out_coordinators_pages(client, login, kim):
    login("counselor", counselor=kim)
    links = menu_links(client.get("/").get_data(as_text=True))
    assert "/rosters/me" in links
    # The live call page shows a counselor their own conversation only.
    links = [link for link in links if link != "/calls/live"]
    for hidden in ("/calls", "/rosters/calendar", "/reports", "/admin/users", "/line/prompts"):
        assert not any(link.startswith(hidden) for link in links), hidden


def test_password_change_sits_in_the_account_menu_not_a_task_group(client, login):
    login("coordinator")
    page = client.get("/").get_data(as_text=True)
    assert "/account/password" not in menu(page)
    assert 'href="/account/password"' in page


def test_breadcrumb_names_the_group_and_the_page(client, login):
    login("coordinator")
    page = client.get("/rosters/counselors").get_data(as_text=True)
    crumbs = re.search(r'<nav class="krds-breadcrumb-wrap".*?</nav>', page, re.S)
    assert crumbs
    texts = re.findall(r'class="txt"[^>]*>([^<]+)<', crumbs.group(0))
    assert texts == ["처음 화면", "근무", "상담위원"]


def test_breadcrumb_of_a_detail_page_leads_to_its_list(client, login, db, fields, kim):
    item = data.consultation(db, fields["legal"], kim)
    db.commit()
    login("coordinator")
    page = client.get(f"/consultations/{item.id}").get_data(as_text=True)
    crumbs = re.search(r'<nav class="krds-breadcrumb-wrap".*?</nav>', page, re.S)
    assert crumbs and 'href="/consultations"' in crumbs.group(0)


def test_phone_menu_holds_the_same_groups(client, login):
    login("coordinator")
    page = client.get("/").get_data(as_text=True)
    mobile = re.search(r'<div id="mobile-nav".*?id="close-nav"', page, re.S)
    assert mobile
    assert re.findall(r'class="sub-title">([^<]+)<', mobile.group(0)) == group_labels(page)


def test_public_pages_carry_the_official_masthead_and_the_city(app, client):
    app.config["CITY_NAME"] = "의정부시"
    try:
        page = client.get("/status").get_data(as_text=True)
    finally:
        app.config["CITY_NAME"] = ""
    assert "이 누리집은 대한민국 공식 전자정부 누리집입니다." in page
    assert "이 누리집은 의정부시 누리집입니다." in page
    assert 'class="brand-city">의정부시<' in page
