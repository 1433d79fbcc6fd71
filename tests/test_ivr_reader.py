"""The menu choice's statement pool: autocommit, no pings, one more try on a dead connection."""

import subprocess
import sys
import threading
import time

from sqlalchemy import create_engine

from ivr import reader
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


def hold_lock_file(path, seconds):
    """Start a process (another worker) that holds a lock file for a while; return it locked."""
    code = (
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "locked"
    return process


def test_sqlite_reservation_waits_for_another_workers_turn(tmp_path):
    database = tmp_path / "line.sqlite3"
    engine = create_engine(f"sqlite:///{database}")
    other = hold_lock_file(f"{database}-reservations.lock", 0.5)
    try:
        began = time.monotonic()
        with reader._one_writer(engine):
            waited = time.monotonic() - began
    finally:
        other.wait(timeout=10)
    assert waited >= 0.3


def test_sqlite_reservations_of_one_worker_take_turns(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'line.sqlite3'}")
    inside, most = [0], [0]
    guard = threading.Lock()

    def reserve():
        with reader._one_writer(engine):
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.01)
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=reserve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert most[0] == 1
