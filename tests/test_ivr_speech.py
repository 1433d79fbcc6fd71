"""Dates, times and numbers as the line says them; the menu's reading of answers."""

from datetime import UTC, datetime

import pytest

from callcenter.models import Field
from ivr.menu import interpret
from ivr.speech import spoken_minutes, spoken_number, spoken_when
from tests.ivr_support import SEOUL

NOW = datetime(2027, 2, 26, 20, 0, tzinfo=SEOUL)  # a Friday evening


@pytest.mark.parametrize(
    ("at", "korean"),
    [
        (datetime(2027, 3, 2, 14, 0, tzinfo=SEOUL), "3월 2일 화요일 오후 2시"),
        (datetime(2027, 3, 2, 10, 30, tzinfo=SEOUL), "3월 2일 화요일 오전 10시 30분"),
        (datetime(2027, 3, 2, 12, 0, tzinfo=SEOUL), "3월 2일 화요일 낮 12시"),
        (datetime(2027, 2, 27, 9, 0, tzinfo=SEOUL), "내일 2월 27일 토요일 오전 9시"),
        (datetime(2027, 2, 26, 21, 0, tzinfo=SEOUL), "오늘 오후 9시"),
    ],
)
def test_next_session_is_spoken_naturally_in_korean(at, korean):
    assert spoken_when(at, NOW, SEOUL, "ko") == korean


def test_next_session_is_spoken_in_english():
    at = datetime(2027, 3, 2, 14, 30, tzinfo=SEOUL)
    assert spoken_when(at, NOW, SEOUL, "en") == "on Tuesday, March 2, at 2:30 PM"


def test_instants_are_spoken_in_the_line_time_zone():
    at = datetime(2027, 3, 1, 20, 0, tzinfo=UTC)
    assert spoken_when(at, NOW, SEOUL, "ko") == "3월 2일 화요일 오전 5시"


def test_phone_numbers_are_read_digit_by_digit_in_groups():
    assert spoken_number("+821055551234") == "0 1 0, 5 5 5 5, 1 2 3 4"


def test_waits_are_rounded_up_to_whole_minutes():
    assert (spoken_minutes(0), spoken_minutes(61), spoken_minutes(240)) == (1, 2, 4)


FIELDS = [
    Field(code="legal", digit="1", name_ko="법률", name_en="Legal"),
    Field(code="tax", digit="3", name_ko="세무", name_en="Tax"),
]


@pytest.mark.parametrize(
    ("digits", "speech", "kind", "code"),
    [
        ("3", "", "field", "tax"),
        ("", "세무 상담이요", "field", "tax"),
        ("", "legal advice please", "field", "legal"),
        ("9", "", "english", None),
        ("*", "", "repeat", None),
        ("7", "", "invalid", None),
        ("", "", "none", None),
        ("0", "", "desk_closed", None),
    ],
)
def test_menu_reads_keys_and_speech(digits, speech, kind, code):
    choice = interpret(digits, speech, FIELDS, desk_open=False)
    assert choice.kind == kind
    assert (choice.field.code if choice.field else None) == code
