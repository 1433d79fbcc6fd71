"""The menu choice's read pool: autocommit, no pings, one more try on a dead connection."""

from ivr.reader import reader_engine
from tests.ivr_support import play


def numbers_dialed(transcript):
    return [n.text for d in transcript.documents() for n in d.iter("Number")]


def test_menu_choice_rings_even_when_the_pooled_connection_died(app, db, walker, on_shift, clock):
    counselor = on_shift("legal")
    engine = reader_engine(app)
    engine.dispose()
    with engine.connect() as connection:
        connection.connection.dbapi_connection.close()  # the database dropped it meanwhile
    transcript = play(walker, "1", counselors=["answers"])
    assert counselor.phone in numbers_dialed(transcript)
    assert "죄송합니다" not in transcript.heard


def test_read_pool_connections_do_not_hold_a_transaction(app, db):
    with reader_engine(app).connect() as connection:
        raw = connection.connection.dbapi_connection
        if connection.dialect.name == "postgresql":
            assert raw.autocommit is True
        else:
            assert raw.isolation_level is None  # pysqlite's autocommit


def test_free_counselors_come_in_fair_order_and_busy_ones_are_left_out(app, db, on_shift, clock):
    from datetime import timedelta

    from ivr.reader import free_in_dial_order

    never, earlier, later, busy, stale = (on_shift("legal") for _ in range(5))
    later.last_connected_at = clock.now - timedelta(minutes=5)
    earlier.last_connected_at = clock.now - timedelta(days=2)
    busy.busy_since = clock.now - timedelta(minutes=1)
    stale.busy_since = clock.now - timedelta(hours=5)
    stale.last_connected_at = clock.now - timedelta(days=1)
    db.commit()
    ids = [c.id for c in (later, busy, stale, earlier, never)]
    order = free_in_dial_order(ids, clock.now - timedelta(hours=2))
    assert order == [(c.id, c.phone) for c in (never, earlier, stale, later)]


def test_a_busy_flag_exactly_as_old_as_the_timeout_counts_as_free_as_in_the_session_read(
    app, db, on_shift, clock
):
    from datetime import timedelta

    from ivr.reader import free_in_dial_order
    from ivr.routing import _FREE_COUNSELORS

    on_time, later = on_shift("legal"), on_shift("legal")
    stale_before = clock.now.replace(microsecond=0) - timedelta(hours=2)
    on_time.busy_since = stale_before
    later.busy_since = stale_before + timedelta(microseconds=1)
    db.commit()
    ids = [on_time.id, later.id]
    rows = db.execute(_FREE_COUNSELORS, {"ids": ids, "stale_before": stale_before})
    assert free_in_dial_order(ids, stale_before) == [(r[0], r[1]) for r in rows]
    assert free_in_dial_order(ids, stale_before) == [(on_time.id, on_time.phone)]
