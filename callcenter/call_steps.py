"""A call's path through the voice line, told as people read it in the call log.

`ivr/calls.py` notes each step as `{"step": code, "at": ISO instant, ...}`; this module turns
one into "10:30:05 · 첫 번째 상담위원(김민준)에게 연결 시도", in the line's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from callcenter.labels import label, ordinal

# Steps that say everything by their name.
PLAIN_STEPS = {
    "greeting": _l("전화를 받고 인사말을 안내함"),
    "blocked": _l("차단된 번호라 연결하지 않음"),
    "admin_desk": _l("행정 창구로 연결함"),
    "menu_gave_up": _l("분야를 고르지 않아 상담 시간을 안내하고 마침"),
    "nobody_answered": _l("연결할 수 있는 상담위원이 아무도 받지 않음"),
    "queue_star": _l("대기 중 별표를 눌러 콜백·음성 메시지 안내로 옮김"),
    "queue_timeout": _l("대기 시간이 다 되어 콜백·음성 메시지를 안내함"),
    "queue_counselor_free": _l("상담위원이 비어 대기를 마치고 연결함"),
    "dequeued": _l("대기를 마치고 상담위원에게 연결함"),
    "queue_keep_turn": _l("대기 중 1번을 눌러 순서를 지키는 콜백을 요청함"),
    "kept_turn": _l("전화를 끊고 대기 순서를 지킴: 순서가 되면 콜백"),
    "kept_turn_unavailable": _l("이 번호로는 순서 콜백을 할 수 없어 계속 기다리게 함"),
    "kept_turn_called": _l("순서가 되어 상담위원에게 전화를 걺: 받으면 시민에게 연결"),
    "kept_turn_connected": _l("상담위원이 1번을 눌러 순서 콜백의 시민에게 전화를 걺"),
    "kept_turn_pending": _l("순서 콜백이 이어지지 않아 콜백 요청 목록으로 넘김"),
    "kept_turn_closed": _l("순서를 지키던 콜백 요청이 닫혀 대기 순서에서 뺌"),
    "dequeue_failed": _l("대기 중인 발신자를 상담위원에게 옮기지 못함"),
    "closed": _l("상담 시간이 아님을 안내함"),
    "callback": _l("콜백을 안내함"),
    "callback_refused": _l("콜백 요청을 더 받을 수 없다고 안내함"),
    "callback_requested": _l("콜백 요청을 접수함"),
    "callback_sms": _l("콜백 접수 문자를 보냄"),
    "callback_invalid": _l("입력한 번호가 올바르지 않음"),
    "voicemail": _l("음성 메시지를 안내함"),
    "voice_message": _l("음성 메시지를 남김"),
    "survey_asked": _l("만족도 조사를 안내함"),
    "recording": _l("통화 녹음을 보관함"),
    "queue": _l("대기 순서에 들어감"),
    "queue_unavailable": _l("대기 순서에 들어갈 수 없어 다른 방법을 안내함"),
    "desk_unanswered": _l("행정 창구가 받지 않음"),
    "caller_left": _l("상담위원이 받기 전에 발신자가 끊음"),
}
MENU_RETRY_REASONS = {
    "no_input": _l("아무것도 누르지 않아 메뉴를 다시 안내함"),
    "desk_closed": _l("행정 창구 운영 시간이 아니라 메뉴를 다시 안내함"),
    "invalid": _l("없는 번호를 눌러 메뉴를 다시 안내함"),
}


@dataclass(frozen=True)
class Names:
    """The names a step may mention: fields and counselors by id, field codes too."""

    fields: Mapping[int | str, str]
    counselors: Mapping[int, str]


def _counselor(entry: Mapping[str, Any], names: Names) -> str:
    name = names.counselors.get(entry.get("counselor") or 0)
    return name or _("상담위원")


def describe(entry: Mapping[str, Any], names: Names) -> str:
    """Say what one step of a call was."""
    step = entry.get("step")
    if step in PLAIN_STEPS:
        return str(PLAIN_STEPS[step])
    if step == "language":
        return _("언어 선택: %(language)s", language=label("language", entry.get("language")))
    if step == "field":
        field = names.fields.get(entry.get("field") or 0) or _("알 수 없는 분야")
        return _("분야 선택: %(field)s", field=field)
    if step == "menu_retry":
        return str(MENU_RETRY_REASONS.get(entry.get("reason", ""), MENU_RETRY_REASONS["invalid"]))
    if step == "dial":
        return _(
            "%(nth)s 상담위원(%(name)s)에게 연결 시도",
            nth=ordinal(int(entry.get("position") or 0) + 1),
            name=_counselor(entry, names),
        )
    if step == "connected":
        return _("%(name)s 상담위원과 연결됨", name=_counselor(entry, names))
    if step == "from_queue":
        return _("대기 중에 %(name)s 상담위원과 연결됨", name=_counselor(entry, names))
    if step == "survey":
        return _("만족도 %(score)s점", score=entry.get("score", "—"))
    return _("음성 안내 단계")


def step_time(entry: Mapping[str, Any], tz: ZoneInfo) -> str:
    """Return the local wall-clock time of a step (HH:MM:SS), or "" when it has none."""
    try:
        at = datetime.fromisoformat(str(entry["at"]))
    except (KeyError, ValueError):
        return ""
    return at.astimezone(tz).strftime("%H:%M:%S") if at.tzinfo else at.strftime("%H:%M:%S")


def call_path(steps: list[Any] | None, names: Names, tz: ZoneInfo) -> list[tuple[str, str]]:
    """Return each step of a call as (local time, what happened)."""
    return [
        (step_time(entry, tz), describe(entry, names))
        for entry in steps or []
        if isinstance(entry, Mapping)
    ]
