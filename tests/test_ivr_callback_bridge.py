"""Counselor stories: calling a citizen back through the line."""

from callcenter.models import CallbackRequest, PromptOverride
from ivr import prompts
from tests import backoffice_data as data

CITIZEN = "+821044443333"


def claimed_request(db, counselor) -> CallbackRequest:
    request = data.callback(
        db, counselor.fields[0], CITIZEN, status="claimed", claimed_by_id=counselor.id
    )
    db.commit()
    return request


def test_coordinator_wording_is_what_the_counselor_hears(db, call_back, on_shift, clock):
    counselor = on_shift("legal")
    request = claimed_request(db, counselor)
    db.add(
        PromptOverride(
            key="callback_bridge_intro", language="ko", text="시민 회신 전화입니다. 1번을 누르세요."
        )
    )
    db.commit()
    prompts.forget_overrides()
    try:
        assert "시민 회신 전화입니다. 1번을 누르세요." in call_back(request.id, "1").heard
    finally:
        prompts.forget_overrides()


def test_every_prompt_has_korean_and_english():
    assert [key for key, texts in prompts.CATALOGUE.items() if set(texts) != {"ko", "en"}] == []
