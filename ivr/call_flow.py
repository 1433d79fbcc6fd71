"""The voice line's call flow as data: every step, every branch, and the ending it reaches.

docs/ivr.md draws this table as a Mermaid diagram, written by `python -m ivr.call_flow
docs/ivr.md`; tests/test_call_flow_diagram.py checks that the document holds exactly that
diagram, that every ending of `ivr.endings.ENDINGS` is reached, and that every function a
branch names still exists, so the picture cannot drift from the code.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from ivr.endings import ENDINGS

# Step -> what happens there. `end:<ending>` targets are the line's hang-ups (ENDINGS).
STEPS: dict[str, str] = {
    "voice": "전화가 옴 /ivr/voice: 인사, 녹음·존중 안내",
    "menu": "분야 메뉴: 분야 번호, 0 행정 창구, 9 영어, * 다시 듣기",
    "field": "분야를 고름: 지금 당번이 있는가 (schedules.oncall, 임시 휴무 포함)",
    "ringing": "상담위원 전화가 울림 (예약), 귓속말: 받으려면 1번",
    "queue": "대기 순서: 몇 번째인지, 예상 대기 시간, * 콜백, 1 대기 순서 유지",
    "kept_turn": "대기 순서 유지: 끊어도 순서가 되면 상담위원, 그다음 발신자에게 전화",
    "talking": "상담 중",
    "transfer": "다른 분야로 넘김",
    "survey": "만족도 질문 1~5 (IVR_SURVEY_ENABLED)",
    "desk": "행정 창구로 연결",
    "closed": "상담 시간 아님: 왜 닫혔는가 (why_closed)",
    "closed_now": "임시 휴무: 사유, 덧붙인 말, 다시 여는 시각",
    "holiday": "공휴일: 추석 연휴, 설날 대체공휴일, 선거일 ...",
    "closure_day": "코디네이터가 정한 휴무일과 그 사유",
    "next_session": "다음 상담은 ...에 시작합니다",
    "offer": "1 콜백, 2 음성 메시지, 3 예약 링크 문자 (예약할 수 있을 때)",
    "callback": "콜백: 건 번호 확인, 또는 다른 번호를 눌러 입력",
    "voicemail": "음성 메시지 녹음",
    "caller_left": "발신자가 끊음 (회선이 끊지 않음: 종료 사유 없음)",
    "fallback": "/ivr/fallback: 데이터베이스 없이 사과, 창구 시간이면 창구로",
    "fallback_end": "다시 걸어 달라는 안내 뒤 끊음 (기록 없음)",
}
START = ("voice", "fallback")
TERMINALS = frozenset({"caller_left", "fallback_end"})  # hang-ups that name no ending

# (from, to, when, the function that takes this branch)
BRANCHES: tuple[tuple[str, str, str, str], ...] = (
    ("voice", "end:blocked", "차단 번호", "ivr.webhooks:voice"),
    ("voice", "menu", "", "ivr.menu:menu_gather"),
    ("menu", "menu", "9 언어, * 반복, 잘못 누름·입력 없음", "ivr.menu:retry_or_offer"),
    ("menu", "offer", "IVR_MENU_TRIES번 고르지 못함", "ivr.menu:retry_or_offer"),
    ("menu", "desk", "0, 창구 시간", "ivr.webhooks:menu"),
    ("menu", "field", "분야 번호나 이름", "ivr.flow:choose_field"),
    ("menu", "caller_left", "끊음", "ivr.webhooks:status"),
    ("field", "ringing", "한가한 당번", "ivr.flow:choose_field"),
    ("field", "queue", "당번 모두 통화 중", "ivr.queueing:enqueue"),
    ("field", "closed", "당번 없음", "ivr.offers:announce_next_session"),
    ("closed", "closed_now", "코디네이터가 분야나 회선 전체를 닫음", "ivr.offers:say_why_closed"),
    ("closed", "holiday", "공휴일", "ivr.offers:say_why_closed"),
    ("closed", "closure_day", "휴무일로 정한 날", "ivr.offers:say_why_closed"),
    ("closed", "next_session", "근무 시간 밖", "ivr.offers:announce_next_session"),
    ("closed_now", "next_session", "", "ivr.offers:announce_next_session"),
    ("holiday", "next_session", "", "ivr.offers:announce_next_session"),
    ("closure_day", "next_session", "", "ivr.offers:announce_next_session"),
    ("next_session", "offer", "", "ivr.offers:offer"),
    ("ringing", "talking", "1번을 누름", "ivr.leg_webhooks:whisper_answer_view"),
    ("ringing", "ringing", "안 받음: 다음 한가한 당번", "ivr.flow:ring_next"),
    ("ringing", "queue", "안 받음: 남은 당번은 통화 중", "ivr.flow:ring_next"),
    ("ringing", "offer", "안 받음: 당번 모두 울림", "ivr.flow:ring_next"),
    ("ringing", "caller_left", "끊음", "ivr.flow:after_dial"),
    ("queue", "ringing", "순서가 옴: 상담위원 예약", "ivr.queueing:serve_waiters"),
    ("queue", "callback", "*", "ivr.queue_webhooks:queue_done"),
    ("queue", "kept_turn", "1, 콜백할 수 있는 번호", "ivr.queue_webhooks:queue_key"),
    ("kept_turn", "end:callback", "접수: 순서 그대로, 휴대전화면 문자", "ivr.kept_turn:keep_turn"),
    ("kept_turn", "queue", "콜백할 수 없는 번호: 그 자리에서 기다림", "ivr.kept_turn:keep_turn"),
    ("queue", "offer", "IVR_QUEUE_MAX_WAIT, 당번 모두 쉼", "ivr.queue_webhooks:queue_done"),
    ("queue", "closed", "기다리는 사이 임시 휴무", "ivr.queueing:hold_round"),
    ("queue", "caller_left", "끊음", "ivr.queue_webhooks:queue_done"),
    ("talking", "survey", "통화 끝, 설문 켜짐", "ivr.flow:survey_or_goodbye"),
    ("talking", "end:conversation", "통화 끝, 시간 제한, 폭언으로 끝냄", "ivr.flow:after_dial"),
    ("talking", "transfer", "상담위원이 넘김", "ivr.live_calls:transfer"),
    ("transfer", "ringing", "그 분야의 한가한 당번", "ivr.flow:arrive_transferred"),
    ("transfer", "queue", "그 분야 대기 순서 (기다린 시간 유지)", "ivr.flow:arrive_transferred"),
    ("transfer", "closed", "그 분야에 당번 없음", "ivr.flow:arrive_transferred"),
    ("transfer", "offer", "콜백으로 넘김", "ivr.flow:arrive_transferred"),
    ("transfer", "end:call_again", "그 분야가 없어짐", "ivr.live_call_webhooks:transferred"),
    ("survey", "end:conversation", "", "ivr.offer_webhooks:survey"),
    ("desk", "end:conversation", "창구가 받음", "ivr.webhooks:desk_done"),
    ("desk", "offer", "창구가 안 받음", "ivr.webhooks:desk_done"),
    ("offer", "callback", "1", "ivr.offers:start_callback"),
    ("offer", "voicemail", "2, 또는 끝내 누르지 않음", "ivr.offers:start_voicemail"),
    ("offer", "end:booking_link", "3", "ivr.booking_link:send_booking_link"),
    ("offer", "offer", "잘못 누름", "ivr.offer_webhooks:offer_choice"),
    ("callback", "end:callback", "접수, 휴대전화면 문자", "ivr.offers:request_callback"),
    ("callback", "end:call_again", "콜백 한도를 넘음", "ivr.offers:request_callback"),
    ("callback", "voicemail", "쓸 수 있는 번호를 못 받음", "ivr.offer_webhooks:callback_number"),
    ("voicemail", "end:voice_message", "녹음됨", "ivr.offer_webhooks:voicemail_done"),
    ("voicemail", "end:call_again", "아무 말 없음", "ivr.offer_webhooks:voicemail_done"),
    ("fallback", "desk", "창구 시간", "ivr.webhooks:fallback"),
    ("fallback", "fallback_end", "창구 시간 밖", "ivr.webhooks:fallback"),
)

BEGIN = "<!-- call-flow diagram: written by `python -m ivr.call_flow docs/ivr.md` -->"
END = "<!-- end of call-flow diagram -->"


def endings_reached() -> set[str]:
    """Return the endings of ENDINGS that some branch reaches."""
    return {
        target.removeprefix("end:") for _, target, _, _ in BRANCHES if target.startswith("end:")
    }


def missing_functions() -> list[str]:
    """Return the branches' functions that no longer exist."""
    missing = []
    for *_, where in BRANCHES:
        module, name = where.split(":")
        if not hasattr(importlib.import_module(module), name):
            missing.append(where)
    return missing


def _node(step: str) -> str:
    """Return a step's Mermaid node: a box, or a rounded end."""
    if step.startswith("end:"):
        ending = step.removeprefix("end:")
        return f'end_{ending}(["끝: {ending}<br/>{ENDINGS[ending]}"])'
    shape = ('(["', '"])') if step in TERMINALS else ('["', '"]')
    return f"{step}{shape[0]}{STEPS[step]}{shape[1]}"


def mermaid() -> str:
    """Return the whole call flow as a Mermaid flowchart."""
    lines = ["flowchart TD"]
    lines += [f"    {_node(step)}" for step in STEPS]
    lines += [f"    {_node('end:' + ending)}" for ending in ENDINGS]
    for source, target, when, _ in BRANCHES:
        name = target.replace("end:", "end_")
        arrow = f' -->|"{when}"| ' if when else " --> "
        lines.append(f"    {source}{arrow}{name}")
    return "\n".join(lines)


def block() -> str:
    """Return the diagram as docs/ivr.md holds it, between its markers."""
    return f"{BEGIN}\n```mermaid\n{mermaid()}\n```\n{END}"


def rewrite(text: str) -> str:
    """Return a document with its diagram block replaced by the current one."""
    head, _, rest = text.partition(BEGIN)
    _, found, tail = rest.partition(END)
    if not found:
        raise ValueError("the document has no call-flow diagram markers")
    return head + block() + tail


def main(argv: list[str]) -> int:
    """Rewrite the diagram in the named document (docs/ivr.md)."""
    path = Path(argv[1] if len(argv) > 1 else "docs/ivr.md")
    path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
