"""Counselor stories: calling a citizen back through the line."""

from datetime import timedelta

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from callcenter import callbacks
from callcenter.models import Call, CallbackRequest, Counselor, PromptOverride
from ivr import prompts
from ivr.callback_bridge import hold_counselor
from tests import backoffice_data as data
from tests.ivr_support import play

CITIZEN = "+821044443333"


def claimed_request(db, counselor) -> CallbackRequest:
    request = data.callback(
        db, counselor.fields[0], CITIZEN, status="claimed", claimed_by_id=counselor.id
    )
    db.commit()
    return request


def flag(db, counselor):
    db.expire_all()
    row = db.get(Counselor, counselor.id)
    return row.busy_since, row.busy_call_sid


def signed_post(app, client, path, **form):
    url = "http://localhost" + path
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def test_counselor_presses_one_and_reaches_the_citizen_from_the_lines_number(
    app, db, call_back, on_shift, clock
):
    counselor = on_shift("legal")
    request = claimed_request(db, counselor)
    transcript = call_back(request.id, "1")
    assert "시민에게 연결하려면 1번을 누르십시오." in transcript.heard
    dial = next(d.find("Dial") for d in transcript.documents() if d.find("Dial") is not None)
    assert dial.get("callerId") == app.config["TWILIO_PHONE_NUMBER"]
    assert dial.find("Number").text == CITIZEN
    assert counselor.phone not in "".join(body for *_, body in transcript.exchanges)
    assert "상담 기록에 결과를 남겨 주십시오." in transcript.heard


def test_counselor_is_busy_on_the_lines_clock_while_talking_and_free_after(
    db, call_back, on_shift, clock
):
    counselor = on_shift("legal")
    request = claimed_request(db, counselor)
    while_talking = []

    def look(line):
        if line.text.endswith("번호로 연결됨"):
            while_talking.append(flag(db, counselor))

    transcript = call_back(request.id, "1", on_line=look)
    assert while_talking == [(clock.now, transcript.call_sid)]
    assert flag(db, counselor) == (None, None)


def test_caller_is_not_put_through_to_a_counselor_talking_to_a_citizen(
    db, walker, call_back, on_shift, clock
):
    counselor = on_shift("legal")
    free = on_shift("legal")
    request = claimed_request(db, counselor)
    rung = []

    def line_caller_rings(line):
        if line.text.endswith("번호로 연결됨"):
            transcript = play(walker, "1", counselors=["answers"])
            rung.extend(n.text for d in transcript.documents() for n in d.iter("Number"))

    call_back(request.id, "1", on_line=line_caller_rings)
    assert rung == [free.phone]


def test_counselor_on_a_live_line_call_is_told_so_and_the_citizen_is_not_dialed(
    db, call_back, on_shift, clock
):
    counselor = on_shift("legal", busy_since=clock.now - timedelta(minutes=3), busy_call_sid="CAx")
    request = claimed_request(db, counselor)
    transcript = call_back(request.id, "1")
    assert "지금 다른 상담 통화 중이셔서 시민에게 연결하지 않습니다." in transcript.heard
    assert not any(d.find("Dial") is not None for d in transcript.documents())
    assert flag(db, counselor) == (clock.now - timedelta(minutes=3), "CAx")


def test_a_stale_busy_flag_does_not_keep_the_counselor_from_calling_back(
    db, call_back, on_shift, clock
):
    counselor = on_shift("legal", busy_since=clock.now - timedelta(hours=3), busy_call_sid="CAold")
    request = claimed_request(db, counselor)
    transcript = call_back(request.id, "1")
    assert any(d.find("Dial") is not None for d in transcript.documents())
    assert flag(db, counselor) == (None, None)


def test_request_closed_during_the_call_still_frees_the_counselor(db, call_back, on_shift, clock):
    counselor = on_shift("legal")
    request = claimed_request(db, counselor)

    def record_reached(line):
        if line.text.endswith("번호로 연결됨"):
            callbacks.record_result(db, db.get(CallbackRequest, request.id), "reached", clock.now)
            db.commit()

    call_back(request.id, "1", on_line=record_reached)
    assert flag(db, counselor) == (None, None)


def test_counselor_freed_after_a_callback_takes_the_longest_waiting_caller(
    app, client, db, walker, on_shift, clock
):
    counselor = on_shift("legal")
    request = claimed_request(db, counselor)
    bridge = f"/ivr/callback-bridge/{request.id}"
    signed_post(app, client, f"{bridge}/connect", CallSid="CAbridge", Digits="1")

    def callback_ends(_walker, poll):
        if poll == 0:
            signed_post(
                app,
                client,
                f"{bridge}/done",
                CallSid="CAbridge",
                DialCallStatus="completed",
                DialCallDuration="240",
            )

    transcript = play(walker, "1", counselors=["answers"], on_queue_poll=callback_ends)
    assert "대기열에서 상담위원에게로 옮겨짐" in transcript.events
    call = db.scalar(select(Call))
    assert (call.outcome, call.connected_counselor_id) == ("connected", counselor.id)


def test_a_repeated_press_keeps_the_counselor_claimed_by_the_same_call(db, on_shift, clock):
    counselor = on_shift("legal")
    assert hold_counselor(db, counselor.id, "CAbridge", clock.now)
    assert hold_counselor(db, counselor.id, "CAbridge", clock.now)
    assert not hold_counselor(db, counselor.id, "CAother", clock.now)


def test_coordinator_wording_is_what_the_counselor_hears(db, call_back, on_shift, clock):
    counselor = on_shift("legal")
    request = claimed_request(db, counselor)
    db.add(
        PromptOverride(
            key="callback_bridge_intro", language="ko", text="시민 회신 전화입니다. 1번을 누르세요."
        )
    )
    db.commit()
    prompts.forget_overrides()
    try:
        assert "시민 회신 전화입니다. 1번을 누르세요." in call_back(request.id, "1").heard
    finally:
        prompts.forget_overrides()


def test_every_prompt_has_korean_and_english():
    assert [key for key, texts in prompts.CATALOGUE.items() if set(texts) != {"ko", "en"}] == []
