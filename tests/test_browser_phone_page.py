"""The browser phone page: the call walker played from a keypad."""

import re

from sqlalchemy import select

from callcenter.browser_phone import PhoneCall
from callcenter.models import Call, Consultation


def _press(client, page: str, **form: str) -> str:
    """Post the keypad form again with the call the page holds."""
    sealed = re.search(r'name="call" value="([^"]*)"', page)
    assert sealed is not None
    return client.post("/phone", data={"call": sealed.group(1), **form}).get_data(as_text=True)


def test_dialing_plays_the_greeting_and_the_field_menu(client, login, db):
    login("coordinator")
    page = client.post("/phone", data={"dial": "1"}).get_data(as_text=True)
    assert "법률" in page and "노무" in page
    assert db.scalars(select(Call)).first() is not None


def test_pressing_a_key_continues_the_same_call(client, login, db):
    login("coordinator")
    page = client.post("/phone", data={"dial": "1"}).get_data(as_text=True)
    page = _press(client, page, press="1")
    assert "1 누름" in page
    assert page.count("전화가 옵니다") == 1
    assert len(db.scalars(select(Call)).all()) == 1


def test_dial_1_5_is_one_practice_call_with_at_most_one_draft(client, login, db):
    login("coordinator")
    page = client.post("/phone", data={"dial": "1"}).get_data(as_text=True)
    page = _press(client, page, press="1")
    _press(client, page, press="5")
    calls = db.scalars(select(Call)).all()
    assert len(calls) == 1 and calls[0].practice
    assert len(db.scalars(select(Consultation)).all()) <= 1


def test_hanging_up_ends_the_practice_call(client, login, db):
    login("coordinator")
    page = client.post("/phone", data={"dial": "1"}).get_data(as_text=True)
    page = _press(client, page, hangup="1")
    assert "통화 종료" in page
    db.expire_all()
    assert db.scalars(select(Call)).one().ended_at is not None


def test_an_altered_call_field_starts_nothing(client, login, db):
    login("coordinator")
    client.post("/phone", data={"call": "forged", "press": "1"})
    assert db.scalars(select(Call)).first() is None


def test_silence_is_kept_between_presses():
    call = PhoneCall.parse("", "-|1", ["answers"])
    assert call.keys == ["", "1"]
    assert call.keys_field == "-|1"


def test_keys_the_walker_cannot_play_are_dropped():
    call = PhoneCall.parse("+821055551234", "1|<script>|2", ["answers", "explodes"])
    assert call.keys == ["1", "2"] and call.counselors == ["answers"]


def test_browser_phone_refuses_outside_sandbox_mode(app, client, login, db):
    login("coordinator")
    app.config["SANDBOX"] = False
    try:
        response = client.post("/phone", data={"dial": "1"})
    finally:
        app.config["SANDBOX"] = True
    assert response.status_code == 409
    assert db.scalars(select(Call)).first() is None


def test_a_practice_call_to_an_on_call_counselor_shows_the_whisper_and_opens_no_draft(
    client, login, db, fields, clock
):
    from datetime import time

    from callcenter.models import OneOffShift
    from tests import backoffice_data as data

    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.add(
        OneOffShift(
            counselor_id=kim.id,
            field_id=fields["legal"].id,
            date=data.WHEN.date(),
            start_time=time(9, 0),
            end_time=time(18, 0),
        )
    )
    db.commit()
    kim_id = kim.id
    login("coordinator")
    clock.now = data.WHEN  # 10:30 in Seoul, inside the shift
    page = client.post("/phone", data={"dial": "1", "leg0": "answers"}).get_data(as_text=True)
    page = _press(client, page, press="1")
    assert "🎧" in page  # the counselor's whisper
    call = db.scalars(select(Call)).one()
    assert (call.connected_counselor_id, call.practice) == (kim_id, True)
    assert db.scalars(select(Consultation)).first() is None
