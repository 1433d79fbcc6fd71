"""The wallboard and the public status against calls: hand-made rows and calls played live."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callcenter.models import Call, CallbackRequest, Voicemail
from callcenter.reporting.live import wallboard
from callcenter.reporting.status import clear_cache
from tests.ivr_support import SEOUL, play


@pytest.fixture(autouse=True)
def fresh_status(settings):
    settings(STATUS_CACHE_SECONDS=0)
    clear_cache()


def add_call(db, sid, field=None, started=None, **columns):
    db.add(Call(call_sid=sid, field_id=field.id if field else None, started_at=started,
                steps=[], **columns))  # fmt: skip


def test_wallboard_shows_who_is_on_call_and_busy(db, clock, on_shift):
    on_shift("legal", name="한가한")
    on_shift("legal", name="바쁜이", busy_since=clock.now - timedelta(minutes=4))
    on_shift("legal", name="잊힌이", busy_since=clock.now - timedelta(hours=3))  # stale flag
    board = wallboard(db, clock.now, SEOUL)
    legal = next(row for row in board.fields if row.field.code == "legal")
    assert sorted((c.name, busy) for c, busy in legal.counselors) == [
        ("바쁜이", True),
        ("잊힌이", False),
        ("한가한", False),
    ]
    assert legal.busy == 1


def test_wallboard_counts_waiting_callers_and_the_longest_wait(db, clock, fields):
    add_call(db, "CA1", fields["legal"], clock.now - timedelta(minutes=3),
             queue_entered_at=clock.now - timedelta(seconds=150))  # fmt: skip
    add_call(db, "CA2", fields["legal"], clock.now - timedelta(minutes=1),
             queue_entered_at=clock.now - timedelta(seconds=40))  # fmt: skip
    add_call(db, "CA3", fields["legal"], clock.now - timedelta(minutes=9),
             queue_entered_at=clock.now - timedelta(minutes=8),
             queue_left_at=clock.now - timedelta(minutes=2))  # fmt: skip
    add_call(db, "CA4", fields["tax"], clock.now - timedelta(hours=5),
             queue_entered_at=clock.now - timedelta(hours=5))  # stale, never closed  # fmt: skip
    db.commit()
    board = wallboard(db, clock.now, SEOUL)
    legal = next(row for row in board.fields if row.field.code == "legal")
    tax = next(row for row in board.fields if row.field.code == "tax")
    assert (legal.waiting, legal.longest_wait) == (2, 150)
    assert (tax.waiting, tax.longest_wait) == (0, None)
    assert board.waiting == 2


def test_wallboard_counts_todays_calls_only(db, clock, fields):
    add_call(db, "CA1", fields["legal"], clock.now - timedelta(hours=2), outcome="connected")
    add_call(db, "CA2", None, clock.now - timedelta(hours=1), outcome="abandoned_menu")
    add_call(db, "CA3", fields["tax"], clock.now - timedelta(minutes=5), outcome="abandoned_queue")
    add_call(db, "CA4", None, clock.now - timedelta(minutes=4), outcome="blocked")
    add_call(db, "CA5", fields["legal"], clock.now - timedelta(days=1), outcome="connected")
    db.commit()
    today = wallboard(db, clock.now, SEOUL).today
    assert (today.offered, today.answered, today.abandoned) == (3, 1, 2)


def test_wallboard_leaves_practice_calls_out(db, clock, fields):
    add_call(db, "CA1", fields["legal"], clock.now - timedelta(hours=2), outcome="connected")
    add_call(db, "CA2", fields["legal"], clock.now - timedelta(hours=1), outcome="connected",
             practice=True)  # fmt: skip
    add_call(db, "CA3", fields["legal"], clock.now - timedelta(minutes=1), practice=True,
             queue_entered_at=clock.now - timedelta(seconds=40))  # fmt: skip
    db.commit()
    board = wallboard(db, clock.now, SEOUL)
    assert (board.today.offered, board.today.answered, board.waiting) == (1, 1, 0)


def test_wallboard_counts_pending_callbacks_and_new_voice_messages(db, clock, fields):
    legal = fields["legal"]
    db.add_all(
        [
            CallbackRequest(field_id=legal.id, status="pending", requested_at=clock.now),
            CallbackRequest(field_id=legal.id, status="done", requested_at=clock.now),
            Voicemail(field_id=legal.id, status="new", created_at=clock.now),
            Voicemail(field_id=legal.id, status="handled", created_at=clock.now),
        ]
    )
    db.commit()
    board = wallboard(db, clock.now, SEOUL)
    row = next(r for r in board.fields if r.field.code == "legal")
    assert (board.pending_callbacks, board.new_voicemails) == (1, 1)
    assert (row.pending_callbacks, row.new_voicemails) == (1, 1)


def test_wallboard_page_and_fragment(client, login, clock, on_shift):
    on_shift("legal", name="홍길동")
    login("coordinator")
    page = client.get("/reports/wallboard").get_data(as_text=True)
    assert "홍길동" in page and 'data-live-src="/reports/wallboard/live"' in page
    fragment = client.get("/reports/wallboard/live").get_data(as_text=True)
    assert "<html" not in fragment and "홍길동" in fragment


def test_wallboard_is_for_coordinators(client):
    assert client.get("/reports/wallboard/live").status_code == 302


# -- calls played with the call walker ----------------------------------------------------


def legal_status(client):
    return next(f for f in client.get("/status.json").get_json()["fields"] if f["code"] == "legal")


def test_status_and_wallboard_count_a_caller_waiting_in_the_queue(
    client, login, walker, on_shift, clock
):
    on_shift("legal", busy_since=clock.now - timedelta(minutes=2))
    login("coordinator")
    seen = []

    def look(_walker, poll):
        if poll == 0:
            seen.append(legal_status(client))
            seen.append(client.get("/reports/wallboard/live").get_data(as_text=True))

    play(walker, "1", queue_polls=2, on_queue_poll=look)
    status, board = seen
    assert status["open_now"] and status["callers_waiting"] == 1
    assert status["estimated_wait_minutes"] == 16  # two callers ahead, one busy counselor
    assert '<dd id="wb-waiting">1</dd>' in board
    after = legal_status(client)
    assert after["callers_waiting"] == 0


def test_wallboard_counts_calls_played_today(client, login, walker, on_shift, clock):
    on_shift("legal")
    play(walker, "1", "5", counselors=["answers"])
    play(walker)  # hangs up in the menu
    login("coordinator")
    board = client.get("/reports/wallboard/live").get_data(as_text=True)
    assert '<dd id="wb-offered">2</dd>' in board
    assert '<dd id="wb-answered">1</dd>' in board
    assert '<dd id="wb-abandoned">1</dd>' in board
    assert legal_status(client)["counselors_on_duty"] == 1


def test_monthly_report_counts_calls_played_with_the_walker(db, walker, on_shift, clock):
    from callcenter.reporting import Period, build_report

    on_shift("legal")
    play(walker, "1", "5", counselors=["answers"])
    play(walker)  # hangs up in the menu
    report = build_report(db, Period.month(2027, 3), SEOUL)
    day = report.calls["2027-03-02"]
    assert (day.offered, day.answered, day.abandoned_menu) == (2, 1, 1)
    assert report.calls_total.satisfaction == 5
    assert report.heatmap[1][14] == 2  # Tuesday, 14:00 local
    assert [(c.calls, c.consultations) for c in report.counselors] == [(1, 0)]


def test_caller_who_hung_up_while_a_phone_rang_counts_as_abandoned(
    client, login, db, walker, on_shift, clock
):
    from callcenter.reporting import Period, build_report

    on_shift("legal")
    play(walker, "1", counselors=["caller-hangs-up"])
    login("coordinator")
    board = client.get("/reports/wallboard/live").get_data(as_text=True)
    assert '<dd id="wb-abandoned">1</dd>' in board
    day = build_report(db, Period.month(2027, 3), SEOUL).calls["2027-03-02"]
    assert (day.offered, day.abandoned_menu, day.abandoned_ringing, day.abandoned) == (1, 0, 1, 1)
