"""Coordinators reword what the voice line says, per prompt and language, or reset it."""

import pytest
from sqlalchemy import select

from callcenter.backoffice.prompt_wording import PROMPT_GROUPS
from callcenter.models import AuditEvent, PromptOverride
from ivr import prompts
from ivr.wording import MAX_LENGTH, WordingError, checked_wording
from tests import backoffice_data as data
from tests.ivr_support import play

GREETING = "의정부시 무료 전문상담 전화입니다."


@pytest.fixture(autouse=True)
def fresh_wording():
    """Keep one test's cached wording out of the next test's calls."""
    prompts.forget_overrides()
    yield
    prompts.forget_overrides()


def reword(client, key: str, language: str, text: str):  # type: ignore[no-untyped-def]
    return client.post(f"/line/prompts/{key}/{language}", data={"text": text})


def saved(db) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(o.key, o.language, o.text) for o in db.scalars(select(PromptOverride))]


def test_counselor_cannot_reword_the_line(client, login, db, fields):
    login("counselor", counselor=data.counselor(db, "김변호", "+821011112222", fields["legal"]))
    assert client.get("/line/prompts").status_code == 403
    assert reword(client, "greeting", "ko", GREETING).status_code == 403
    assert client.post("/line/prompts/greeting/ko/reset").status_code == 403
    assert saved(db) == []


def test_every_prompt_is_listed_once_under_where_it_is_heard():
    grouped = [key for _place, keys in PROMPT_GROUPS for key in keys]
    assert sorted(grouped) == sorted(prompts.CATALOGUE)


def test_prompt_list_shows_both_defaults_and_the_current_wording(client, login, db):
    db.add(PromptOverride(key="goodbye", language="en", text="Take care. Goodbye."))
    db.commit()
    login("coordinator")
    page = client.get("/line/prompts").get_data(as_text=True)
    for key in prompts.CATALOGUE:
        assert f'id="prompt-{key}"' in page
    assert "이용해 주셔서 감사합니다. 안녕히 계십시오." in page
    assert "Thank you for calling. Goodbye." in page
    assert "Take care. Goodbye." in page
    assert "통화를 마칠 때" in page


def test_edit_form_starts_from_the_current_wording(client, login, db):
    db.add(PromptOverride(key="greeting", language="ko", text=GREETING))
    db.commit()
    login("coordinator")
    page = client.get("/line/prompts/greeting/ko").get_data(as_text=True)
    assert f"{GREETING}</textarea>" in page
    assert "안녕하세요. 시민 무료 전문상담 전화입니다." in page  # the default, for reference


def test_reworded_greeting_is_heard_on_the_next_call(client, login, db, walker, clock):
    play(walker)  # this worker has read the overrides before the change
    login("coordinator")
    assert reword(client, "greeting", "ko", GREETING).status_code == 302
    heard = play(walker).heard
    assert GREETING in heard
    assert "안녕하세요. 시민 무료 전문상담 전화입니다." not in heard


def test_saving_keeps_this_workers_other_wording_for_calls_under_way(client, login, db):
    db.add(PromptOverride(key="goodbye", language="ko", text="안녕히 계십시오."))
    db.commit()
    prompts.refresh_overrides(db, force=True)
    login("coordinator")
    reword(client, "greeting", "ko", GREETING)
    assert prompts.text("goodbye") == "안녕히 계십시오."
    assert prompts.text("greeting") == GREETING


def test_reworded_prompt_fills_in_its_placeholder(client, login, db, walker, clock, on_shift):
    on_shift("legal")
    login("coordinator")
    reword(client, "connecting", "ko", "곧 {field} 상담위원과 연결됩니다.")
    transcript = play(walker, "1", counselors=["answers"])
    assert "곧 법률 상담위원과 연결됩니다." in transcript.heard


def test_english_wording_is_heard_after_choosing_english(client, login, db, walker, clock):
    login("coordinator")
    reword(client, "menu_repeat", "en", "Press star to hear the choices again.")
    heard = play(walker, "9").heard
    assert "Press star to hear the choices again." in heard
    assert "다시 들으시려면 별표를 눌러 주세요." in heard  # Korean wording unchanged


def test_wording_without_its_placeholder_is_refused(client, login, db):
    login("coordinator")
    response = reword(client, "connecting", "ko", "상담위원에게 연결합니다.")
    assert response.status_code == 422
    assert "자리 표시 {field}를 그대로 넣어야" in response.get_data(as_text=True)
    assert saved(db) == []


def test_wording_with_another_placeholder_is_refused(client, login, db):
    login("coordinator")
    response = reword(client, "connecting", "ko", "{field} 상담위원 {name}에게 연결합니다.")
    assert response.status_code == 422
    assert saved(db) == []


def test_placeholder_in_a_prompt_that_has_none_is_refused(client, login, db):
    login("coordinator")
    response = reword(client, "greeting", "ko", "{city} 상담 전화입니다.")
    assert response.status_code == 422
    assert "자리 표시를 넣을 수 없습니다" in response.get_data(as_text=True)
    assert saved(db) == []


def test_unpaired_brace_is_refused(client, login, db):
    login("coordinator")
    response = reword(client, "connecting", "ko", "{field 상담위원에게 연결합니다.")
    assert response.status_code == 422
    assert "짝이 맞지 않습니다" in response.get_data(as_text=True)
    assert saved(db) == []


def test_placeholder_with_a_format_is_refused():
    with pytest.raises(WordingError) as refused:
        checked_wording("queue_position", "ko", "{place:d}, 약 {minutes}분")
    assert refused.value.expected == {"{place}", "{minutes}"}


def test_empty_wording_is_refused_and_points_to_reset(client, login, db):
    login("coordinator")
    response = reword(client, "greeting", "ko", "   ")
    assert response.status_code == 422
    assert "기본 문구로 되돌리기" in response.get_data(as_text=True)
    assert saved(db) == []


def test_overlong_wording_is_refused(client, login, db):
    login("coordinator")
    response = reword(client, "greeting", "ko", "가" * (MAX_LENGTH + 1))
    assert response.status_code == 422
    assert f"{MAX_LENGTH}자까지" in response.get_data(as_text=True)
    assert saved(db) == []


def test_saving_again_replaces_the_wording(client, login, db):
    login("coordinator")
    reword(client, "goodbye", "ko", "감사합니다.")
    reword(client, "goodbye", "ko", "  안녕히 계십시오.  ")
    assert saved(db) == [("goodbye", "ko", "안녕히 계십시오.")]


def test_reset_brings_back_the_default_wording(client, login, db, walker, clock):
    login("coordinator")
    reword(client, "greeting", "ko", GREETING)
    assert GREETING in play(walker).heard
    assert client.post("/line/prompts/greeting/ko/reset").status_code == 302
    assert saved(db) == []
    heard = play(walker).heard
    assert GREETING not in heard
    assert "안녕하세요. 시민 무료 전문상담 전화입니다." in heard


def test_rewording_and_resetting_are_audited(client, login, db):
    user = login("coordinator")
    reword(client, "greeting", "en", "Hello, this is the advice line.")
    override_id = db.scalar(select(PromptOverride.id))
    client.post("/line/prompts/greeting/en/reset")
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("edit", "prompt", override_id),
        ("delete", "prompt", override_id),
    ]
    assert all(e.detail == {"key": "greeting", "language": "en"} for e in events)
    assert all(e.user_id == user.id for e in events)


@pytest.mark.parametrize("path", ["/line/prompts/no_such_prompt/ko", "/line/prompts/greeting/fr"])
def test_unknown_prompt_or_language_is_not_found(client, login, path):
    login("coordinator")
    assert client.get(path).status_code == 404


def test_wording_with_a_control_character_is_refused(client, login, db):
    login("coordinator")
    response = reword(client, "greeting", "ko", "의정부시\x01\x0b 상담 전화입니다.")
    assert response.status_code == 422
    assert "제어 문자" in response.get_data(as_text=True)
    assert saved(db) == []


def test_stored_wording_with_control_characters_still_gives_valid_twiml(db, walker, clock):
    db.add(PromptOverride(key="greeting", language="ko", text="의정부시\x01\x0b 상담 전화입니다."))
    db.commit()
    heard = play(walker).heard
    assert "의정부시 상담 전화입니다." in heard
    assert "법률" in heard  # the field menu follows: the answer was read as TwiML
