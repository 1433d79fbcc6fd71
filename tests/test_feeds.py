"""Calendar feeds: iCal that any calendar app reads, in Seoul time, revocable."""

from datetime import timedelta

import icalendar

from callcenter.models import CalendarFeed
from schedules.feeds import issue_feed, revoke_feed
from tests.roster_helpers import counselor, weekly


def _events(body: bytes) -> list:
    cal = icalendar.Calendar.from_ical(body)
    return list(cal.walk("VEVENT"))


def test_personal_feed_parses_and_carries_seoul_times(db, fields, make_user, client, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    today = clock.today()
    weekly(db, kim, fields["legal"], today.weekday(), "09:00", "12:00")
    user = make_user("counselor", counselor=kim)
    _, token = issue_feed(db, user, clock.now, counselor=kim)
    db.commit()
    response = client.get(f"/rosters/feeds/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = _events(response.data)
    assert events, "the weekly shift should appear every week"
    start = events[0].decoded("dtstart")
    assert str(start.tzinfo) == "Asia/Seoul"
    assert (start.hour, start.minute) == (9, 0)
    assert events[0].decoded("dtend") - start == timedelta(hours=3)
    assert "DTSTART;TZID=Asia/Seoul:" in response.get_data(as_text=True)
    assert "법률" in str(events[0]["summary"])


def test_personal_feed_lists_only_that_counselors_shifts(db, fields, make_user, client, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    weekly(db, lee, fields["legal"], 1, "09:00", "12:00")
    _, token = issue_feed(db, make_user("counselor", counselor=kim), clock.now, counselor=kim)
    db.commit()
    events = _events(client.get(f"/rosters/feeds/{token}.ics").data)
    assert {e.decoded("dtstart").weekday() for e in events} == {0}


def test_field_feed_names_counselors_and_closure_days(db, fields, make_user, client, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, kim, fields["legal"], 0, "09:00", "12:00")
    _, token = issue_feed(db, make_user("coordinator"), clock.now, field=fields["legal"])
    db.commit()
    events = _events(client.get(f"/rosters/feeds/{token}.ics").data)
    summaries = [str(e["summary"]) for e in events]
    assert any("김변호" in s for s in summaries)
    assert any(s.startswith("휴무:") for s in summaries)


def test_revoked_token_is_refused(db, fields, make_user, client, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    feed, token = issue_feed(db, make_user("counselor", counselor=kim), clock.now, counselor=kim)
    revoke_feed(feed, clock.now)
    db.commit()
    assert client.get(f"/rosters/feeds/{token}.ics").status_code == 404


def test_a_new_personal_feed_revokes_the_old_url(db, fields, make_user, client, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    user = make_user("counselor", counselor=kim)
    _, old = issue_feed(db, user, clock.now, counselor=kim)
    _, new = issue_feed(db, user, clock.now, counselor=kim)
    db.commit()
    assert client.get(f"/rosters/feeds/{old}.ics").status_code == 404
    assert client.get(f"/rosters/feeds/{new}.ics").status_code == 200


def test_unknown_token_is_refused(client):
    assert client.get("/rosters/feeds/not-a-token.ics").status_code == 404


def test_only_a_digest_of_the_token_is_stored(db, fields, make_user, clock):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    feed, token = issue_feed(db, make_user("counselor", counselor=kim), clock.now, counselor=kim)
    assert token not in feed.token_digest


def test_counselor_revokes_their_feed_from_the_page(db, fields, client, login):
    kim = counselor(db, "김변호", "+821011110001", fields["legal"])
    db.commit()
    login("counselor", counselor=kim)
    page = client.post("/rosters/me/feed").get_data(as_text=True)
    token = page.split("/rosters/feeds/")[1].split(".ics")[0]
    assert client.get(f"/rosters/feeds/{token}.ics").status_code == 200
    feed = db.query(CalendarFeed).one()
    client.post(f"/rosters/feeds/{feed.id}/revoke")
    assert client.get(f"/rosters/feeds/{token}.ics").status_code == 404
