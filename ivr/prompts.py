"""Everything the line says, in Korean and English, in one catalogue.

Coordinators may override any text from the database (`PromptOverride`); the catalogue below
is what the line says without overrides, and what it falls back to when the database is down.
Placeholders use `str.format` names; an override that breaks them falls back to the default.
"""

from __future__ import annotations

import logging
import time as clock
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

CATALOGUE: dict[str, dict[str, str]] = {
    "greeting": {
        "ko": "안녕하세요. 시민 무료 전문상담 전화입니다.",
        "en": "Hello. This is the city's free expert advice line.",
    },
    "recording_notice": {
        "ko": "상담 품질을 위해 통화 내용이 녹음될 수 있습니다.",
        "en": "Calls may be recorded to keep the quality of our advice.",
    },
    "respect_notice": {
        "ko": "상담위원은 시민을 돕는 자원봉사 전문가입니다. 서로 존중하는 통화 부탁드립니다.",
        "en": "Our counselors are volunteer experts. Please treat them with respect.",
    },
    "menu_field": {
        "ko": "{name} 상담은 {digit}번,",
        "en": "For {name} advice, press {digit}.",
    },
    "menu_desk": {
        "ko": "민원 행정 창구는 0번,",
        "en": "For the administrative desk, press 0.",
    },
    "menu_choose": {  # after the keys above; English says "press" with each one
        "ko": "원하시는 번호를 눌러 주세요.",
        "en": "",
    },
    # Each spoken in the other language's voice, so the caller who needs it understands.
    "menu_english": {"ko": "영어 안내는 9번을 눌러 주세요.", "en": "For English, press 9."},
    "menu_korean": {"ko": "한국어 안내는 9번을 눌러 주세요.", "en": "For Korean, press 9."},
    "menu_repeat": {
        "ko": "다시 들으시려면 별표를 눌러 주세요. 원하시는 분야를 말씀하셔도 됩니다.",
        "en": "To hear this again, press star. You can also say the field you need.",
    },
    "no_input": {
        "ko": "입력이 없었습니다.",
        "en": "We did not hear a choice.",
    },
    "invalid_choice": {
        "ko": "잘못 누르셨습니다.",
        "en": "That is not one of the choices.",
    },
    "desk_closed": {
        "ko": "지금은 민원 행정 창구 운영 시간이 아닙니다.",
        "en": "The administrative desk is closed now.",
    },
    "desk_connecting": {
        "ko": "민원 행정 창구로 연결해 드리겠습니다.",
        "en": "Connecting you to the administrative desk.",
    },
    "desk_unavailable": {
        "ko": "지금은 민원 상담 창구에서 전화를 받을 수 없습니다.",
        "en": "The administrative desk cannot take your call right now.",
    },
    "line_hours": {
        "ko": "상담 전화는 평일 분야별 상담 시간에 운영됩니다. 상담 시간에 다시 걸어 주십시오.",
        "en": "The line is open during each field's advice sessions on working days. "
        "Please call again then.",
    },
    "speech_not_understood": {
        "ko": "말씀을 알아듣지 못했습니다. {fields} 가운데 필요하신 분야의 이름을 말씀하시거나 "
        "번호를 눌러 주세요.",
        "en": "Sorry, we did not catch that. Say the name of the field you need: {fields}. "
        "Or press its number.",
    },
    "speech_again": {
        "ko": "다시 한 번 부탁드립니다. 예를 들어 {example}처럼 분야 이름만 짧게 말씀해 주세요.",
        "en": "Once more, please: say only the field's name, for example {example}.",
    },
    "menu_offer": {
        "ko": "원하시는 상담 분야를 확인하지 못했습니다. 상담위원이 전화를 드리거나, 남기신 "
        "메시지를 전해 드릴 수 있습니다.",
        "en": "We could not tell which advice you need. A counselor can call you back, or we "
        "can pass on a message.",
    },
    "call_again_at": {
        "ko": "다음 {field} 상담은 {when}에 시작합니다. 그때 다시 걸어 주십시오.",
        "en": "The next {field} session starts {when}. Please call again then.",
    },
    "call_again_now": {
        "ko": "지금 {field} 상담 시간입니다. 잠시 후 다시 걸어 주십시오.",
        "en": "{field} advice is open now. Please call again in a few minutes.",
    },
    "connecting": {
        "ko": "{field} 상담위원에게 연결해 드리겠습니다. 잠시만 기다려 주십시오.",
        "en": "Connecting you to a {field} counselor. Please hold.",
    },
    "trying_next": {
        "ko": "다른 상담위원에게 연결하고 있습니다.",
        "en": "Trying another counselor.",
    },
    "nobody_answered": {
        "ko": "죄송합니다. 지금 전화를 받을 수 있는 상담위원이 없습니다.",
        "en": "Sorry, no counselor can take your call right now.",
    },
    "whisper": {
        "ko": "{field} 상담 전화입니다. 받으시려면 1번을 눌러 주세요.",
        "en": "A {field} advice call. Press 1 to take it.",
    },
    "whisper_english": {
        "ko": "영어로 상담을 원하시는 분입니다.",
        "en": "The caller would like advice in English.",
    },
    "whisper_auto": {
        "ko": "{field} 상담 전화를 연결합니다.",
        "en": "Connecting a {field} advice call.",
    },
    "whisper_declined": {
        "ko": "통화를 받지 않으셨습니다. 다른 상담위원에게 연결합니다.",
        "en": "Call not taken; it goes to another counselor.",
    },
    "whisper_taken": {
        "ko": "이미 다른 상담 통화가 연결되어 있어 이 전화는 다른 분께 연결됩니다.",
        "en": "You are already on another advice call; this one goes elsewhere.",
    },
    "callback_bridge_intro": {
        "ko": "콜백 요청입니다. 시민에게 연결하려면 1번을 누르십시오.",
        "en": "A call back request. Press 1 to reach the citizen.",
    },
    "callback_bridge_no_input": {
        "ko": "입력이 없어 전화를 끊습니다.",
        "en": "No key was pressed. Goodbye.",
    },
    "callback_bridge_gone": {
        "ko": "이 요청은 이미 처리되었습니다. 전화를 끊습니다.",
        "en": "This request has already been handled. Goodbye.",
    },
    "callback_bridge_refused": {
        "ko": "이 요청의 번호로는 회선이 전화를 걸 수 없어 연결하지 않습니다. 전화를 끊습니다.",
        "en": "The line does not call this request's number, so it is not dialed. Goodbye.",
    },
    "callback_bridge_busy": {
        "ko": "지금 다른 상담 통화 중이셔서 시민에게 연결하지 않습니다. 통화를 마치신 뒤 "
        "다시 걸어 주십시오.",
        "en": "You are on another advice call, so the citizen is not dialed. Please try again "
        "when it ends.",
    },
    "callback_bridge_after": {
        "ko": "통화가 끝났습니다. 상담 기록에 결과를 남겨 주십시오.",
        "en": "The call has ended. Please record its result.",
    },
    # Why the field is closed, said before when it opens (`schedules.line_closures.why_closed`).
    "closed_holiday": {
        "ko": "오늘은 {holiday}입니다. 휴무일이라 상담 전화를 쉽니다.",
        "en": "The line is closed today for {holiday}.",
    },
    "closed_day": {
        "ko": "오늘은 휴무일이라 상담 전화를 쉽니다.",
        "en": "The line is closed today.",
    },
    "closed_day_reason": {
        "ko": "오늘은 휴무일이라 상담 전화를 쉽니다. 사유는 {reason}입니다.",
        "en": "The line is closed today: {reason}.",
    },
    "closed_now_field": {
        "ko": "{field} 상담은 {reason} 때문에 잠시 쉬며, {until}에 다시 엽니다.",
        "en": "{field} advice is closed for now. Reason: {reason}. It opens again {until}.",
    },
    "closed_now_line": {
        "ko": "상담 전화는 {reason} 때문에 잠시 쉬며, {until}에 다시 엽니다.",
        "en": "The line is closed for now. Reason: {reason}. It opens again {until}.",
    },
    "closed_now_note": {
        "ko": "안내 말씀 드립니다. {note}",
        "en": "A message from the line: {note}",
    },
    "closed_next": {
        "ko": "지금은 {field} 상담 시간이 아닙니다. 다음 상담은 {when}에 시작합니다.",
        "en": "{field} advice is not available now. The next session starts {when}.",
    },
    "closed_unknown": {
        "ko": "지금은 {field} 상담 시간이 아니며, 다음 상담 일정은 아직 정해지지 않았습니다.",
        "en": "{field} advice is not available now, and no next session is planned yet.",
    },
    "offer": {
        "ko": "콜백을 원하시면 1번, 음성 메시지를 남기시려면 2번을 눌러 주세요.",
        "en": "For a call back, press 1. To leave a voice message, press 2.",
    },
    "offer_abroad": {
        "ko": "국내 전화번호를 입력하시려면 1번, 음성 메시지를 남기시려면 2번을 눌러 주세요.",
        "en": "To enter a Korean phone number, press 1. To leave a voice message, press 2.",
    },
    "callback_korean_only": {
        "ko": "전화 회신은 국내 전화번호로만 드릴 수 있습니다.",
        "en": "We can only call back Korean phone numbers.",
    },
    "callback_number_failed": {
        "ko": "전화번호를 받지 못했습니다. 대신 음성 메시지를 남겨 주시면 상담위원에게 전해 "
        "드립니다.",
        "en": "We could not take a number. Leave a voice message instead and we will pass it on "
        "to a counselor.",
    },
    "voicemail_without_keys": {
        "ko": "번호를 누르지 않으셔도 메시지를 남기실 수 있습니다.",
        "en": "You can leave a message without pressing any key.",
    },
    "offer_callback_only": {
        "ko": "콜백을 원하시면 1번을 눌러 주세요.",
        "en": "For a call back, press 1.",
    },
    "queue_enter": {
        "ko": "모든 {field} 상담위원이 통화 중입니다. 연결될 때까지 잠시 기다려 주십시오.",
        "en": "All {field} counselors are busy. Please hold for the next one.",
    },
    "queue_return": {
        "ko": "아직 연결되지 않았습니다. 기다리시던 순서 그대로 다음 {field} 상담위원에게 "
        "연결해 드리겠습니다.",
        "en": "You are not connected yet. You keep your place in line for the next {field} "
        "counselor.",
    },
    "queue_position": {
        "ko": "대기 순서는 {place}이며, 예상 대기 시간은 약 {minutes}분입니다.",
        "en": "You are number {position} in line; the expected wait is about {minutes} minutes.",
    },
    "queue_leave_hint": {
        "ko": "기다리지 않고 콜백을 받으시려면 별표를 눌러 주세요.",
        "en": "To stop waiting and get a call back, press star.",
    },
    "queue_keep_turn_hint": {
        "ko": "전화를 끊고 순서를 그대로 지키시려면 1번을 눌러 주세요. 순서가 되면 이 번호로 "
        "전화드리겠습니다.",
        "en": "To hang up and keep your place in line, press 1. When your turn comes, we will "
        "call you back on this number.",
    },
    "kept_turn_done": {
        "ko": "콜백 요청이 접수되었습니다. 대기 순서는 그대로 유지됩니다. 순서가 되면 이 번호 "
        "{number}로 전화드리겠습니다.",
        "en": "Your call back request is registered and you keep your place in line. When your "
        "turn comes, we will call you back on {number}.",
    },
    "kept_turn_unavailable": {
        "ko": "이 번호로는 순서가 되었을 때 전화드릴 수 없습니다. 기다리시던 순서 그대로 "
        "계속 기다려 주십시오.",
        "en": "We cannot call this number back when your turn comes. Please keep holding; you "
        "keep your place in line.",
    },
    "kept_turn_sms": {
        "ko": "[시민 무료 전문상담] {field} 상담 콜백 요청이 접수되었습니다. 접수번호 "
        "{ticket}. 대기 순서가 되면 이 번호로 전화드리겠습니다.",
        "en": "[City advice line] Your {field} call back request is registered, ticket "
        "{ticket}. We will call you on this number when your turn in line comes.",
    },
    "queue_unavailable": {
        "ko": "지금은 대기 순서에 들어가실 수 없습니다.",
        "en": "We cannot put you on hold right now.",
    },
    "queue_too_long": {
        "ko": "오래 기다려 주셔서 감사합니다. 지금은 연결이 어렵습니다.",
        "en": "Thank you for waiting. We cannot connect you now.",
    },
    "callback_confirm": {
        "ko": "지금 거신 번호 {number}로 연락드릴까요? 맞으면 1번, 다른 번호를 입력하시려면 "
        "2번을 눌러 주세요.",
        "en": "Shall we call you back on {number}? Press 1 for yes, or 2 to enter another number.",
    },
    "callback_enter": {
        "ko": "연락받으실 전화번호를 누르신 뒤 끝에 우물 정자를 눌러 주세요.",
        "en": "Enter the number we should call, then press the pound key.",
    },
    "callback_invalid": {
        "ko": "올바른 전화번호가 아닙니다.",
        "en": "That is not a valid phone number.",
    },
    "callback_done": {
        "ko": "콜백 요청이 접수되었습니다. 상담 시간에 {number}로 연락드리겠습니다.",
        "en": "Your call back request is registered. We will call {number} during advice hours.",
    },
    "callback_unavailable": {
        "ko": "지금은 콜백 요청을 더 받을 수 없습니다. 상담 시간에 다시 전화해 주세요.",
        "en": "We cannot take more call back requests right now. Please call again during "
        "advice hours.",
    },
    "callback_sms_note": {
        "ko": "접수 내용을 문자로 보내 드렸습니다.",
        "en": "We sent you a text message to confirm.",
    },
    "callback_sms": {
        "ko": "[시민 무료 전문상담] {field} 상담 콜백 요청이 접수되었습니다. 접수번호 "
        "{ticket}. 상담 시간에 연락드리겠습니다.",
        "en": "[City advice line] Your {field} call back request is registered, ticket "
        "{ticket}. We will call you during advice hours.",
    },
    "offer_booking": {
        "ko": "방문이나 전화 상담을 예약하실 수 있는 주소를 문자로 받으시려면 3번을 눌러 주세요.",
        "en": "To get the address of our booking page by text message, press 3.",
    },
    "booking_link_sent": {
        "ko": "상담 예약 주소를 문자로 보내 드렸습니다.",
        "en": "We sent you the booking page's address by text message.",
    },
    "booking_link_sms": {
        "ko": "[시민 무료 전문상담] 방문·전화 상담 예약은 여기에서 하실 수 있습니다: {url}",
        "en": "[City advice line] Book a visit or a phone appointment here: {url}",
    },
    "voicemail_prompt": {
        "ko": "삐 소리가 나면 성함과 용건을 말씀해 주세요. 메시지는 녹음되어 담당 상담위원에게 "
        "전달됩니다. 최대 {minutes}분까지 녹음되며, 마치시면 우물 정자를 눌러 주세요.",
        "en": "After the beep, say your name and what you need. The message is recorded for "
        "the counselor. You have up to {minutes} minutes; press pound when done.",
    },
    "voicemail_done": {
        "ko": "메시지가 저장되었습니다. 감사합니다.",
        "en": "Your message is saved. Thank you.",
    },
    "voicemail_empty": {
        "ko": "녹음된 메시지가 없습니다.",
        "en": "No message was recorded.",
    },
    "survey": {
        "ko": "상담은 만족스러우셨나요? 매우 만족은 5번, 매우 불만족은 1번, 1부터 5까지 눌러 "
        "주세요.",
        "en": "How satisfied were you with the advice? Press 1 for not at all, up to 5 for "
        "very satisfied.",
    },
    "survey_thanks": {
        "ko": "응답해 주셔서 감사합니다.",
        "en": "Thank you for your answer.",
    },
    "goodbye": {
        "ko": "이용해 주셔서 감사합니다. 안녕히 계십시오.",
        "en": "Thank you for calling. Goodbye.",
    },
    "blocked": {
        "ko": "이 번호로는 상담 전화를 이용하실 수 없습니다. 시청 민원실로 문의해 주십시오.",
        "en": "This number cannot use the advice line. Please contact the city hall.",
    },
    "ended_for_abuse": {
        "ko": "상담위원에 대한 폭언이나 위협이 이어져 이 상담 전화를 종료합니다. "
        "상담은 서로 존중하는 가운데에서만 이어갈 수 있습니다.",
        "en": "This call is being ended because of abuse toward the counselor. "
        "Advice can only go on with mutual respect.",
    },
    "transfer_announce": {
        "ko": "{field} 상담으로 넘겨 드리겠습니다. 기다리신 시간은 그대로 이어집니다.",
        "en": "You are being passed to {field} advice. The time you waited still counts.",
    },
    "conversation_time_limit": {
        "ko": "한 번의 상담 시간인 {minutes}분이 다 되어 통화를 마칩니다. "
        "더 상담이 필요하시면 다시 전화해 주십시오.",
        "en": "This conversation has reached the limit of {minutes} minutes and ends now. "
        "Please call again if you need more advice.",
    },
    "sorry": {
        "ko": "죄송합니다. 일시적인 문제로 연결할 수 없습니다.",
        "en": "Sorry, we have a temporary problem.",
    },
    "fallback_desk": {
        "ko": "민원 행정 창구로 연결해 드리겠습니다.",
        "en": "Connecting you to the administrative desk.",
    },
    "fallback_later": {
        "ko": "잠시 후 다시 걸어 주십시오. 감사합니다.",
        "en": "Please call again in a few minutes. Goodbye.",
    },
}

# Overrides are read at most this often per process: the menu path must stay fast.
_OVERRIDE_TTL_SECONDS = 30.0
_overrides: dict[tuple[str, str], str] = {}
_loaded_at: float | None = None


def default_text(key: str, language: str) -> str:
    """Return the catalogue text of a prompt in a language (Korean when missing)."""
    entry = CATALOGUE[key]
    return entry.get(language, entry["ko"])


def text(key: str, language: str = "ko", **values: Any) -> str:
    """Return what the line says for a prompt, with a coordinator's override if any."""
    template = _overrides.get((key, language)) or default_text(key, language)
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        log.warning("Prompt override %s/%s has bad placeholders", key, language)
        return default_text(key, language).format(**values)


def refresh_overrides(session: Any, now: float | None = None, force: bool = False) -> None:
    """Reload coordinators' overrides when the cached copy is older than the TTL."""
    global _loaded_at, _overrides
    current = clock.monotonic() if now is None else now
    if not force and _loaded_at is not None and current - _loaded_at < _OVERRIDE_TTL_SECONDS:
        return
    from callcenter.models import PromptOverride

    try:
        rows = session.execute(
            select(PromptOverride.key, PromptOverride.language, PromptOverride.text)
        ).all()
    except SQLAlchemyError:
        session.rollback()
        log.warning("Prompt overrides unavailable; speaking the catalogue defaults")
        return
    # A new dict, swapped in whole: a prompt spoken meanwhile sees the old or the new wording.
    _overrides = {(k, lang): t for k, lang, t in rows if k in CATALOGUE and t}
    _loaded_at = current


def forget_overrides() -> None:
    """Drop the cached overrides, so the next request reads them again."""
    global _loaded_at, _overrides
    _overrides = {}
    _loaded_at = None
