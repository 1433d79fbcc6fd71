"""Caller stories: reaching a counselor."""

from sqlalchemy import select

from callcenter.models import Call, Consultation, Counselor
from tests.ivr_support import play


def test_caller_pressing_legal_is_put_through_to_the_counselor_on_call(db, walker, on_shift, clock):
    counselor = on_shift("legal")
    transcript = play(walker, "1", "5", counselors=["answers"])
    dial = next(d for d in transcript.documents("/ivr/menu") if d.find("Dial") is not None)
    number = dial.find("Dial/Number")
    assert number.text == counselor.phone
    assert dial.find("Dial").get("callerId") == "+827000000000"
    assert number.get("url")
    assert "1번을 눌러" in transcript.counselor_heard
    call = db.scalar(select(Call))
    assert call.outcome == "connected"
    assert call.connected_counselor_id == counselor.id
    assert call.satisfaction == 5


def test_connected_call_starts_one_draft_phone_consultation(db, walker, on_shift, clock):
    counselor = on_shift("legal")
    play(walker, "1", counselors=["answers"], repeat_callbacks=True)
    drafts = db.scalars(select(Consultation)).all()
    assert len(drafts) == 1
    assert (drafts[0].status, drafts[0].channel) == ("draft", "phone")
    assert drafts[0].counselor_id == counselor.id


def test_counselor_is_free_again_after_the_conversation(db, walker, on_shift, clock):
    counselor = on_shift("legal")
    play(walker, "1", counselors=["answers"])
    db.expire_all()
    assert db.get(Counselor, counselor.id).busy_since is None
    assert db.get(Counselor, counselor.id).last_connected_at is not None
