"""Caller stories: nobody on call, the next session, callbacks and voice messages."""

from datetime import datetime

from sqlalchemy import select

from callcenter.models import Call, CallbackRequest, OutboxMessage, Voicemail
from tests.ivr_support import SEOUL, play

SATURDAY = datetime(2027, 3, 6, 11, 0, tzinfo=SEOUL)


def test_caller_on_a_saturday_hears_when_the_next_session_starts(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1")
    assert "다음 상담은 3월 9일 화요일 오후 2시에 시작합니다." in transcript.heard
    assert "콜백을 원하시면 1번" in transcript.heard


def test_caller_on_chuseok_hears_next_session(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = datetime(2027, 9, 14, 14, 30, tzinfo=SEOUL)  # the day before Chuseok, a Tuesday
    transcript = play(walker, "1")
    assert "다음 상담은 9월 21일 화요일 오후 2시에 시작합니다." in transcript.heard


def test_english_caller_hears_the_next_session_in_english(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "9", "1")
    assert "The next session starts on Tuesday, March 9, at 2 PM." in transcript.heard


def test_field_without_any_session_says_none_is_planned(db, walker, clock):
    transcript = play(walker, "2")
    assert "다음 상담 일정은 아직 정해지지 않았습니다" in transcript.heard


def test_closed_caller_who_hangs_up_is_counted_as_closed(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    play(walker, "1")
    assert db.scalar(select(Call)).outcome == "closed"


def test_callback_to_the_calling_mobile_is_confirmed_by_sms(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1", "1", "1")
    request = db.scalar(select(CallbackRequest))
    assert (request.phone, request.source, request.status) == ("+821055551234", "ivr", "pending")
    assert request.field.code == "legal"
    sms = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "sms"))
    assert sms.to == "+821055551234" and request.ticket in sms.body
    assert "문자로 보내 드렸습니다" in transcript.heard
    assert db.scalar(select(Call)).outcome == "callback_requested"


def test_callback_to_a_landline_gets_no_sms(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    play(walker, "1", "1", "1", caller="+82318282114")
    assert db.scalar(select(CallbackRequest)).phone == "+82318282114"
    assert db.scalar(select(OutboxMessage)) is None


def test_caller_may_key_in_another_number_for_the_callback(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    play(walker, "1", "1", "2", "01077778888#")
    assert db.scalar(select(CallbackRequest)).phone == "+821077778888"


def test_withheld_caller_must_key_in_a_number(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1", "1", "01077778888#", caller=None)
    assert "지금 거신 번호" not in transcript.heard
    assert db.scalar(select(CallbackRequest)).phone == "+821077778888"


def test_invalid_callback_number_is_asked_again(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1", "1", "2", "12345#", "01077778888#")
    assert "올바른 전화번호가 아닙니다." in transcript.heard
    assert db.scalar(select(CallbackRequest)).phone == "+821077778888"


def test_international_callback_number_is_refused_as_only_korean_numbers_are_called(
    db, walker, on_shift, clock
):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1", "1", "2", "00112125551234#", "1", "01077778888#")
    assert "전화 회신은 국내 전화번호로만 드릴 수 있습니다." in transcript.heard
    assert db.scalar(select(CallbackRequest)).phone == "+821077778888"


def test_caller_from_abroad_hears_callbacks_go_to_korean_numbers(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1", "1", "1", "01077778888#", caller="+12125551234")
    assert "지금 거신 번호" not in transcript.heard
    assert "전화 회신은 국내 전화번호로만 드릴 수 있습니다." in transcript.heard
    assert "올바른 전화번호가 아닙니다." not in transcript.heard
    assert db.scalar(select(CallbackRequest)).phone == "+821077778888"


def test_caller_from_abroad_is_offered_a_voice_message(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1", "1", "2", caller="+12125551234")
    assert "국내 전화번호를 입력하시려면 1번, 음성 메시지를 남기시려면 2번" in transcript.heard
    assert "메시지가 저장되었습니다." in transcript.heard
    assert db.scalar(select(Call)).outcome == "voice_message"
    assert db.scalar(select(CallbackRequest)) is None


def test_three_foreign_numbers_keyed_end_in_a_voice_message(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    foreign = "00112125551234#"
    transcript = play(walker, "1", "1", foreign, "1", foreign, "1", foreign, caller=None)
    assert transcript.heard.count("국내 전화번호로만") == 3
    assert "대신 음성 메시지를 남겨 주시면" in transcript.heard
    assert db.scalar(select(Call)).outcome == "voice_message"


def test_voice_message_is_recorded_once_with_a_length_limit(db, walker, on_shift, clock, settings):
    settings(IVR_VOICEMAIL_MAX_SECONDS=90)
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1", "2", record_seconds=40, repeat_callbacks=True)
    record = next(d for d in transcript.documents("/ivr/offer") if d.find("Record") is not None)
    assert record.find("Record").get("maxLength") == "90"
    assert record.find("Record").get("recordingStatusCallback")
    voicemails = db.scalars(select(Voicemail)).all()
    assert len(voicemails) == 1
    assert voicemails[0].duration_seconds == 40 and voicemails[0].recording_url
    assert voicemails[0].field.code == "legal"
    assert db.scalar(select(Call)).outcome == "voice_message"


def test_silent_voice_message_is_not_stored(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1", "2", record_seconds=0)
    assert "녹음된 메시지가 없습니다." in transcript.heard
    assert db.scalar(select(Voicemail)) is None


def test_no_choice_at_the_offer_ends_with_a_message_or_when_to_call(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1", "", "7", "", record_seconds=0)
    assert transcript.heard.count("콜백을 원하시면 1번") == 3
    assert "번호를 누르지 않으셔도 메시지를 남기실 수 있습니다." in transcript.heard
    assert "다음 법률 상담은 3월 9일 화요일 오후 2시에 시작합니다." in transcript.heard
    assert transcript.ended == "line hung up"


def test_caller_with_an_invalid_number_must_key_in_a_number(db, walker, on_shift, clock):
    on_shift("legal")
    clock.now = SATURDAY
    transcript = play(walker, "1", "1", "01077778888#", caller="12345")
    assert "지금 거신 번호" not in transcript.heard
    assert db.scalar(select(CallbackRequest)).phone == "+821077778888"
