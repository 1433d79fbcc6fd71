"""The busy board: each worker's copy of who is on a call, kept by PostgreSQL notifications."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import text

from ivr import busy_board, reader
from ivr.busy_board import APPLICATION_NAME, BusyBoard, conninfo
from ivr.routing import busy_timeout
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


def from_table(ids, stale_before):
    """What the menu choice reads without a board."""
    return reader.free_in_dial_order(ids, stale_before)


def test_board_orders_free_counselors_as_the_table_read_does(board, db, on_shift, clock):
    never, earlier, later, busy, stale = (on_shift("legal") for _ in range(5))
    later.last_connected_at = clock.now - timedelta(minutes=5)
    earlier.last_connected_at = clock.now - timedelta(days=2)
    busy.busy_since = clock.now - timedelta(minutes=1)
    stale.busy_since = clock.now - timedelta(hours=5)
    stale.last_connected_at = clock.now - timedelta(days=1)
    db.commit()
    ids = [c.id for c in (later, busy, stale, earlier, never)]
    stale_before = clock.now - timedelta(hours=2)
    expected = [(c.id, c.phone) for c in (never, earlier, stale, later)]
    assert from_table(ids, stale_before) == expected
    assert eventually(lambda: board.free_in_dial_order(ids, stale_before) == expected)


def test_board_learns_a_busy_flag_a_moment_after_its_commit(board, db, on_shift, clock):
    counselor = on_shift("legal")
    db.commit()
    ids, stale_before = [counselor.id], clock.now - busy_timeout()
    assert eventually(
        lambda: board.free_in_dial_order(ids, stale_before) == [(counselor.id, counselor.phone)]
    )
    counselor.busy_since = clock.now
    db.commit()
    assert eventually(lambda: board.free_in_dial_order(ids, stale_before) == [])
    counselor.busy_since = None
    db.commit()
    assert eventually(
        lambda: board.free_in_dial_order(ids, stale_before) == [(counselor.id, counselor.phone)]
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


def test_board_answers_nothing_without_its_connection_and_catches_up_after(
    board, db, on_shift, clock
):
    counselor = on_shift("legal")
    db.commit()
    ids, stale_before = [counselor.id], clock.now - busy_timeout()
    assert eventually(
        lambda: board.free_in_dial_order(ids, stale_before) == [(counselor.id, counselor.phone)]
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
    assert board.free_in_dial_order(ids, stale_before) is None
    assert eventually(lambda: board.free_in_dial_order(ids, stale_before) == [])


def test_stopped_board_answers_nothing(board, db, on_shift, clock):
    counselor = on_shift("legal")
    db.commit()
    assert eventually(lambda: board.free_in_dial_order([counselor.id], clock.now) is not None)
    board.stop()
    assert board.free_in_dial_order([counselor.id], clock.now) is None


def test_menu_choice_rings_from_the_board_without_reading_the_table(
    app, board, db, walker, on_shift, clock, settings, monkeypatch
):
    busy, free = on_shift("legal"), on_shift("legal")
    busy.busy_since = clock.now - timedelta(minutes=3)
    db.commit()
    ids, stale_before = [busy.id, free.id], clock.now - busy_timeout()
    assert eventually(
        lambda: board.free_in_dial_order(ids, stale_before) == [(free.id, free.phone)]
    )
    settings(IVR_BUSY_BOARD=True)
    monkeypatch.setitem(app.extensions, "ivr_busy_board", board)

    def no_table_read(*args):
        raise AssertionError("the board knew; the table was read")

    monkeypatch.setattr(reader, "_fetch", no_table_read)
    transcript = play(walker, "1", counselors=["answers"])
    dialed = [n.text for d in transcript.documents() for n in d.iter("Number")]
    assert dialed[:1] == [free.phone]


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
