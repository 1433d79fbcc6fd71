"""Caller stories: the greeting and the field menu."""

from datetime import datetime

from sqlalchemy import select

from callcenter.models import Call, Field
from ivr.calls import block_number
from tests.ivr_support import SEOUL, play


def first_menu(transcript):
    return transcript.documents("/ivr/voice")[0].find("Gather")


def test_first_gather_is_the_field_menu_spoken_in_korean(db, walker, clock):
    transcript = play(walker)
    gather = first_menu(transcript)
    assert gather.get("action").startswith("/ivr/menu")
    assert "speech" in gather.get("input") and "dtmf" in gather.get("input")
    assert gather.get("hints") == "법률, 건축, 세무, 노무"
    assert gather.find("Say").get("language") == "ko-KR"
    assert "법률 상담은 1번" in gather.find("Say").text
    assert gather.find("Say").text.endswith("노무 상담은 4번, 원하시는 번호를 눌러 주세요.")
    assert "For English, press 9." in transcript.heard


def test_menu_offers_fields_added_by_a_coordinator(db, walker, clock):
    db.add(Field(code="housing", digit="5", name_ko="주거", name_en="Housing", position=5))
    db.commit()
    transcript = play(walker)
    assert "주거 상담은 5번" in first_menu(transcript).find("Say").text


def test_korean_voice_comes_from_configuration(db, walker, clock, settings):
    settings(IVR_VOICE_KO="Polly.Jihye")
    gather = first_menu(play(walker))
    assert gather.find("Say").get("voice") == "Polly.Jihye"


def test_nine_switches_to_the_english_menu_with_an_english_voice(db, walker, clock):
    transcript = play(walker, "9")
    english = transcript.documents("/ivr/menu")[0].find("Gather")
    assert english.get("language") == "en-US"
    assert english.find("Say").get("language") == "en-US"
    assert "For Legal advice, press 1." in english.find("Say").text
    assert db.scalar(select(Call)).language == "en"


def test_star_repeats_the_menu(db, walker, clock):
    transcript = play(walker, "*")
    assert transcript.heard.count("법률 상담은 1번") == 2


def test_three_unknown_keys_lead_to_the_callback_or_message_offer(db, walker, clock):
    transcript = play(walker, "7", "8", "6")
    assert transcript.heard.count("잘못 누르셨습니다.") == 3
    assert transcript.heard.count("법률 상담은 1번") == 3
    assert "원하시는 상담 분야를 확인하지 못했습니다." in transcript.heard
    assert transcript.heard.endswith("음성 메시지를 남기시려면 2번을 눌러 주세요.")
    assert transcript.ended == "caller hung up"


def test_three_wrong_keys_while_counselors_are_on_duty_still_take_a_callback(
    db, walker, on_shift, clock
):
    on_shift("legal")
    transcript = play(walker, "7", "8", "6", "1", "1")
    assert "콜백 요청이 접수되었습니다." in transcript.heard
    assert db.scalar(select(Call)).outcome == "callback_requested"


def test_silence_three_times_leads_to_the_offer_not_a_hang_up(db, walker, clock):
    transcript = play(walker, "", "", "")
    assert transcript.heard.count("입력이 없었습니다.") == 3
    assert "콜백을 원하시면 1번" in transcript.heard
    assert transcript.ended == "caller hung up"


def test_silence_at_the_offer_too_takes_a_voice_message(db, walker, clock):
    transcript = play(walker, "", "", "", "", "", "")
    assert "번호를 누르지 않으셔도 메시지를 남기실 수 있습니다." in transcript.heard
    assert "메시지가 저장되었습니다." in transcript.heard
    assert db.scalar(select(Call)).outcome == "voice_message"


def test_speech_not_understood_is_asked_again_naming_the_fields(db, walker, clock):
    transcript = play(walker, "speech:음 그러니까")
    assert "말씀을 알아듣지 못했습니다. 법률, 건축, 세무, 노무 가운데" in transcript.heard
    assert "잘못 누르셨습니다." not in transcript.heard


def test_speech_not_understood_twice_is_asked_in_yet_other_words(db, walker, clock):
    transcript = play(walker, "speech:음", "speech:저기요")
    assert "예를 들어 법률처럼 분야 이름만 짧게 말씀해 주세요." in transcript.heard


def test_saying_a_field_name_chooses_it(db, walker, on_shift, clock):
    counselor = on_shift("tax")
    transcript = play(walker, "speech:세무 상담 부탁드려요", counselors=["answers"])
    assert counselor.phone in [n.text for d in transcript.documents() for n in d.iter("Number")]


def test_zero_reaches_the_administrative_desk_in_office_hours(db, walker, clock, settings):
    settings(ADMIN_DESK_NUMBER="+82318282114")
    transcript = play(walker, "0")
    assert "민원 행정 창구는 0번" in transcript.heard
    dial = transcript.documents("/ivr/menu")[0].find("Dial")
    assert dial.text == "+82318282114"
    assert db.scalar(select(Call)).outcome == "admin_desk"


def test_zero_is_not_offered_after_office_hours(db, walker, clock, settings):
    settings(ADMIN_DESK_NUMBER="+82318282114")
    clock.now = datetime(2027, 3, 2, 19, 0, tzinfo=SEOUL)
    transcript = play(walker, "0")
    assert "민원 행정 창구는 0번" not in transcript.heard
    assert "지금은 민원 행정 창구 운영 시간이 아닙니다." in transcript.heard


def test_zero_is_not_offered_on_a_public_holiday(db, walker, clock, settings):
    settings(ADMIN_DESK_NUMBER="+82318282114")
    clock.now = datetime(2027, 3, 1, 11, 0, tzinfo=SEOUL)  # Independence Movement Day
    assert "민원 행정 창구는 0번" not in play(walker).heard


def test_blocked_caller_hears_a_short_message_and_the_call_ends(db, walker, clock):
    block_number(db, "010-5555-1234", "abuse")
    db.commit()
    transcript = play(walker, "1")
    assert "이용하실 수 없습니다" in transcript.heard
    assert transcript.documents("/ivr/voice")[0].find("Gather") is None
    assert db.scalar(select(Call)).outcome == "blocked"


def test_recording_notice_only_when_recording_is_enabled(db, walker, clock, settings):
    assert "녹음될 수 있습니다" not in play(walker).heard
    settings(RECORDING_ENABLED=True)
    assert "녹음될 수 있습니다" in play(walker).heard


def test_every_step_is_recorded_on_the_call(db, walker, clock):
    play(walker, "9", "5", "", "")
    steps = [s["step"] for s in db.scalar(select(Call)).steps]
    assert steps[:2] == ["greeting", "language"]
    assert steps.count("menu_retry") == 3
    assert steps[-1] == "menu_gave_up"  # then the offer


def test_nine_in_the_english_menu_goes_back_to_korean(db, walker, clock):
    transcript = play(walker, "9", "9")
    korean = transcript.documents("/ivr/menu")[1].find("Gather")
    assert korean.get("language") == "ko-KR"
    assert db.scalar(select(Call)).language == "ko"


def test_english_callers_hear_the_recording_notice_in_english(db, walker, clock, settings):
    settings(RECORDING_ENABLED=True)
    transcript = play(walker, "9")
    english = transcript.documents("/ivr/menu")[0]
    assert "Calls may be recorded" in " ".join(say.text for say in english.iter("Say"))


def test_desk_that_does_not_answer_leads_to_the_callback_offer(db, walker, clock, settings):
    settings(ADMIN_DESK_NUMBER="+82318282114")
    transcript = play(walker, "0", "1", "1", desk="no-answer")
    assert "민원 상담 창구에서 전화를 받을 수 없습니다" in transcript.heard
    call = db.scalar(select(Call))
    assert call.outcome == "callback_requested"
    assert call.reached("desk_unanswered")


def test_desk_that_answers_ends_the_call_after_the_conversation(db, walker, clock, settings):
    settings(ADMIN_DESK_NUMBER="+82318282114")
    transcript = play(walker, "0")
    assert transcript.documents("/ivr/desk/done")[0].find("Hangup") is not None
    assert db.scalar(select(Call)).outcome == "admin_desk"


def test_english_voice_comes_from_configuration(db, walker, clock, settings):
    settings(IVR_VOICE_EN="Polly.Matthew-Neural")
    english = play(walker, "9").documents("/ivr/menu")[0].find("Gather")
    assert english.find("Say").get("voice") == "Polly.Matthew-Neural"
