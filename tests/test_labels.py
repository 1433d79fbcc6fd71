"""Stored codes reach people as words: one name per code, durations and ordinals in words."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from callcenter import labels
from callcenter.call_steps import Names, call_path, describe
from callcenter.labels import details, duration, label, ordinal, years_or_days

SEOUL = ZoneInfo("Asia/Seoul")
NAMES = Names({1: "법률", "legal": "법률"}, {7: "김민준"})


@pytest.fixture
def korean(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def english(app):
    with app.test_request_context("/?lang=en"):
        yield


@pytest.mark.parametrize("kind", sorted(labels.KINDS))
def test_every_kind_names_its_codes_in_korean(korean, kind):
    for code in labels.KINDS[kind]:
        assert label(kind, code) and label(kind, code) != code


@pytest.mark.parametrize("kind", sorted(labels.KINDS))
def test_every_label_has_an_english_name(english, kind):
    untranslated = [code for code in labels.KINDS[kind] if not label(kind, code).isascii()]
    assert untranslated == []


def test_an_unknown_code_is_named_other_not_shown(korean):
    assert label("call_status", "weird-status") == "기타"


def test_a_missing_code_is_a_dash(korean):
    assert label("call_outcome", None) == "—"


def test_the_form_and_the_reports_name_outcomes_alike(korean):
    from callcenter.backoffice.consultation_forms import OUTCOME_LABELS
    from callcenter.reporting.tables import outcome_label

    assert {code: outcome_label(code) for code in OUTCOME_LABELS} == {
        code: str(name) for code, name in OUTCOME_LABELS.items()
    }


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(20, "20초"), (65, "1분 5초"), (3720, "1시간 2분"), (0, "0초"), (None, "—"), (19.6, "20초")],
)
def test_durations_read_in_korean_words(korean, seconds, words):
    assert duration(seconds) == words


def test_durations_read_in_english_words(english):
    assert duration(65) == "1 min 5 s"


@pytest.mark.parametrize(
    ("n", "words"),
    [(1, "첫 번째"), (2, "두 번째"), (11, "열한 번째"), (20, "스무 번째"), (21, "스물한 번째")],
)
def test_ordinals_read_as_korean_words(korean, n, words):
    assert ordinal(n) == words


def test_ordinals_in_english(english):
    assert [ordinal(n) for n in (1, 2, 3, 11, 22)] == ["1st", "2nd", "3rd", "11th", "22nd"]


@pytest.mark.parametrize(
    ("days", "words"), [(1095, "3년"), (365, "1년"), (180, "6개월"), (45, "45일")]
)
def test_retention_periods_read_as_people_count(korean, days, words):
    assert years_or_days(days) == words


def test_a_job_result_reads_as_labelled_counts(korean):
    assert details({"gaps": 2, "new": 1, "sent": 3}) == "근무 공백 2, 새로 알린 공백 1, 보낸 문자 3"


def test_an_audit_detail_names_the_change_in_words(korean):
    assert details({"change": "password reset"}) == "변경 비밀번호 재설정"


def test_a_dial_step_names_the_counselor_and_the_ordinal(korean):
    step = {"step": "dial", "at": "2027-03-02T01:30:05+00:00", "position": 0, "counselor": 7}
    assert describe(step, NAMES) == "첫 번째 상담위원(김민준)에게 연결 시도"


def test_a_call_path_is_in_local_time_without_a_zone_offset(korean):
    steps = [{"step": "greeting", "at": "2027-03-02T01:30:05+00:00"}]
    assert call_path(steps, NAMES, SEOUL) == [("10:30:05", "전화를 받고 인사말을 안내함")]


def test_a_field_step_names_the_field(korean):
    assert describe({"step": "field", "field": 1}, NAMES) == "분야 선택: 법률"


def test_an_unknown_step_is_described_without_its_code(korean):
    assert describe({"step": "new_thing"}, NAMES) == "음성 안내 단계"
