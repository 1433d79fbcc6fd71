"""The browser phone page: the call walker played from a keypad."""

from sqlalchemy import select

from callcenter.browser_phone import PhoneCall
from callcenter.models import Call


def test_dialing_plays_the_greeting_and_the_field_menu(client, login, db):
    login("coordinator")
    page = client.post("/phone", data={"dial": "1"}).get_data(as_text=True)
    assert "법률" in page and "노무" in page
    assert db.scalars(select(Call)).first() is not None


def test_pressing_a_key_replays_the_call_with_it(client, login, db):
    login("coordinator")
    page = client.post("/phone", data={"keys": "", "press": "1"}).get_data(as_text=True)
    assert "1 누름" in page
    assert 'name="keys" value="1"' in page


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


def test_a_call_to_an_on_call_counselor_shows_the_whisper_and_opens_their_draft(
    client, login, db, fields, clock
):
    from datetime import time

    from callcenter.models import Consultation, OneOffShift
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
    page = client.post("/phone", data={"keys": "", "press": "1", "leg0": "answers"}).get_data(
        as_text=True
    )
    assert "🎧" in page  # the counselor's whisper
    draft = db.scalars(select(Consultation)).one()
    assert (draft.counselor_id, draft.status) == (kim_id, "draft")
