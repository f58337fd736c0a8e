"""The day's load a manager sees: counts and mean waits and service times per category and for the hall,
summed by the database from what each ticket keeps at its first call and its completion."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hall_server.app import build_state
from hall_server.auth.models import Staff
from hall_server.contract.queue import Channel, IssueTicketRequest, ParkRequest
from hall_server.queueing import load, tickets, windows
from tests.factories import seed_hall


@pytest.fixture
def state(settings, clock):
    state = build_state(settings, clock)
    seed_hall(state.uow)
    for number in (1, 3):  # 1 serves SOCIAL, 3 ENTERPRISE
        state.uow.run(lambda ctx, n=number: windows.open_window(ctx, n))
    yield state
    state.engine.dispose()
    state.read_engine.dispose()


def issue(state, category: str) -> int:
    request = IssueTicketRequest(category_code=category)
    return state.uow.run(lambda ctx: tickets.issue_ticket(ctx, request, Channel.KIOSK).id)


def test_the_days_load_counts_and_averages_what_each_ticket_went_through(state, clock):
    social = [issue(state, "SOCIAL") for _ in range(3)]
    issue(state, "ENTERPRISE")
    clock.advance(minutes=5)
    state.uow.run(lambda ctx: windows.call_next(ctx, 1))  # B001 waited 300 s
    clock.advance(minutes=2)
    state.uow.run(lambda ctx: windows.complete(ctx, 1))  # served 120 s from its call
    clock.advance(minutes=1)
    state.uow.run(lambda ctx: windows.call_next(ctx, 1))  # B002 waited 480 s
    state.uow.run(lambda ctx: windows.no_show(ctx, 1))
    state.uow.run(lambda ctx: windows.call_next(ctx, 3))  # A001 waited 480 s
    clock.advance(minutes=1)
    state.uow.run(lambda ctx: windows.start(ctx, 3))
    clock.advance(minutes=3)
    state.uow.run(lambda ctx: windows.complete(ctx, 3))  # served 180 s from its start
    state.uow.run(lambda ctx: tickets.cancel(ctx, tickets.get_ticket(ctx, social[2]), "VISITOR_LEFT", "test"))

    out = state.uow.read(load.load)

    figures = {
        c.code: (
            c.issued_today,
            c.served_today,
            c.no_show_today,
            c.waiting,
            c.avg_wait_seconds_today,
            c.avg_service_seconds_today,
        )
        for c in out.categories
    }
    assert figures == {
        "SOCIAL": (3, 1, 1, 0, 390.0, 120.0),
        "ENTERPRISE": (1, 1, 0, 0, 480.0, 180.0),
        "PICKUP": (0, 0, 0, 0, None, None),
    }
    totals = out.totals
    assert (totals.issued_today, totals.served_today, totals.no_show_today, totals.cancelled_today) == (
        4,
        2,
        1,
        1,
    )
    assert (totals.avg_wait_seconds_today, totals.avg_service_seconds_today) == (420.0, 150.0)


def test_the_window_list_reads_each_windows_clerk_current_ticket_and_parked_count_for_all_at_once(state):
    """windows_out reads clerks, current tickets and parked counts in one statement each for every window:
    each figure lands on its own window, as one window's view has it."""

    def give_window_3_to_clerk3(ctx):
        clerk = ctx.session.scalars(select(Staff).where(Staff.login == "clerk3")).one()
        windows.window_by_number(ctx, 3).staff_id = clerk.id

    state.uow.run(give_window_3_to_clerk3)
    for category in ("SOCIAL", "SOCIAL", "ENTERPRISE", "ENTERPRISE"):
        issue(state, category)
    state.uow.run(lambda ctx: windows.call_next(ctx, 1))  # B001 at window 1, then parked there
    state.uow.run(lambda ctx: windows.park(ctx, 1, ParkRequest(note="回去复印身份证")))
    state.uow.run(lambda ctx: windows.call_next(ctx, 1))  # B002 current at window 1
    state.uow.run(lambda ctx: windows.call_next(ctx, 3))  # A001 current at window 3

    def views(ctx):
        every = windows.list_windows(ctx)
        return windows.windows_out(ctx, every), [windows.window_out(ctx, w) for w in every]

    together, one_by_one = state.uow.read(views)

    assert together == one_by_one
    assert [
        (w.number, w.current_ticket.number if w.current_ticket else None, w.parked_count, w.staff_name)
        for w in together
    ] == [(1, "B002", 1, None), (2, None, 0, None), (3, "A001", 0, "员工clerk3"), (4, None, 0, None)]
