"""SQLite writers of one process take turns first come, first served, instead of polling the database lock."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from hall_server.core.db import WriteGate, make_engine


def wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_writers_enter_in_the_order_they_arrived(database_url):
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE turn (writer INTEGER)"))

    def write(writer: int) -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO turn VALUES (:w)"), {"w": writer})

    writers = []
    with engine.begin() as holder:  # holds the write lock while the others line up
        gate = holder.connection.dbapi_connection.gate
        for writer in range(12):
            thread = threading.Thread(target=write, args=(writer,))
            thread.start()
            writers.append(thread)
            wait_until(lambda n=writer: gate.queued == n + 1)
    for thread in writers:
        thread.join(timeout=10)
    with engine.connect() as connection:
        order = connection.execute(text("SELECT writer FROM turn ORDER BY rowid")).scalars().all()
    engine.dispose()
    assert order == list(range(12))
    assert gate.queued == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failed_transaction_hands_the_turn_on(database_url):
    engine = make_engine(database_url)
    with pytest.raises(OperationalError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")
    started = time.monotonic()
    with engine.begin() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()
    assert time.monotonic() - started < 1


def test_a_writer_that_waits_too_long_gives_up_and_leaves_the_line():
    gate = WriteGate(timeout=0.2)
    first, second, third = object(), object(), object()
    gate.acquire(first)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        gate.acquire(second)
    assert gate.queued == 0
    gate.release(second)  # not its turn: nothing happens
    waiter = threading.Thread(target=gate.acquire, args=(third,))
    waiter.start()
    wait_until(lambda: gate.queued == 1)
    gate.release(first)
    waiter.join(timeout=5)
    assert not waiter.is_alive() and gate.queued == 0
    with pytest.raises(sqlite3.OperationalError):
        gate.acquire(first)  # the third one holds it now
    gate.release(third)
    gate.acquire(first)
