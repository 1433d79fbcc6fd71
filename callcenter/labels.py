"""What people read for the codes the line stores: one table per kind of code.

Every page, export and command message names a stored code (a status, an outcome, an audit
action ...) through `label(kind, code)`, so each thing has one name everywhere (see
docs/glossary.md). Templates use the `label` filter: `{{ call.status|label("call_status") }}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

Labels = Mapping[str, LazyString | str]

CALL_OUTCOME: Labels = {
    "connected": _l("연결됨"),
    "callback_requested": _l("콜백 요청"),
    "voice_message": _l("음성 메시지"),
    "abandoned_menu": _l("메뉴에서 끊음"),
    "abandoned_queue": _l("대기 중 끊음"),
    "abandoned_ringing": _l("연결 중 끊음"),
    "closed": _l("상담 시간 아님"),
    "blocked": _l("차단 번호"),
    "admin_desk": _l("행정 창구 연결"),
    "failed": _l("실패"),
}
# Twilio's CallStatus of the caller's call.
CALL_STATUS: Labels = {
    "queued": _l("대기 중"),
    "ringing": _l("울리는 중"),
    "in-progress": _l("통화 중"),
    "completed": _l("통화 마침"),
    "busy": _l("통화 중이라 연결 안 됨"),
    "failed": _l("실패"),
    "no-answer": _l("받지 않음"),
    "canceled": _l("울리는 중 끊음"),
}
LEG_RESULT: Labels = {
    "ringing": _l("울리는 중"),
    "no_answer": _l("받지 않음"),
    "busy": _l("통화 중"),
    "declined": _l("1번 안 누름"),
    "failed": _l("실패"),
    "connected": _l("연결됨"),
    "completed": _l("통화 마침"),
    "caller_left": _l("발신자가 끊음"),
}
# The same words on the consultation form, in reports and in exports.
CONSULTATION_OUTCOME: Labels = {
    "advice": _l("조언 제공"),
    "referred": _l("기관 안내"),
    "follow_up": _l("후속 상담 필요"),
    "none": _l("상담 안 됨"),
}
CONSULTATION_STATUS: Labels = {"draft": _l("작성 전"), "completed": _l("완료")}
CHANNEL: Labels = {
    "phone": _l("전화"),
    "visit": _l("방문"),
    "callback": _l("콜백"),
    "appt_visit": _l("방문 예약"),
    "appt_phone": _l("전화 예약"),
}
REFERRAL: Labels = {
    "legal_aid": _l("대한법률구조공단"),
    "labor_office": _l("고용노동청"),
    "tax_office": _l("세무서"),
    "court": _l("법원"),
    "other": _l("기타"),
}
LANGUAGE: Labels = {"ko": _l("한국어"), "en": _l("영어")}
MESSAGE_KIND: Labels = {"sms": _l("문자"), "call": _l("전화"), "call_update": _l("통화 전환")}
MESSAGE_STATUS: Labels = {
    "recorded": _l("기록만 함"),
    "sent": _l("보냄"),
    "failed": _l("보내지 못함"),
    "refused": _l("보내지 않음"),
}
CALLBACK_STATUS: Labels = {
    "pending": _l("대기"),
    "claimed": _l("담당 있음"),
    "in_queue": _l("대기 순서 유지"),
    "done": _l("처리함"),
    "cancelled": _l("취소"),
}
CALLBACK_RESULT: Labels = {
    "reached": _l("통화함"),
    "no_answer": _l("받지 않음"),
    "wrong_number": _l("잘못된 번호"),
}
VOICEMAIL_STATUS: Labels = {
    "new": _l("새 메시지"),
    "assigned": _l("담당 있음"),
    "handled": _l("처리함"),
}
SWAP_STATUS: Labels = {
    "pending": _l("대기"),
    "accepted": _l("수락"),
    "declined": _l("거절"),
    "cancelled": _l("취소"),
}
# Why a coordinator closed a field or the whole line: callers hear it, the status page shows it.
LINE_CLOSURE_REASON: Labels = {
    "emergency": _l("긴급 상황"),
    "event": _l("기관 행사"),
    "maintenance": _l("시스템 점검"),
    "weather": _l("기상 악화"),
}
ROLE: Labels = {"admin": _l("관리자"), "coordinator": _l("코디네이터"), "counselor": _l("상담위원")}
AUDIT_ACTION: Labels = {
    "view": _l("열람"),
    "reveal": _l("개인정보 보기"),
    "edit": _l("수정"),
    "create": _l("등록"),
    "delete": _l("삭제"),
    "export": _l("내보내기"),
    "play": _l("녹음 듣기"),
    "account": _l("계정 변경"),
    "rotate-keys": _l("암호화 키 교체"),
    "review": _l("점검"),
    "purge": _l("보존 기간 지난 정보 파기"),
}
AUDIT_OBJECT: Labels = {
    "consultation": _l("상담 기록"),
    "call": _l("통화"),
    "callback": _l("콜백"),
    "voicemail": _l("음성 메시지"),
    "user": _l("계정"),
    "blocked_number": _l("차단 번호"),
    "prompt": _l("안내 문구"),
    "access_records": _l("접근 기록"),
    "retention": _l("보존 기간"),
    "report": _l("보고서"),
    "line_closure": _l("임시 휴무"),
}
# Keys of an audit event's detail and of a job's result.
DETAIL_KEY: Labels = {
    "change": _l("변경"),
    "role": _l("역할"),
    "active": _l("사용"),
    "counselor": _l("상담위원"),
    "voicemail": _l("음성 메시지"),
    "result": _l("결과"),
    "recording": _l("녹음"),
    "last4": _l("번호 끝자리"),
    "month": _l("달"),
    "note": _l("메모"),
    "format": _l("형식"),
    "reason": _l("사유"),
    "personal": _l("개인정보 포함"),
    "fields": _l("항목"),
    "page": _l("화면"),
    "filters": _l("조건"),
    "key": _l("문구"),
    "language": _l("언어"),
    "period": _l("기간"),
    "cutoff": _l("기준 시각"),
    "retention_days": _l("보존 기간"),
    "sent": _l("보낸 문자"),
    "gaps": _l("근무 공백"),
    "new": _l("새로 알린 공백"),
    "busy_flags": _l("통화 중 표시"),
    "calls": _l("통화"),
    "callbacks": _l("콜백"),
    "voicemails": _l("음성 메시지"),
    "outbox": _l("보낸 문자·전화"),
    "consultations": _l("상담 기록"),
    "search_terms": _l("검색 색인"),
    "audit_events": _l("감사 기록"),
    "skipped": _l("건너뜀"),
    "rolled_up": _l("집계한 기간"),
    "closure_reason": _l("휴무 사유"),
    "until": _l("다시 여는 시각"),
    "reopened": _l("일찍 다시 엶"),
    # the filters of an export
    "field": _l("분야"),
    "channel": _l("경로"),
    "outcome": _l("결과"),
    "status": _l("상태"),
    "category": _l("주제"),
    "date_from": _l("시작일"),
    "date_to": _l("종료일"),
    "searched": _l("검색어 사용"),
    "sort": _l("정렬"),
}
ACCOUNT_CHANGE: Labels = {
    "created": _l("만듦"),
    "updated": _l("고침"),
    "linked": _l("상담위원과 연결"),
    "unlinked": _l("상담위원 연결 해제"),
    "password": _l("비밀번호 변경"),
    "password reset": _l("비밀번호 재설정"),
}
NUMBER_CHECK: Labels = {
    "calling": _l("전화 거는 중"),
    "confirmed": _l("확인됨"),
    "not_confirmed": _l("받았지만 1번 안 누름"),
    "no_answer": _l("받지 않음"),
    "busy": _l("통화 중"),
    "failed": _l("연결 안 됨"),
}

KINDS: dict[str, Labels] = {
    "call_outcome": CALL_OUTCOME,
    "call_status": CALL_STATUS,
    "leg_result": LEG_RESULT,
    "consultation_outcome": CONSULTATION_OUTCOME,
    "consultation_status": CONSULTATION_STATUS,
    "channel": CHANNEL,
    "referral": REFERRAL,
    "language": LANGUAGE,
    "message_kind": MESSAGE_KIND,
    "message_status": MESSAGE_STATUS,
    "callback_status": CALLBACK_STATUS,
    "callback_result": CALLBACK_RESULT,
    "voicemail_status": VOICEMAIL_STATUS,
    "swap_status": SWAP_STATUS,
    "role": ROLE,
    "audit_action": AUDIT_ACTION,
    "audit_object": AUDIT_OBJECT,
    "detail_key": DETAIL_KEY,
    "account_change": ACCOUNT_CHANGE,
    "number_check": NUMBER_CHECK,
    "line_closure_reason": LINE_CLOSURE_REASON,
}


def label(kind: str, code: Any) -> str:
    """Return the name of a stored code in the interface's language ("—" for none)."""
    if code is None or code == "":
        return "—"
    found = KINDS[kind].get(str(code))
    return str(found) if found is not None else _("기타")


def label_in(kind: str, code: Any, language: str) -> str:
    """Return the name of a stored code in a given language (the voice line's, not the page's)."""
    with force_locale("en" if language == "en" else "ko"):
        return label(kind, code)


def labels(kind: str) -> dict[str, str]:
    """Return every code of a kind with its name, in order, for a list of choices."""
    return {code: str(name) for code, name in KINDS[kind].items()}


def _english() -> bool:
    return str(get_locale() or "ko") == "en"


def duration(seconds: int | float | None) -> str:
    """Say how long something took: 20초, 3분 5초, 1시간 2분."""
    if seconds is None:
        return "—"
    total = max(round(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if _english():
        units = (("h", hours), ("min", minutes), ("s", secs))
        parts = [f"{n} {unit}" for unit, n in units if n]
        return " ".join(parts[:2]) or "0 s"
    parts = [f"{n}{unit}" for unit, n in (("시간", hours), ("분", minutes), ("초", secs)) if n]
    return " ".join(parts[:2]) or "0초"


# Korean ordinals read as words: 첫 번째, 두 번째 ... (a voice says "일번째" for "1번째").
_NATIVE = ("", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉")
_TENS = ("", "열", "스물", "서른", "마흔")


def ordinal(n: int, language: str | None = None) -> str:
    """Return the n-th as people say it: 첫 번째, 열두 번째, 21st."""
    if (language or str(get_locale() or "ko")) == "en":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    if n == 1:
        return "첫 번째"
    if not 1 < n < 50:
        return f"{n}번째"
    tens, ones = divmod(n, 10)
    word = _TENS[tens] + _NATIVE[ones]
    if word == "스물":
        word = "스무"
    return f"{word} 번째"


def years_or_days(days: int) -> str:
    """Say a retention period the way people count it: 3년, 6개월, 45일."""
    english = _english()
    if days >= 365 and days % 365 == 0:
        years = days // 365
        return (f"{years} year" + ("s" if years > 1 else "")) if english else f"{years}년"
    if days >= 30 and days % 30 == 0:
        months = days // 30
        return (f"{months} month" + ("s" if months > 1 else "")) if english else f"{months}개월"
    return (f"{days} day" + ("s" if days != 1 else "")) if english else f"{days}일"


def detail_value(key: str, value: Any) -> str:
    """Return one value of an audit detail or a job result as people read it."""
    if isinstance(value, bool):
        return _("예") if value else _("아니요")
    if value is None or value == "":
        return "—"
    if key == "change":
        return label("account_change", value)
    if key == "role":
        return label("role", value)
    if key == "result":
        return label("callback_result", value)
    if key == "closure_reason":
        return label("line_closure_reason", value)
    if key == "channel":
        return label("channel", value)
    if key == "outcome":
        return label("consultation_outcome", value)
    if key == "status":
        return label("consultation_status", value)
    if key == "language":
        return label("language", value)
    if key == "format":
        return str(value).upper()
    if key == "retention_days" and isinstance(value, int):
        return years_or_days(value)
    if key == "fields" and isinstance(value, list):
        return str(len(value))
    if key == "rolled_up" and isinstance(value, list):
        return ", ".join(f"{first} ~ {last}" for first, last in value) or "—"
    if key == "skipped":
        return _("다른 스케줄러가 맡음")
    if key == "cutoff":
        return str(value)[:10]
    if isinstance(value, dict):
        return details(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def details(detail: Mapping[str, Any] | None) -> str:
    """Write an audit detail or a job result as "보낸 문자 3, 근무 공백 1"."""
    if not detail:
        return "—"
    parts = []
    for key, value in detail.items():
        name = DETAIL_KEY.get(key)
        if name is None:
            continue  # an internal note the reader needs no name for
        parts.append(f"{name} {detail_value(key, value)}")
    return ", ".join(parts) or "—"


def percent(value: float | None) -> str:
    """Write a rate as 87.5%, or "—" when there was nothing to count."""
    return "—" if value is None else f"{value:.1f}%"


def zone_note() -> str:
    """Say once, for a whole page, which clock its times are on."""
    from callcenter.timezone import line_timezone

    tz = line_timezone()
    if tz.key == "Asia/Seoul":
        return _("시각은 모두 한국 표준시(KST)입니다.")
    return _("시각은 모두 %(zone)s 기준입니다.", zone=datetime.now(tz).tzname() or tz.key)


def register(app: Flask) -> None:
    """Offer the labels to templates as filters and globals."""
    app.jinja_env.filters["label"] = lambda code, kind: label(kind, code)
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["ordinal"] = ordinal
    app.jinja_env.filters["details"] = details
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["years_or_days"] = years_or_days
    app.jinja_env.globals["code_labels"] = labels
    app.jinja_env.globals["zone_note"] = zone_note
