"""Signing in and out, and the rate limit on guesses."""

from tests.conftest import DEFAULT_PASSWORD


def test_start_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_signed_in_coordinator_sees_the_start_page(client, login):
    login("coordinator")
    page = client.get("/").get_data(as_text=True)
    assert "법률" in page and "노무" in page


def test_wrong_password_is_refused(client, make_user):
    user = make_user("coordinator")
    response = client.post("/auth/login", data={"email": user.email, "password": "wrong one!!"})
    assert response.status_code == 401
    assert "비밀번호가 맞지 않습니다" in response.get_data(as_text=True)


def test_after_three_wrong_guesses_the_address_waits_even_with_the_right_password(
    client, make_user
):
    user = make_user("coordinator")
    for _ in range(3):
        client.post("/auth/login", data={"email": user.email, "password": "wrong guess"})
    response = client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429


def test_sign_out_ends_the_session(client, login):
    login("coordinator")
    client.post("/auth/logout")
    assert client.get("/").status_code == 302


def test_sign_in_does_not_follow_next_to_another_site(client, make_user):
    user = make_user("coordinator")
    response = client.post(
        "/auth/login?next=https://evil.example/",
        data={"email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_english_switch_translates_the_sign_in_page(client):
    page = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert "Sign in" in page
