"""Password guessing is slowed per address and account, never locking the owner out."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from callcenter import accounts
from callcenter.auth import throttle
from tests.conftest import DEFAULT_PASSWORD

NOW = datetime(2027, 3, 2, 1, 0, tzinfo=UTC)
OWNER = "198.51.100.7"
STRANGER = "203.0.113.9"


def post_login(client, email: str, password: str, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/auth/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(db, email: str, address: str | None, at: datetime) -> throttle.Attempt:  # type: ignore[no-untyped-def]
    """Make one admitted attempt that turns out wrong."""
    attempt = throttle.admit(db, email, address, at)
    db.commit()
    return attempt


def test_three_wrong_tries_are_answered_then_the_address_waits(client, make_user):
    user = make_user("coordinator")
    answers = [post_login(client, user.email, "wrong guess").status_code for _ in range(3)]
    refused = post_login(client, user.email, DEFAULT_PASSWORD)
    assert answers == [401, 401, 401]
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
    assert "5초 뒤에" in refused.get_data(as_text=True)


def test_a_strangers_wrong_tries_do_not_lock_the_owner_out(client, make_user):
    user = make_user("coordinator")
    for _ in range(10):
        post_login(client, user.email, "wrong guess", STRANGER)
    assert post_login(client, user.email, DEFAULT_PASSWORD, OWNER).status_code == 302


def test_each_further_failure_doubles_the_wait(db):
    for minute in range(4):
        fail(db, "kim@example.org", STRANGER, NOW + timedelta(minutes=minute))
    last = NOW + timedelta(minutes=3)
    assert throttle.admit(db, "kim@example.org", STRANGER, last + timedelta(seconds=9)).refused
    assert not throttle.admit(db, "kim@example.org", STRANGER, last + timedelta(seconds=10)).refused


def test_the_wait_never_grows_past_fifteen_minutes():
    assert throttle.pair_wait(40, throttle.FREE_TRIES) == timedelta(minutes=15)


def test_a_right_password_gives_the_address_its_free_tries_back(db):
    for second in range(2):
        fail(db, "kim@example.org", OWNER, NOW + timedelta(seconds=second))
    throttle.succeeded(db, "kim@example.org", OWNER, NOW + timedelta(seconds=2))
    db.commit()
    for second in range(3, 6):
        assert not fail(db, "kim@example.org", OWNER, NOW + timedelta(seconds=second)).refused


def test_an_account_guessed_at_from_many_addresses_gives_each_new_one_a_single_free_try(db):
    for n in range(throttle.ACCOUNT_CEILING):
        fail(db, "kim@example.org", f"203.0.113.{n}", NOW + timedelta(seconds=n))
    later = NOW + timedelta(seconds=30)
    assert not fail(db, "kim@example.org", "192.0.2.1", later).refused
    assert throttle.admit(db, "kim@example.org", "192.0.2.1", later + timedelta(seconds=1)).refused


def test_the_owners_first_try_is_answered_while_many_addresses_guess(db):
    for n in range(50):
        fail(db, "kim@example.org", f"203.0.113.{n}", NOW + timedelta(seconds=n))
    assert not throttle.admit(db, "kim@example.org", OWNER, NOW + timedelta(seconds=50)).refused


def test_an_address_failing_at_many_accounts_waits(db):
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):
        fail(db, f"user{n}@example.org", STRANGER, NOW + timedelta(seconds=n))
    attempt = throttle.admit(db, "another@example.org", STRANGER, NOW + timedelta(minutes=1))
    assert attempt.refused and attempt.wait == timedelta(minutes=14)


class CountingHasher:
    """The real hasher, noting every password it checks."""

    def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
        self.real, self.checked = real, []

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        self.checked.append(password)
        return self.real.verify(hashed, password)


@pytest.fixture
def checked(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Return the list of passwords the sign-in checks against a hash."""
    spy = CountingHasher(accounts._hasher)
    monkeypatch.setattr(accounts, "_hasher", spy)
    return spy.checked


def test_an_unknown_email_costs_a_password_check_as_a_known_one_does(client, make_user, checked):
    user = make_user("coordinator")
    post_login(client, user.email, "wrong guess one")
    post_login(client, "nobody@example.org", "wrong guess two")
    assert checked == ["wrong guess one", "wrong guess two"]


def test_a_deactivated_accounts_password_is_checked_too(client, make_user, db, checked):
    user = make_user("coordinator")
    user.active = False
    db.commit()
    assert post_login(client, user.email, DEFAULT_PASSWORD).status_code == 401
    assert checked == [DEFAULT_PASSWORD]


@pytest.mark.parametrize("guesses", [40])
def test_concurrent_guesses_are_counted_one_at_a_time(app, make_user, db, guesses):
    email = make_user("coordinator").email
    start = threading.Barrier(guesses, timeout=30)
    answers: list[int] = []

    def guess() -> None:
        browser = app.test_client()
        start.wait()
        answers.append(post_login(browser, email, "wrong guess").status_code)

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == guesses
    assert answers.count(401) == throttle.FREE_TRIES
    assert answers.count(429) == guesses - throttle.FREE_TRIES
