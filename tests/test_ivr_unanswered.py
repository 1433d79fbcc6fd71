"""Counselors not answering: paused for the rest of the shift after rings in a row let go."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from callcenter.models import Counselor, OutboxMessage
from callcenter.reporting.live import wallboard
from tests.ivr_support import SEOUL, play

SHIFT_END = datetime(2027, 3, 2, 17, 0, tzinfo=SEOUL)


def texts(db, to=None):
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms")).all()
    return [m.body for m in rows if to is None or m.to == to]


def rung(transcript) -> list[str]:
    """Return the numbers the line put in a <Dial> during a call."""
    return [
        (number.text or "").strip()
        for document in transcript.documents()
        for dial in document.iter("Dial")
        for number in dial.iter("Number")
    ]


def ring_out(walker, times: int) -> None:
    for _ in range(times):
        play(walker, "1", counselors=["no-answer"])


def fresh(db, counselor) -> Counselor:
    db.expire_all()
    return db.get(Counselor, counselor.id)


def test_counselor_who_lets_three_calls_ring_out_is_paused_until_the_shift_ends(
    db, walker, on_shift, clock
):
    kim = on_shift("legal", name="김변호")
    ring_out(walker, 3)
    assert fresh(db, kim).paused_until == SHIFT_END


def test_two_calls_rung_out_do_not_pause(db, walker, on_shift, clock):
    kim = on_shift("legal", name="김변호")
    ring_out(walker, 2)
    assert fresh(db, kim).paused_until is None and fresh(db, kim).missed_rings == 2


def test_taking_a_call_starts_the_count_again(db, walker, on_shift, clock):
    kim = on_shift("legal", name="김변호")
    ring_out(walker, 2)
    play(walker, "1", counselors=["answers"])
    ring_out(walker, 2)
    assert fresh(db, kim).paused_until is None


def test_the_number_of_rings_before_a_pause_is_a_setting(db, walker, on_shift, clock, settings):
    settings(IVR_PAUSE_AFTER_MISSED=1)
    kim = on_shift("legal", name="김변호")
    ring_out(walker, 1)
    assert fresh(db, kim).paused_until == SHIFT_END


def test_no_pause_when_the_setting_is_zero(db, walker, on_shift, clock, settings):
    settings(IVR_PAUSE_AFTER_MISSED=0)
    kim = on_shift("legal", name="김변호")
    ring_out(walker, 4)
    assert fresh(db, kim).paused_until is None


def test_paused_counselor_is_texted_how_to_resume(db, walker, on_shift, clock):
    kim = on_shift("legal", name="김변호")
    ring_out(walker, 3)
    (body,) = texts(db, kim.phone)
    assert "3번 연속 받지 않으셔서 17:00까지 전화 연결을 멈췄습니다" in body
    assert "/me/calls" in body


def test_coordinators_are_told_of_a_paused_counselor(db, walker, on_shift, clock, settings):
    settings(COORDINATOR_ALERT_PHONES="010-9999-0000")
    on_shift("legal", name="김변호")
    ring_out(walker, 3)
    (body,) = texts(db, "+821099990000")
    assert "김변호 상담위원이 전화를 3번 연속 받지 않아 17:00까지" in body


def test_paused_counselor_is_never_rung_while_others_are(db, walker, on_shift, clock):
    kim = on_shift("legal", name="김변호")
    lee = on_shift("legal", name="이세무")
    kim.paused_until = SHIFT_END
    db.commit()
    for _ in range(3):
        transcript = play(walker, "1", counselors=["answers"], talk_seconds=30)
        assert rung(transcript) == [lee.phone]
        assert kim.phone not in rung(transcript)


def test_a_caller_whose_counselors_are_all_paused_is_offered_a_callback(
    db, walker, on_shift, clock
):
    kim = on_shift("legal", name="김변호")
    kim.paused_until = SHIFT_END
    db.commit()
    transcript = play(walker, "1", queue_polls=3)
    assert rung(transcript) == []
    assert "지금 전화를 받을 수 있는 상담위원이 없습니다" in transcript.heard
    assert "콜백을 원하시면 1번" in transcript.heard


def test_pause_ends_with_the_shift(db, walker, on_shift, clock):
    kim = on_shift("legal", name="김변호", end=time(17, 0))
    ring_out(walker, 3)
    clock.now = datetime(2027, 3, 9, 14, 30, tzinfo=SEOUL)  # the next Tuesday's shift
    transcript = play(walker, "1", counselors=["answers"])
    assert rung(transcript) == [kim.phone]


def test_counselor_resumes_from_the_phone_page_and_is_rung_again(
    db, walker, on_shift, clock, client, login
):
    kim = on_shift("legal", name="김변호")
    ring_out(walker, 3)
    login("counselor", counselor=kim)
    page = client.get("/me/calls").get_data(as_text=True)
    assert "17:00까지 상담 전화 연결을 멈췄습니다" in page
    client.post("/me/calls/resume")
    assert fresh(db, kim).paused_until is None
    assert rung(play(walker, "1", counselors=["answers"])) == [kim.phone]


def test_wallboard_shows_a_paused_counselor(db, walker, on_shift, clock, client, login):
    kim = on_shift("legal", name="김변호")
    ring_out(walker, 3)
    row = next(r for r in wallboard(db, clock.now, SEOUL).fields if r.field.code == "legal")
    assert row.paused == {kim.id} and row.busy == 0
    login("coordinator")
    page = client.get("/reports/wallboard/live").get_data(as_text=True)
    assert "김변호 · 연결 멈춤 (17:00까지)" in page


def test_live_figures_do_not_count_a_paused_counselor_as_free(db, on_shift, clock):
    kim = on_shift("legal", name="김변호")
    kim.paused_until = clock.now + timedelta(hours=1)
    db.commit()
    from callcenter.reporting.live import is_busy

    assert is_busy(fresh(db, kim), clock.now)
