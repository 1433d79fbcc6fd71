"""The busy board: each worker's copy of who is on a call, kept by PostgreSQL notifications."""

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from callcenter.models import Call
from ivr import busy_board, reader
from ivr.busy_board import APPLICATION_NAME, BusyBoard, conninfo
from ivr.reservations import free_counselors
from tests.ivr_support import SEOUL, play


def eventually(predicate, timeout=5.0):
    """Wait until `predicate()` holds; notifications arrive a moment after a commit."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def board(app, db, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("notifications are PostgreSQL's; on SQLite every menu choice reads")
    listening = BusyBoard(conninfo(db.get_bind().url), heartbeat=0.2)
    listening.start()
    assert eventually(lambda: listening.live)
    yield listening
    listening.stop()


def from_table(db, ids, now):
    """What the database says without a board."""
    return free_counselors(db, ids, now)


def test_board_orders_free_counselors_as_the_table_read_does(board, db, on_shift, clock):
    never, earlier, later, busy, stale = (on_shift("legal") for _ in range(5))
    later.last_connected_at = clock.now - timedelta(minutes=5)
    earlier.last_connected_at = clock.now - timedelta(days=2)
    busy.busy_since = clock.now - timedelta(minutes=1)
    stale.busy_since = clock.now - timedelta(hours=5)
    stale.last_connected_at = clock.now - timedelta(days=1)
    db.commit()
    ids = [c.id for c in (later, busy, stale, earlier, never)]
    now = clock.now
    expected = [(c.id, c.phone) for c in (never, earlier, stale, later)]
    assert from_table(db, ids, clock.now) == expected
    assert eventually(lambda: board.free_in_dial_order(ids, now) == expected)


def test_board_learns_a_busy_flag_a_moment_after_its_commit(board, db, on_shift, clock):
    counselor = on_shift("legal")
    db.commit()
    ids, now = [counselor.id], clock.now
    assert eventually(
        lambda: board.free_in_dial_order(ids, now) == [(counselor.id, counselor.phone)]
    )
    counselor.busy_since = clock.now
    db.commit()
    assert eventually(lambda: board.free_in_dial_order(ids, now) == [])
    counselor.busy_since = None
    db.commit()
    assert eventually(
        lambda: board.free_in_dial_order(ids, now) == [(counselor.id, counselor.phone)]
    )


def test_board_does_not_answer_for_a_counselor_it_does_not_know(board, clock):
    assert board.free_in_dial_order([987654], clock.now) is None


def test_board_forgets_a_removed_counselor(board, db, on_shift, clock):
    counselor = on_shift("legal")
    db.commit()
    ids = [counselor.id]
    assert eventually(lambda: board.free_in_dial_order(ids, clock.now) is not None)
    db.execute(text("DELETE FROM weekly_shifts"))
    db.execute(text("DELETE FROM counselor_fields"))
    db.delete(counselor)
    db.commit()
    assert eventually(lambda: board.free_in_dial_order(ids, clock.now) is None)


def announce(db, payload):
    db.execute(text("SELECT pg_notify('counselor_state', :payload)"), {"payload": payload})
    db.commit()


def test_board_takes_the_state_from_the_notification_without_reading_the_row(
    board, db, on_shift, clock
):
    counselor = on_shift("legal")
    db.commit()
    ids, now = [counselor.id], clock.now
    assert eventually(lambda: board.free_in_dial_order(ids, now) is not None)
    # What the announcement says, though the row itself is free.
    busy = (clock.now - timedelta(minutes=1)).replace(tzinfo=None).isoformat()
    announce(db, json.dumps([counselor.id, counselor.phone, busy, None, None, None]))
    assert eventually(lambda: board.free_in_dial_order(ids, now) == [])


def test_board_keeps_a_state_that_came_back_within_one_transaction(board, db, on_shift, clock):
    counselor = on_shift("legal")
    db.commit()
    ids, now = [counselor.id], clock.now
    assert eventually(lambda: board.free_in_dial_order(ids, now) is not None)
    until = clock.now + timedelta(seconds=50)
    for reserved in (until, None, until):  # rung, released, rung again: one commit
        counselor.reserved_call_sid = "CAringing" if reserved else None
        counselor.reserved_position = 0 if reserved else None
        counselor.reserved_until = reserved
        db.flush()
    db.commit()
    assert eventually(lambda: board.free_in_dial_order(ids, now) == [])
    time.sleep(0.3)  # and stays so: no later announcement says otherwise
    assert board.free_in_dial_order(ids, now) == []


def test_board_reads_the_row_again_for_an_announcement_of_its_id_alone(board, db, on_shift, clock):
    counselor = on_shift("legal")
    db.commit()
    ids, now = [counselor.id], clock.now
    busy = (clock.now - timedelta(minutes=1)).replace(tzinfo=None).isoformat()
    announce(db, json.dumps([counselor.id, counselor.phone, busy, None, None, None]))
    assert eventually(lambda: board.free_in_dial_order(ids, now) == [])
    announce(db, str(counselor.id))  # as the trigger before migration 0820 announced
    assert eventually(
        lambda: board.free_in_dial_order(ids, now) == [(counselor.id, counselor.phone)]
    )


def test_board_answers_nothing_without_its_connection_and_catches_up_after(
    board, db, on_shift, clock
):
    counselor = on_shift("legal")
    db.commit()
    ids, now = [counselor.id], clock.now
    assert eventually(
        lambda: board.free_in_dial_order(ids, now) == [(counselor.id, counselor.phone)]
    )
    db.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"
        ),
        {"name": APPLICATION_NAME},
    )
    counselor.busy_since = clock.now  # committed while nobody listens
    db.commit()
    assert eventually(lambda: not board.live)
    assert board.free_in_dial_order(ids, now) is None
    assert eventually(lambda: board.free_in_dial_order(ids, now) == [])


def test_stopped_board_answers_nothing(board, db, on_shift, clock):
    counselor = on_shift("legal")
    db.commit()
    assert eventually(lambda: board.free_in_dial_order([counselor.id], clock.now) is not None)
    board.stop()
    assert board.free_in_dial_order([counselor.id], clock.now) is None


def test_menu_choice_tries_no_reservation_when_the_board_knows_everyone_is_engaged(
    app, board, db, walker, on_shift, clock, settings, monkeypatch
):
    busy = on_shift("legal")
    busy.busy_since = clock.now - timedelta(minutes=3)
    db.commit()
    assert eventually(lambda: board.free_in_dial_order([busy.id], clock.now) == [])
    settings(IVR_BUSY_BOARD=True)
    monkeypatch.setitem(app.extensions, "ivr_busy_board", board)

    def no_write(*args):
        raise AssertionError("the board knew; a reservation was tried")

    monkeypatch.setattr(reader, "_fetch", no_write)
    transcript = play(walker, "1", queue_polls=1)
    assert "대기열 field-legal에 들어감" in transcript.events


def test_board_learns_a_reservation_a_moment_after_its_commit(board, db, on_shift, clock):
    counselor = on_shift("legal")
    db.commit()
    assert eventually(
        lambda: (
            board.free_in_dial_order([counselor.id], clock.now) == [(counselor.id, counselor.phone)]
        )
    )
    counselor.reserved_call_sid, counselor.reserved_position = "CAringing", 0
    counselor.reserved_until = clock.now + timedelta(seconds=50)
    db.commit()
    assert eventually(lambda: board.free_in_dial_order([counselor.id], clock.now) == [])
    assert board.free_in_dial_order([counselor.id], clock.now + timedelta(minutes=1)) == [
        (counselor.id, counselor.phone)
    ]


def test_board_learns_a_pause_a_moment_after_its_commit(board, db, on_shift, clock):
    counselor = on_shift("legal")
    db.commit()
    assert eventually(
        lambda: (
            board.free_in_dial_order([counselor.id], clock.now) == [(counselor.id, counselor.phone)]
        )
    )
    counselor.paused_until = clock.now + timedelta(hours=2)
    db.commit()
    assert eventually(lambda: board.free_in_dial_order([counselor.id], clock.now) == [])
    assert board.free_in_dial_order([counselor.id], clock.now + timedelta(hours=3)) == [
        (counselor.id, counselor.phone)
    ]


def test_paused_counselor_is_not_rung_with_the_board_listening(
    app, board, db, walker, on_shift, clock, settings, monkeypatch
):
    settings(IVR_BUSY_BOARD=True)
    monkeypatch.setitem(app.extensions, "ivr_busy_board", board)
    kim = on_shift("legal", name="김변호")
    lee = on_shift("legal", name="이세무")
    kim.paused_until = clock.now + timedelta(hours=2)
    db.commit()
    assert eventually(
        lambda: board.free_in_dial_order([kim.id, lee.id], clock.now) == [(lee.id, lee.phone)]
    )
    transcript = play(walker, "1", counselors=["answers"])
    assert kim.phone not in "\n".join(body for _, _, _, body in transcript.exchanges)


def test_board_stops_answering_when_notifications_stop_reaching_it(board, db, on_shift, clock):
    counselor = on_shift("legal")
    db.commit()
    assert eventually(lambda: board.free_in_dial_order([counselor.id], clock.now) is not None)
    with pytest.MonkeyPatch.context() as patch:
        # Its pings now go where it does not listen, as behind a pooler that drops them.
        patch.setattr(busy_board, "CHANNEL", "nobody_listens_here")
        assert eventually(lambda: not board.live)
        assert board.free_in_dial_order([counselor.id], clock.now) is None


def test_roster_edit_reaches_the_menu_at_once_with_the_board_listening(
    board, db, on_shift, clock, settings
):
    from ivr.cache import rostered_ids

    settings(IVR_CACHE_SECONDS=300)
    first = on_shift("legal")
    db.commit()
    field_id = first.fields[0].id
    assert rostered_ids(db, field_id, clock.now, SEOUL) == (first.id,)
    second = on_shift("legal")  # a shift added for this afternoon
    db.commit()
    both = {first.id, second.id}
    assert eventually(lambda: set(rostered_ids(db, field_id, clock.now, SEOUL)) == both)


def test_hold_round_runs_no_dispatch_when_the_board_knows_everyone_is_engaged(
    app, board, db, walker, on_shift, clock, settings, monkeypatch
):
    from ivr import queueing

    busy = on_shift("legal")
    busy.busy_since = clock.now - timedelta(minutes=3)
    db.commit()
    assert eventually(lambda: board.free_in_dial_order([busy.id], clock.now) == [])
    settings(IVR_BUSY_BOARD=True)
    monkeypatch.setitem(app.extensions, "ivr_busy_board", board)

    def no_dispatch(*args, **kwargs):
        raise AssertionError("the board knew nobody was free; the queue was walked")

    monkeypatch.setattr(queueing, "serve_waiters", no_dispatch)
    transcript = play(walker, "1", queue_polls=3)
    assert "대기열 field-legal에 들어감" in transcript.events
    assert transcript.heard.count("번째") >= 3  # each round still tells the caller's place


def test_board_says_when_everyone_on_duty_is_paused(board, db, on_shift, clock):
    kim, lee = on_shift("legal"), on_shift("legal")
    kim.paused_until = clock.now + timedelta(hours=2)
    db.commit()
    ids = [kim.id, lee.id]
    assert eventually(lambda: board.all_paused([kim.id], clock.now) is True)
    assert board.all_paused(ids, clock.now) is False
    lee.paused_until = clock.now + timedelta(hours=1)
    db.commit()
    assert eventually(lambda: board.all_paused(ids, clock.now) is True)
    assert board.all_paused(ids, clock.now + timedelta(hours=1, minutes=1)) is False
    board.stop()
    assert board.all_paused(ids, clock.now) is None


def test_hold_round_nothing_can_move_locks_and_writes_nothing(
    app, board, db, walker, on_shift, clock, settings, monkeypatch
):
    from flask import has_request_context, request
    from sqlalchemy import event

    busy = on_shift("legal")
    busy.busy_since = clock.now - timedelta(minutes=3)
    db.commit()
    assert eventually(lambda: board.free_in_dial_order([busy.id], clock.now) == [])
    settings(IVR_BUSY_BOARD=True)
    monkeypatch.setitem(app.extensions, "ivr_busy_board", board)
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        if has_request_context() and request.path == "/ivr/queue/wait":
            seen.append(" ".join(statement.split()).upper())

    engines = [db.get_bind(), reader.reader_engine(app)]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", note)
    try:
        transcript = play(walker, "1", queue_polls=3)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", note)
    assert transcript.heard.count("첫 번째") >= 3  # each round still tells the caller's place
    assert seen, "the hold rounds read the call's place"
    assert not [s for s in seen if "FOR UPDATE" in s or not s.startswith("SELECT")]


def test_hold_round_after_the_caller_was_taken_out_is_the_locked_one(
    app, board, db, walker, on_shift, clock, settings, monkeypatch
):
    from ivr import queueing
    from ivr.queueing import quiet_round

    busy = on_shift("legal")
    busy.busy_since = clock.now - timedelta(minutes=3)
    db.commit()
    assert eventually(lambda: board.free_in_dial_order([busy.id], clock.now) == [])
    settings(IVR_BUSY_BOARD=True)
    monkeypatch.setitem(app.extensions, "ivr_busy_board", board)
    answers = []

    def round_after_taken(walker_, poll):
        if poll == 1:
            call = db.scalar(select(Call).order_by(Call.id.desc()))
            call.queue_left_at = clock.now  # a dispatch took the caller a moment ago
            db.commit()
            with app.test_request_context("/ivr/queue/wait"):
                field_id = call.field_id
                answers.append(quiet_round(db, call.call_sid, field_id, 0, clock.now, SEOUL))

    monkeypatch.setattr(queueing, "REDIRECT_GRACE", timedelta(hours=1))
    play(walker, "1", queue_polls=3, on_queue_poll=round_after_taken)
    assert answers == [None]
