"""Handing a caller to another field from the live call page, keeping the time they waited."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from callcenter.models import Call, CallbackRequest, CallLeg
from tests.conftest import DEFAULT_PASSWORD
from tests.ivr_support import play


@pytest.fixture
def staff(app, make_user):
    """Return a factory of back-office browsers signed in apart from the walker's client."""

    def sign_in(role="counselor", counselor=None):
        browser = app.test_client()
        user = make_user(role, counselor=counselor)
        browser.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        return browser

    return sign_in


def hand_over(db, browser, field, mode="queue"):
    """Return a `during_talk` hook: the counselor hands the caller to another field."""

    def act(walker):
        db.expire_all()
        call = db.scalar(select(Call).where(Call.call_sid == walker.transcript.call_sid))
        browser.post(f"/calls/{call.id}/transfer", data={"field": field.id, "mode": mode})

    return act


def test_caller_handed_to_another_field_talks_to_its_counselor(
    db, walker, on_shift, clock, staff, fields
):
    kim = on_shift("legal", name="김변호")
    lee = on_shift("labor", name="이노무")
    transcript = play(
        walker,
        "1",
        counselors=["answers", "answers"],
        during_talk=hand_over(db, staff(counselor=kim), fields["labor"]),
    )
    assert "노무 상담으로 넘겨 드리겠습니다" in transcript.heard
    legs = db.scalars(select(CallLeg).order_by(CallLeg.position)).all()
    assert [leg.counselor_id for leg in legs] == [kim.id, lee.id]
    assert [leg.result for leg in legs] == ["completed", "completed"]
    assert db.scalar(select(Call)).field_id == fields["labor"].id


def test_handed_over_caller_keeps_the_time_already_waited(
    db, walker, on_shift, clock, staff, fields
):
    kim = on_shift("legal", name="김변호")
    lee = on_shift("labor", name="이노무")
    lee.busy_since = clock.now - timedelta(minutes=1)  # talking: the caller must wait
    db.commit()
    browser = staff(counselor=kim)
    later = Call(
        call_sid="CAlater",
        field_id=fields["labor"].id,
        queue_entered_at=clock.now - timedelta(seconds=30),
        started_at=clock.now - timedelta(seconds=40),
    )
    db.add(later)
    db.commit()

    def waited_then_hand_over(walker):
        db.expire_all()
        call = db.scalar(select(Call).where(Call.call_sid == walker.transcript.call_sid))
        # This caller waited two minutes in the legal queue before kim took the call.
        call.queue_entered_at = clock.now - timedelta(minutes=2)
        call.queue_left_at = clock.now
        db.commit()
        browser.post(f"/calls/{call.id}/transfer", data={"field": fields["labor"].id})

    transcript = play(
        walker, "1", counselors=["answers"], during_talk=waited_then_hand_over, queue_polls=1
    )
    call = db.scalar(select(Call).where(Call.call_sid == transcript.call_sid))
    assert call.queue_entered_at == clock.now - timedelta(minutes=2)
    assert call.queue_entered_at < later.queue_entered_at  # ahead of the later caller
    assert "대기열 field-labor에 들어감" in transcript.events


def test_caller_handed_over_for_a_callback_hears_the_offer(
    db, walker, on_shift, clock, staff, fields
):
    kim = on_shift("legal", name="김변호")
    transcript = play(
        walker,
        "1",
        "1",
        "1",
        counselors=["answers"],
        during_talk=hand_over(db, staff(counselor=kim), fields["tax"], "callback"),
    )
    assert "세무 상담으로 넘겨 드리겠습니다" in transcript.heard
    assert "콜백을 원하시면 1번" in transcript.heard
    assert db.scalar(select(Call)).field_id == fields["tax"].id
    assert db.scalar(select(CallbackRequest)).field_id == fields["tax"].id


def test_handing_over_to_a_closed_field_says_when_it_opens(
    db, walker, on_shift, clock, staff, fields
):
    kim = on_shift("legal", name="김변호")
    on_shift("labor", weekday=3)  # Thursdays only
    transcript = play(
        walker,
        "1",
        counselors=["answers"],
        during_talk=hand_over(db, staff(counselor=kim), fields["labor"]),
    )
    assert "다음 상담은 3월 4일 목요일 오후 2시에 시작합니다." in transcript.heard


def test_the_first_conversation_asks_no_survey_when_handed_over(
    db, walker, on_shift, clock, staff, fields
):
    kim = on_shift("legal", name="김변호")
    on_shift("labor", name="이노무")
    play(
        walker,
        "1",
        counselors=["answers", "answers"],
        during_talk=hand_over(db, staff(counselor=kim), fields["labor"]),
    )
    steps = [s["step"] for s in db.scalar(select(Call)).steps]
    assert steps.count("survey_asked") == 1
    assert steps.index("survey_asked") > steps.index("transfer")
