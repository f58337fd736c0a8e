"""PostgreSQL writers of one process take turns, a few at a time (WriterLimit), never deadlocking a thread
that nests a transaction in its own."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from hall_server.app import build_state
from hall_server.core.context import WriterLimit
from hall_server.core.errors import Unavailable
from hall_server.halls.models import Hall
from tests.conftest import make_settings


def test_a_writer_waits_for_a_free_slot_and_a_nested_turn_passes() -> None:
    limit = WriterLimit(1)
    order: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def first() -> None:
        with limit.turn(), limit.turn():  # the second turn is nested in the same thread: it passes
            order.append("first")
            inside.set()
            release.wait(5)

    def second() -> None:
        with limit.turn():
            order.append("second")

    holder = threading.Thread(target=first)
    holder.start()
    assert inside.wait(5)
    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.2)
    assert order == ["first"]  # the slot is taken: the second writer waits
    release.set()
    holder.join(5)
    waiter.join(5)
    assert order == ["first", "second"]


def test_a_turn_not_had_in_time_is_database_busy() -> None:
    limit = WriterLimit(1, timeout=0.05)
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with limit.turn():
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(5)
    with pytest.raises(Unavailable) as refused, limit.turn():
        pass
    assert refused.value.code == "DATABASE_BUSY"
    release.set()
    holder.join(5)
    with limit.turn():  # the slot came back
        pass


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_the_server_limits_postgresql_writers_only(database_url: str, tmp_path: Path) -> None:
    state = build_state(make_settings(database_url, tmp_path, db_writers=1))
    try:
        postgres = state.engine.dialect.name == "postgresql"
        assert (state.uow.writers is not None) is postgres
        # A transaction that runs another inside it (one slot): no self-deadlock.
        halls = state.uow.run(lambda _: state.uow.run(lambda ctx: list(ctx.session.scalars(select(Hall.id)))))
        assert halls == []
    finally:
        state.engine.dispose()
        state.read_engine.dispose()
