"""Concurrency with real connections: numbering and call-next under simultaneous requests.

On PostgreSQL each thread has its own connection and transactions really overlap (FOR UPDATE SKIP LOCKED,
row locks, version checks); on SQLite writers queue on the database lock. Both must give the same answer.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from hall_server.app import build_state
from hall_server.client import ApiError, HallClient
from hall_server.contract.queue import Channel, IssueTicketRequest, TicketStatus, WindowIn
from hall_server.events.models import Event
from hall_server.queueing import tickets, windows
from hall_server.queueing.models import Ticket
from tests.factories import seed_hall

WINDOWS = range(11, 19)  # eight windows, all serving SOCIAL


@pytest.fixture
def state(settings, clock):
    state = build_state(settings, clock)
    seed_hall(state.uow)
    for number in WINDOWS:
        state.uow.run(
            lambda ctx, n=number: windows.save_window(
                ctx, WindowIn(number=n, name=f"{n}号窗口", category_codes=["SOCIAL"])
            )
        )
        state.uow.run(lambda ctx, n=number: windows.open_window(ctx, n))
    yield state
    state.engine.dispose()


def test_concurrent_issuing_never_duplicates_a_number(state):
    def issue_many(_: int) -> list[str]:
        return [
            state.uow.run(
                lambda ctx: (
                    tickets.issue_ticket(
                        ctx, IssueTicketRequest(category_code="SOCIAL"), Channel.KIOSK
                    ).number
                )
            )
            for _ in range(25)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = [n for batch in pool.map(issue_many, range(8)) for n in batch]
    assert len(numbers) == 200
    assert sorted(numbers) == [f"B{n:03d}" for n in range(1, 201)]


def test_windows_calling_at_the_same_instant_never_get_the_same_ticket(state):
    for _ in range(40):
        state.uow.run(
            lambda ctx: tickets.issue_ticket(ctx, IssueTicketRequest(category_code="SOCIAL"), Channel.KIOSK)
        )
    barrier = threading.Barrier(len(WINDOWS))
    called: list[tuple[int, str]] = []
    lock = threading.Lock()

    def window_loop(number: int) -> None:
        while True:
            barrier.wait(timeout=30)  # every round, all windows call together
            ticket = state.uow.run(lambda ctx: _call_and_complete(ctx, number))
            with lock:
                if ticket:
                    called.append((number, ticket))
            barrier.wait(timeout=30)
            with lock:
                if len(called) >= 40:
                    return

    with ThreadPoolExecutor(max_workers=len(WINDOWS)) as pool:
        list(pool.map(window_loop, WINDOWS))
    numbers = [ticket for _, ticket in called]
    assert len(numbers) == 40 and len(set(numbers)) == 40
    assert len({window for window, _ in called}) == len(WINDOWS)  # every window really took part
    with state.factory() as session:
        statuses = Counter(session.scalars(select(Ticket.status)))
        assert statuses == {TicketStatus.DONE.value: 40}
        calls = session.scalars(
            select(Event.aggregate_id).where(Event.event_type == "queue.ticket.called")
        ).all()
        assert len(calls) == 40 and len(set(calls)) == 40


def _call_and_complete(ctx, number: int) -> str | None:
    ticket = windows.call_next(ctx, number)
    if ticket is None:
        return None
    windows.complete(ctx, number)
    return ticket.number


def test_concurrent_call_next_through_the_http_server(server, settings):
    hall = seed_hall(server.state.uow)
    uow = server.state.uow
    for number in WINDOWS:
        uow.run(
            lambda ctx, n=number: windows.save_window(
                ctx, WindowIn(number=n, name=f"{n}号窗口", category_codes=["SOCIAL"])
            )
        )
        uow.run(lambda ctx, n=number: windows.open_window(ctx, n))
    with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
        for _ in range(16):
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    barrier = threading.Barrier(len(WINDOWS))

    def call_twice(number: int) -> list[str]:
        got = []
        with HallClient(server.base_url, hall.tokens["manager"]) as manager:
            for _ in range(2):
                barrier.wait(timeout=30)
                result = manager.call_next(number)
                got.append(result.ticket.number)
                manager.window_op(number, "complete")
        return got

    with ThreadPoolExecutor(max_workers=len(WINDOWS)) as pool:
        numbers = [n for batch in pool.map(call_twice, WINDOWS) for n in batch]
    assert sorted(numbers) == [f"B{n:03d}" for n in range(1, 17)]


def test_double_click_on_call_next_calls_once(server):
    hall = seed_hall(server.state.uow)
    with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
        for _ in range(3):
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    with HallClient(server.base_url, hall.tokens["clerk1"]) as clerk:
        clerk.window_op(1, "open")
    barrier = threading.Barrier(4)

    def click(_: int) -> str:
        with HallClient(server.base_url, hall.tokens["clerk1"]) as clerk:
            barrier.wait(timeout=30)
            try:
                return clerk.call_next(1).ticket.number
            except ApiError as exc:
                return exc.code

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(click, range(4)))
    assert outcomes.count("B001") == 1 and outcomes.count("WINDOW_BUSY") == 3
