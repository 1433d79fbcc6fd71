"""Caller stories: reaching a counselor."""

from datetime import timedelta
from unittest.mock import ANY

from sqlalchemy import func, select, update

from callcenter.models import Call, CallLeg, Consultation, Counselor
from ivr import routing
from ivr.routing import Ring, whisper_answer
from tests.ivr_support import play


def test_caller_pressing_legal_is_put_through_to_the_counselor_on_call(db, walker, on_shift, clock):
    counselor = on_shift("legal")
    transcript = play(walker, "1", "5", counselors=["answers"])
    dial = next(d for d in transcript.documents("/ivr/menu") if d.find("Dial") is not None)
    number = dial.find("Dial/Number")
    assert number.text == counselor.phone
    assert dial.find("Dial").get("callerId") == "+827000000000"
    assert number.get("url")
    assert "1번을 눌러" in transcript.counselor_heard
    call = db.scalar(select(Call))
    assert call.outcome == "connected"
    assert call.connected_counselor_id == counselor.id
    assert call.satisfaction == 5


def test_connected_call_starts_one_draft_phone_consultation(db, walker, on_shift, clock):
    counselor = on_shift("legal")
    play(walker, "1", counselors=["answers"], repeat_callbacks=True)
    drafts = db.scalars(select(Consultation)).all()
    assert len(drafts) == 1
    assert (drafts[0].status, drafts[0].channel) == ("draft", "phone")
    assert drafts[0].counselor_id == counselor.id


def test_counselor_is_free_again_after_the_conversation(db, walker, on_shift, clock):
    counselor = on_shift("legal")
    play(walker, "1", counselors=["answers"])
    db.expire_all()
    assert db.get(Counselor, counselor.id).busy_since is None
    assert db.get(Counselor, counselor.id).last_connected_at is not None


def numbers_rung(transcript):
    return [n.text for d in transcript.documents() for n in d.iter("Number")]


def leg_results(db):
    return [leg.result for leg in db.scalars(select(CallLeg).order_by(CallLeg.position))]


def test_counselor_who_does_not_answer_passes_the_call_to_the_next(db, walker, on_shift, clock):
    first, second = on_shift("legal"), on_shift("legal")
    transcript = play(walker, "1", counselors=["no-answer", "answers"])
    assert numbers_rung(transcript) == [first.phone, second.phone]
    assert "다른 상담위원에게 연결하고 있습니다." in transcript.heard
    assert leg_results(db) == ["no_answer", "completed"]
    assert db.scalar(select(Call)).connected_counselor_id == second.id


def test_personal_voicemail_answering_never_takes_the_call(db, walker, on_shift, clock):
    on_shift("legal")
    second = on_shift("legal")
    transcript = play(walker, "1", counselors=["declines", "answers"])
    assert leg_results(db) == ["declined", "completed"]
    assert db.scalar(select(Call)).connected_counselor_id == second.id
    assert "통화를 받지 않으셨습니다" in transcript.counselor_heard


def test_busy_counselor_passes_the_call_to_the_next(db, walker, on_shift, clock):
    on_shift("legal")
    on_shift("legal")
    play(walker, "1", counselors=["busy", "answers"])
    assert leg_results(db) == ["busy", "completed"]


def test_when_nobody_takes_the_call_the_caller_gets_the_callback_offer(db, walker, on_shift, clock):
    on_shift("legal")
    on_shift("legal")
    transcript = play(walker, "1", "1", "1", counselors=["no-answer", "fails"])
    assert "지금 전화를 받을 수 있는 상담위원이 없습니다" in transcript.heard
    assert leg_results(db) == ["no_answer", "failed"]
    assert db.scalar(select(Call)).outcome == "callback_requested"


def test_auto_answer_counselor_is_bridged_without_pressing_1(db, walker, on_shift, clock):
    on_shift("legal", auto_answer=True)
    transcript = play(walker, "1", counselors=["declines"])
    whisper = transcript.documents("/ivr/whisper")[0]
    assert whisper.find("Gather") is None
    assert db.scalar(select(Call)).outcome == "connected"


def test_counselor_whose_last_call_is_oldest_is_dialed_first(db, walker, on_shift, clock):
    recent = on_shift("legal", last_connected_at=clock.now - timedelta(minutes=10))
    older = on_shift("legal", last_connected_at=clock.now - timedelta(days=2))
    transcript = play(walker, "1", counselors=["answers"])
    assert numbers_rung(transcript)[0] == older.phone
    assert recent.phone not in numbers_rung(transcript)


def test_counselor_on_a_live_call_is_not_dialed(db, walker, on_shift, clock):
    busy = on_shift("legal", busy_since=clock.now - timedelta(minutes=3), busy_call_sid="CAx")
    free = on_shift("legal")
    transcript = play(walker, "1", counselors=["answers"])
    assert numbers_rung(transcript) == [free.phone]
    assert busy.phone not in numbers_rung(transcript)


def test_two_callers_are_never_bridged_to_one_counselor(app, db, on_shift, clock):
    counselor = on_shift("legal")
    legs = []
    for n in range(2):
        call = Call(call_sid=f"CAcaller{n}", steps=[], field_id=counselor.fields[0].id)
        leg = CallLeg(call=call, counselor_id=counselor.id, result="ringing")
        db.add_all([call, leg])
        legs.append(leg)
    db.commit()
    rings = [
        Ring(f"CAcaller{n}", counselor.id, counselor.fields[0].id, 0, clock.now) for n in (0, 1)
    ]
    with app.test_request_context():
        first = whisper_answer(db, legs[0], rings[0], "CAleg0", "1", clock.now)
        second = whisper_answer(db, legs[1], rings[1], "CAleg1", "1", clock.now)
    db.commit()
    assert first.to_xml().count("Hangup") == 0
    assert "Hangup" in second.to_xml()
    assert [leg.result for leg in legs] == ["connected", "busy"]
    assert db.get(Counselor, counselor.id).busy_call_sid == "CAleg0"
    assert db.scalar(select(func.count()).select_from(Consultation)) == 1


def test_second_acceptance_sends_the_caller_on_to_the_next_counselor(
    db, walker, on_shift, clock, monkeypatch
):
    taken = on_shift("legal")
    other = on_shift("legal")
    claim = routing.claim_counselor

    def taken_meanwhile(session, counselor_id, leg_sid, now, ring=None):
        if counselor_id == taken.id:  # its reservation ran out and another caller took them
            session.execute(
                update(Counselor)
                .where(Counselor.id == taken.id)
                .values(busy_since=now, busy_call_sid="CAelsewhere", reserved_call_sid=None)
            )
        return claim(session, counselor_id, leg_sid, now, ring)

    monkeypatch.setattr(routing, "claim_counselor", taken_meanwhile)
    transcript = play(walker, "1", counselors=["answers", "answers"])
    assert "이미 다른 상담 통화가 연결되어 있어" in transcript.counselor_heard
    assert leg_results(db)[0] == "busy"
    assert db.scalar(select(Call)).connected_counselor_id == other.id


def test_no_survey_when_it_is_turned_off(db, walker, on_shift, clock, settings):
    settings(IVR_SURVEY_ENABLED=False)
    on_shift("legal")
    transcript = play(walker, "1", counselors=["answers"])
    assert "만족스러우셨나요" not in transcript.heard
    assert db.scalar(select(Call)).satisfaction is None


def test_survey_ignores_an_answer_outside_one_to_five(db, walker, on_shift, clock):
    on_shift("legal")
    play(walker, "1", "8", counselors=["answers"])
    assert db.scalar(select(Call)).satisfaction is None


def test_conversation_is_recorded_only_when_recording_is_enabled(
    db, walker, on_shift, clock, settings
):
    on_shift("legal")
    transcript = play(walker, "1", counselors=["answers"])
    assert next(transcript.documents("/ivr/menu")[0].iter("Dial")).get("record") is None
    settings(RECORDING_ENABLED=True)
    transcript = play(walker, "1", counselors=["answers"])
    assert next(transcript.documents("/ivr/menu")[0].iter("Dial")).get("record")


def test_recorded_conversation_is_kept_on_its_call(db, walker, on_shift, clock, settings):
    settings(RECORDING_ENABLED=True)
    on_shift("legal")
    transcript = play(walker, "1", counselors=["answers"], talk_seconds=240)
    recording = next(form for path, form, _, _ in transcript.exchanges if "RecordingSid" in form)
    call = db.scalar(select(Call))
    assert call.recording_sid == recording["RecordingSid"]
    assert call.recording_url == recording["RecordingUrl"]
    assert call.recording_seconds == 240


def test_unanswered_call_leaves_no_recording(db, walker, on_shift, clock, settings):
    settings(RECORDING_ENABLED=True)
    on_shift("legal")
    transcript = play(walker, "1", "", counselors=["no-answer"])
    assert not any("RecordingSid" in form for _, form, _, _ in transcript.exchanges)
    assert db.scalar(select(Call)).recording_sid is None


def test_retried_recording_callback_changes_nothing(db, walker, on_shift, clock, settings):
    settings(RECORDING_ENABLED=True)
    on_shift("legal")
    transcript = play(walker, "1", counselors=["answers"], repeat_callbacks=True)
    posted = [
        form for path, form, _, _ in transcript.exchanges if path.startswith("/ivr/recording")
    ]
    assert len(posted) == 2 and posted[0] == posted[1]
    call = db.scalar(select(Call))
    assert call.recording_sid == posted[0]["RecordingSid"]
    assert [s for s in call.steps if s["step"] == "recording"] == [
        {"step": "recording", "at": ANY, "recording": call.recording_sid}
    ]


def test_leg_callbacks_after_the_dial_action_give_the_same_result(db, walker, on_shift, clock):
    counselor = on_shift("legal")
    on_shift("legal")
    play(walker, "1", counselors=["no-answer", "answers"], callbacks_first=False)
    assert leg_results(db) == ["no_answer", "completed"]
    db.expire_all()
    assert db.get(Counselor, counselor.id).busy_since is None


def test_counselor_hears_that_the_caller_wants_english(db, walker, on_shift, clock):
    on_shift("legal")
    transcript = play(walker, "9", "1", counselors=["answers"])
    assert "영어로 상담을 원하시는 분입니다." in transcript.counselor_heard
    assert "Connecting you to a Legal counselor." in transcript.heard


def test_ring_query_string_reads_back_as_the_same_ring():
    from datetime import UTC, datetime
    from urllib.parse import parse_qs, urlencode

    ring = routing.Ring("CA" + "f" * 32, 17, 3, 2, datetime(2027, 2, 8, 1, 30, tzinfo=UTC), "en")
    query = ring.query()
    assert query == "?" + urlencode(ring.params())
    args = {key: values[0] for key, values in parse_qs(query[1:]).items()}
    assert routing.Ring.from_args(args) == ring


def test_conversations_end_before_their_busy_flag_could_pass_for_a_lost_one(
    db, walker, on_shift, clock, settings
):
    settings(IVR_BUSY_TIMEOUT_MINUTES=90, IVR_CONVERSATION_LIMIT_MINUTES=120)
    on_shift("legal")
    transcript = play(walker, "1", counselors=["answers"])
    assert next(transcript.documents("/ivr/menu")[0].iter("Dial")).get("timeLimit") == "5400"


def test_counselor_rings_for_the_configured_time(db, walker, on_shift, clock, settings):
    settings(IVR_DIAL_TIMEOUT=25)
    on_shift("legal")
    transcript = play(walker, "1", counselors=["answers"])
    assert next(transcript.documents("/ivr/menu")[0].iter("Dial")).get("timeout") == "25"


def test_call_and_conversation_lengths_are_recorded(db, walker, on_shift, clock):
    on_shift("legal")
    play(walker, "1", counselors=["answers"], talk_seconds=240)
    call = db.scalar(select(Call))
    leg = db.scalar(select(CallLeg))
    assert leg.duration_seconds >= 240  # the conversation and the whisper before it
    assert call.duration_seconds >= leg.duration_seconds
