"""The periodic sweep: cancels what days nobody ended left open, in short batches, and when there is nothing
to do it only reads (it does not queue behind the writers)."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from hall_server.app import build_state
from hall_server.contract.events import EventType
from hall_server.contract.queue import Channel, IssueTicketRequest, TicketStatus
from hall_server.events.models import Event
from hall_server.queueing import day, tickets, windows
from hall_server.queueing.models import Ticket
from tests.factories import seed_hall

NOTHING = {"stale_tickets": 0, "appointments_no_show": 0, "unconfirmed_tickets": 0}


@pytest.fixture
def state(settings, clock):
    state = build_state(settings, clock)
    seed_hall(state.uow)
    yield state
    state.engine.dispose()
    state.read_engine.dispose()


def issue(state, count: int) -> list[int]:
    request = IssueTicketRequest(category_code="SOCIAL")
    return state.uow.run(
        lambda ctx: [tickets.issue_ticket(ctx, request, Channel.KIOSK).id for _ in range(count)]
    )


def statuses(state) -> dict[int, tuple[str, str]]:
    with state.factory() as session:
        rows = session.execute(select(Ticket.id, Ticket.status, Ticket.cancel_reason)).all()
    return {ticket_id: (status, reason) for ticket_id, status, reason in rows}


def cancel_events(state) -> int:
    with state.factory() as session:
        cancelled = select(Event.id).where(Event.event_type == EventType.TICKET_CANCELLED.value)
        return len(session.scalars(cancelled).all())


def test_sweep_cancels_the_open_tickets_of_a_day_nobody_ended(state, clock):
    yesterday = issue(state, day.SWEEP_BATCH + 5)  # more than one write batch
    for number in (1, 2):
        state.uow.run(lambda ctx, n=number: windows.open_window(ctx, n))
    state.uow.run(lambda ctx: windows.call_next(ctx, 1))
    state.uow.run(lambda ctx: windows.start(ctx, 1))
    state.uow.run(lambda ctx: windows.complete(ctx, 1))  # finished: left alone
    state.uow.run(lambda ctx: windows.call_next(ctx, 1))  # called, never came
    state.uow.run(lambda ctx: windows.call_next(ctx, 2))
    state.uow.run(lambda ctx: windows.start(ctx, 2))  # being served when the day ran out
    before = Counter(status for status, _ in statuses(state).values())
    assert before == {"WAITING": day.SWEEP_BATCH + 2, "CALLED": 1, "SERVING": 1, "DONE": 1}
    assert day.sweep_once(state.uow) == NOTHING  # today's tickets are not leftovers

    clock.advance(days=1)
    [today] = issue(state, 1)
    assert day.sweep_once(state.uow) == {**NOTHING, "stale_tickets": day.SWEEP_BATCH + 4}
    after = statuses(state)
    assert after[today] == (TicketStatus.WAITING.value, "")
    left = [after[ticket_id] for ticket_id in yesterday]
    assert Counter(status for status, _ in left) == {"CANCELLED": day.SWEEP_BATCH + 4, "DONE": 1}
    assert {reason for status, reason in left if status == "CANCELLED"} == {day.LEFTOVER_REASON}
    assert cancel_events(state) == day.SWEEP_BATCH + 4

    assert day.sweep_once(state.uow) == NOTHING
    assert cancel_events(state) == day.SWEEP_BATCH + 4


def test_a_sweep_with_nothing_to_do_does_not_wait_for_writers(state, clock, database_url):
    issue(state, 3)
    clock.advance(days=1)
    assert day.sweep_once(state.uow)["stale_tickets"] == 3
    with held_write_lock(database_url):
        started = time.monotonic()
        assert day.sweep_once(state.uow) == NOTHING
        assert time.monotonic() - started < 1


@contextmanager
def held_write_lock(database_url: str) -> Iterator[None]:
    """Another connection holds the write lock on the ticket table (as another process would)."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    engine = create_engine(database_url)
    with engine.connect() as connection:
        connection.execute(text("LOCK TABLE ticket IN EXCLUSIVE MODE"))  # blocks writes, not reads
        try:
            yield
        finally:
            connection.rollback()
    engine.dispose()
