"""Counselor protection: ending abusive calls with a notice, time-limited blocks, long calls."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from callcenter.models import BlockedNumber, Call, CallLeg, Counselor, OutboxMessage
from schedules.jobs import warn_long_conversations
from tests.conftest import DEFAULT_PASSWORD
from tests.ivr_support import play

ABUSE_NOTICE = "상담위원에 대한 폭언이나 위협이 이어져 이 상담 전화를 종료합니다."


@pytest.fixture
def staff(app, make_user):
    """Return a factory of back-office browsers signed in apart from the walker's client."""

    def sign_in(role="counselor", counselor=None):
        browser = app.test_client()
        user = make_user(role, counselor=counselor)
        browser.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        return browser

    return sign_in


def this_call(db, walker) -> Call:
    db.expire_all()
    return db.scalar(select(Call).where(Call.call_sid == walker.transcript.call_sid))


def end_for_abuse(db, browser, reason="insult"):
    """Return a `during_talk` hook: the counselor ends the call from the live call page."""
    answers = []

    def act(walker):
        call = this_call(db, walker)
        answers.append(browser.post(f"/calls/{call.id}/end-abusive", data={"reason": reason}))

    act.answers = answers
    return act


def test_counselor_sees_their_conversation_on_the_live_call_page(
    db, walker, on_shift, clock, staff
):
    kim = on_shift("legal", name="김변호")
    browser = staff(counselor=kim)
    pages = []
    play(
        walker,
        "1",
        counselors=["answers"],
        during_talk=lambda w: pages.append(browser.get("/calls/live").get_data(as_text=True)),
    )
    assert "안내 후 통화 끝내기" in pages[0] and "1234" in pages[0]


def test_caller_hears_the_abuse_notice_before_the_line_hangs_up(db, walker, on_shift, clock, staff):
    kim = on_shift("legal", name="김변호")
    transcript = play(
        walker, "1", counselors=["answers"], during_talk=end_for_abuse(db, staff(counselor=kim))
    )
    assert transcript.heard.splitlines()[-1].startswith(ABUSE_NOTICE)
    assert transcript.ended == "line hung up"
    assert "설문" not in transcript.heard and "만족" not in transcript.heard


def test_the_abuse_notice_goes_through_a_rest_update_of_the_callers_call(
    db, walker, on_shift, clock, staff
):
    kim = on_shift("legal", name="김변호")
    transcript = play(
        walker, "1", counselors=["answers"], during_talk=end_for_abuse(db, staff(counselor=kim))
    )
    update = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "call_update"))
    assert update.body.startswith(f"{transcript.call_sid} -> ")
    assert "/ivr/ended/abuse" in update.body


def test_the_reason_is_logged_on_the_call(db, walker, on_shift, clock, staff):
    kim = on_shift("legal", name="김변호")
    play(
        walker,
        "1",
        counselors=["answers"],
        during_talk=end_for_abuse(db, staff(counselor=kim), "threat"),
    )
    call = db.scalar(select(Call))
    assert call.end_reason == "abuse"
    step = next(s for s in call.steps if s["step"] == "ended_for_abuse")
    assert (step["reason"], step["counselor"]) == ("threat", kim.id)
    assert not call.reached("survey_asked")


def test_call_page_shows_why_the_call_was_ended(db, walker, on_shift, clock, staff):
    kim = on_shift("legal", name="김변호")
    play(
        walker,
        "1",
        counselors=["answers"],
        during_talk=end_for_abuse(db, staff(counselor=kim), "threat"),
    )
    page = staff("coordinator").get(f"/calls/{db.scalar(select(Call.id))}").get_data(as_text=True)
    assert "폭언·위협으로 상담위원이 끝냄 (협박·위협)" in page


def test_counselor_is_free_again_after_ending_an_abusive_call(db, walker, on_shift, clock, staff):
    kim = on_shift("legal", name="김변호")
    play(walker, "1", counselors=["answers"], during_talk=end_for_abuse(db, staff(counselor=kim)))
    db.expire_all()
    counselor = db.get(Counselor, kim.id)
    assert counselor.busy_since is None and counselor.reserved_until is None
    assert db.scalar(select(CallLeg)).result == "completed"


def test_a_counselor_cannot_end_someone_elses_call(db, walker, on_shift, clock, staff):
    on_shift("legal", name="김변호")
    lee = on_shift("tax", name="이세무")
    hook = end_for_abuse(db, staff(counselor=lee))
    transcript = play(walker, "1", counselors=["answers"], during_talk=hook)
    assert ABUSE_NOTICE not in transcript.heard
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "call_update")) is None
    assert db.scalar(select(Call)).end_reason is None


def test_coordinator_blocks_the_callers_number_for_a_week(db, walker, on_shift, clock, staff):
    kim = on_shift("legal", name="김변호")
    coordinator = staff("coordinator")
    play(walker, "1", counselors=["answers"], during_talk=end_for_abuse(db, staff(counselor=kim)))
    call_id = db.scalar(select(Call.id))
    coordinator.post(f"/calls/{call_id}/block", data={"days": "7"})
    blocked = db.scalar(select(BlockedNumber))
    assert blocked.last4 == "1234"
    assert blocked.expires_at == clock.now + timedelta(days=7)


def test_a_blocked_caller_is_refused_until_the_block_runs_out(db, walker, on_shift, clock, staff):
    on_shift("legal", name="김변호")
    play(walker, "1", counselors=["answers"])
    staff("coordinator").post(f"/calls/{db.scalar(select(Call.id))}/block", data={"days": "7"})
    assert "이 번호로는 상담 전화를 이용하실 수 없습니다" in play(walker, "1").heard
    clock.now += timedelta(days=7, minutes=1)
    assert "이 번호로는 상담 전화를 이용하실 수 없습니다" not in play(walker, "1").heard


def test_a_block_without_a_period_holds_until_removed(db, walker, on_shift, clock, staff):
    on_shift("legal", name="김변호")
    play(walker, "1", counselors=["answers"])
    staff("coordinator").post(f"/calls/{db.scalar(select(Call.id))}/block", data={"days": ""})
    clock.now += timedelta(days=400)
    assert "이 번호로는 상담 전화를 이용하실 수 없습니다" in play(walker, "1").heard


def test_a_counselor_may_not_block_numbers(db, walker, on_shift, clock, staff):
    kim = on_shift("legal", name="김변호")
    play(walker, "1", counselors=["answers"])
    answer = staff(counselor=kim).post(f"/calls/{db.scalar(select(Call.id))}/block")
    assert answer.status_code == 403
    assert db.scalar(select(BlockedNumber)) is None


def test_blocklist_page_takes_a_period(db, staff, clock):
    coordinator = staff("coordinator")
    coordinator.post("/line/blocklist", data={"number": "010-7777-8888", "days": "30"})
    blocked = db.scalar(select(BlockedNumber))
    assert blocked.expires_at == clock.now + timedelta(days=30)
    page = coordinator.get("/line/blocklist").get_data(as_text=True)
    assert (clock.now + timedelta(days=30)).strftime("%Y-%m-%d") in page


def test_a_long_conversation_ends_with_a_notice(db, walker, on_shift, clock, settings):
    settings(IVR_CONVERSATION_LIMIT_MINUTES=20)
    on_shift("legal")
    transcript = play(walker, "1", counselors=["answers"], talk_seconds=1500)
    dial = next(transcript.documents("/ivr/menu")[0].iter("Dial"))
    assert dial.get("timeLimit") == "1200"
    assert "한 번의 상담 시간인 20분이 다 되어 통화를 마칩니다" in transcript.heard
    assert db.scalar(select(Call)).end_reason == "time_limit"


def test_a_shorter_conversation_hears_no_time_notice(db, walker, on_shift, clock):
    on_shift("legal")
    transcript = play(walker, "1", counselors=["answers"], talk_seconds=600)
    assert "상담 시간인" not in transcript.heard
    assert db.scalar(select(Call)).end_reason is None


def test_counselor_is_warned_before_the_conversation_limit(db, walker, on_shift, clock, staff):
    kim = on_shift("legal", name="김변호")
    results = []

    def later(walker):
        results.append(warn_long_conversations(db, clock.now + timedelta(minutes=18, seconds=30)))
        results.append(warn_long_conversations(db, clock.now + timedelta(minutes=19)))
        db.commit()

    play(walker, "1", counselors=["answers"], during_talk=later)
    assert results == [{"warned": 1}, {"warned": 0}]
    (sms,) = [m for m in db.scalars(select(OutboxMessage)) if m.to == kim.phone]
    assert "곧 상담 시간 20분에 닿습니다. 2분 뒤에는 시민에게 안내한 뒤" in sms.body


def test_no_warning_early_in_a_conversation(db, walker, on_shift, clock):
    on_shift("legal", name="김변호")
    results = []
    play(
        walker,
        "1",
        counselors=["answers"],
        during_talk=lambda w: results.append(
            warn_long_conversations(db, clock.now + timedelta(minutes=10))
        ),
    )
    assert results == [{"warned": 0}]
