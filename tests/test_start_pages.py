"""Each role's start page: a counselor's next tasks, the coordinator's line today."""

from __future__ import annotations

from datetime import date, time, timedelta

from callcenter.models import CallLeg, OutboxMessage, Unavailability
from tests import backoffice_data as data
from tests import roster_helpers as roster
from tests.ivr_support import TUESDAY_AFTERNOON

TUESDAY = date(2027, 3, 2)  # TUESDAY_AFTERNOON's date, 14:30 in Seoul


def test_counselor_sees_their_next_shifts(client, login, clock, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    roster.weekly(db, kim, fields["legal"], 3, "10:00", "12:00")  # Thursdays
    db.commit()
    login("counselor", counselor=kim)
    page = client.get("/").get_data(as_text=True)
    assert "내 할 일" in page
    assert "2027-03-04 (목) 10:00–12:00" in page


def test_counselor_sees_drafts_to_finish(client, login, clock, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    draft = data.consultation(db, fields["legal"], kim)
    db.commit()
    login("counselor", counselor=kim)
    page = client.get("/").get_data(as_text=True)
    assert f"/consultations/{draft.id}/edit" in page


def test_counselor_sees_their_callbacks_and_voice_messages(client, login, clock, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.callback(db, fields["legal"], "+821044441111", status="claimed", claimed_by_id=kim.id)
    message = data.voicemail(db, fields["legal"], assigned_to_id=kim.id, status="assigned")
    db.commit()
    login("counselor", counselor=kim)
    page = client.get("/").get_data(as_text=True)
    assert "010-****-1111" in page
    assert f"/voicemails/{message.id}" in page


def test_counselor_sees_todays_booked_callbacks_first(client, login, clock, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.callback(
        db,
        fields["legal"],
        "+821044442222",
        preferred_date=TUESDAY,
        preferred_from=time(15, 0),
        preferred_until=time(16, 0),
    )
    db.commit()
    login("counselor", counselor=kim)
    page = client.get("/").get_data(as_text=True)
    assert "오늘 약속한 콜백" in page and "15:00–16:00" in page


def test_counselor_does_not_see_another_counselors_voice_message(client, login, clock, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lee = data.counselor(db, "이변호", "+821033334444", fields["legal"])
    theirs = data.voicemail(db, fields["legal"], assigned_to_id=lee.id, status="assigned")
    db.commit()
    login("counselor", counselor=kim)
    assert f"/voicemails/{theirs.id}" not in client.get("/").get_data(as_text=True)


def away_today(db, who) -> None:  # type: ignore[no-untyped-def]
    """Mark a counselor unavailable for the whole of TUESDAY."""
    start = roster.seoul(TUESDAY, 0)
    db.add(Unavailability(counselor_id=who.id, starts_at=start, ends_at=start + timedelta(days=1)))
    db.flush()


def test_coordinator_sees_todays_roster_and_its_gaps(client, login, clock, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    lee = data.counselor(db, "이변호", "+821033334444", fields["legal"])
    roster.weekly(db, kim, fields["legal"], 1, "14:00", "15:00")  # Tuesdays
    roster.weekly(db, lee, fields["legal"], 1, "15:00", "17:00")
    away_today(db, lee)
    db.commit()
    login("coordinator")
    page = client.get("/").get_data(as_text=True)
    legal = page[page.index('data-field="legal"') :]
    legal = legal[: legal.index("</tr>")]
    assert "14:00–15:00 김변호" in legal
    assert "공백</span> 15:00–17:00" in legal


def test_coordinator_sees_who_is_on_a_call(client, login, clock, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    roster.weekly(db, kim, fields["legal"], 1, "14:00", "17:00")
    kim.busy_since = TUESDAY_AFTERNOON - timedelta(minutes=3)
    db.commit()
    login("coordinator")
    page = client.get("/").get_data(as_text=True)
    assert "김변호 · 통화 중" in page


def test_coordinator_sees_the_queue_and_open_follow_ups(client, login, clock, db, fields):
    data.call(
        db,
        fields["tax"],
        call_sid="CA-waiting",
        started_at=TUESDAY_AFTERNOON - timedelta(minutes=2),
        queue_entered_at=TUESDAY_AFTERNOON - timedelta(minutes=2),
    )
    data.callback(db, fields["tax"])
    data.voicemail(db, fields["tax"])
    db.commit()
    login("coordinator")
    page = client.get("/").get_data(as_text=True)
    for tile in ("home-waiting", "home-callbacks", "home-voicemails"):
        assert f'id="{tile}">1<' in page, tile


def test_coordinator_is_warned_of_gaps_this_week(client, login, clock, db, fields):
    lee = data.counselor(db, "이변호", "+821033334444", fields["legal"])
    roster.weekly(db, lee, fields["legal"], 1, "15:00", "17:00")
    away_today(db, lee)
    db.commit()
    login("coordinator")
    page = client.get("/").get_data(as_text=True)
    assert 'data-alert="gap"' in page and "법률 분야: 앞으로 7일 동안" in page


def test_coordinator_is_not_warned_when_the_week_is_covered(client, login, clock, db, fields):
    lee = data.counselor(db, "이변호", "+821033334444", fields["legal"])
    roster.weekly(db, lee, fields["legal"], 1, "15:00", "17:00")
    db.commit()
    login("coordinator")
    assert 'data-alert="gap"' not in client.get("/").get_data(as_text=True)


def test_coordinator_is_warned_of_messages_that_failed(client, login, clock, db):
    db.add(
        OutboxMessage(
            kind="sms",
            to="+821044443333",
            body="안내",
            status="failed",
            created_at=TUESDAY_AFTERNOON,
        )
    )
    db.commit()
    login("coordinator")
    page = client.get("/").get_data(as_text=True)
    assert 'data-alert="failed"' in page and "보내지 못한 문자·전화 1건" in page


def test_coordinator_is_warned_of_a_counselor_not_answering(client, login, clock, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    call = data.call(db, fields["legal"], started_at=TUESDAY_AFTERNOON - timedelta(hours=1))
    for position, minutes in enumerate((10, 20, 30)):
        db.add(
            CallLeg(
                call_id=call.id,
                position=position,
                counselor_id=kim.id,
                leg_sid=f"CL{minutes}",
                started_at=TUESDAY_AFTERNOON - timedelta(minutes=minutes),
                result="failed",
            )
        )
    db.commit()
    login("coordinator")
    page = client.get("/").get_data(as_text=True)
    assert 'data-alert="not-answering"' in page and "김변호 님" in page


def test_start_pages_and_menu_read_in_english_when_chosen(client, login, clock, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    db.commit()
    login("counselor", counselor=kim)
    page = client.get("/?lang=en").get_data(as_text=True)
    assert "My tasks" in page and "Callbacks and voice messages" in page
    assert "내 할 일" not in page
