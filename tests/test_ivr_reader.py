"""The menu choice's statement pool: autocommit, no pings, one more try on a dead connection."""

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
