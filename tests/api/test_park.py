"""挂起 (park) and resume through the real HTTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from hall_server.client import ApiError
from hall_server.contract.queue import IssueTicketRequest, ParkRequest, TransferRequest


def issue(kiosk, category="SOCIAL"):
    return kiosk.issue_ticket(IssueTicketRequest(category_code=category))


def test_park_frees_the_window_and_resume_makes_the_ticket_current_again(client_for, clock):
    kiosk, clerk, manager = client_for("kiosk"), client_for("clerk1"), client_for("manager")
    first, second = issue(kiosk), issue(kiosk)
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clerk.window_op(1, "start")
    parked = clerk.park(1, ParkRequest(note="回去复印身份证")).ticket
    assert (parked.number, parked.status, parked.park_note, parked.window_no) == (
        first.number,
        "PARKED",
        "回去复印身份证",
        1,
    )
    assert parked.parked_at is not None
    window = clerk.window(1)
    assert (window.current_ticket, window.parked_count) == (None, 1)
    assert [t.number for t in manager.parked(1)] == [first.number]  # managers see them too
    assert clerk.call_next(1).ticket.number == second.number
    with pytest.raises(ApiError) as caught:
        clerk.unpark(1, parked.id)
    assert (caught.value.status, caught.value.code) == (409, "WINDOW_BUSY")
    assert second.number in caught.value.message
    clerk.window_op(1, "complete")
    clock.advance(minutes=5)
    resumed = clerk.unpark(1, parked.id).ticket
    assert (resumed.number, resumed.status, resumed.window_no) == (first.number, "CALLED", 1)
    assert clerk.parked(1) == []
    trace = manager.trace("ticket", parked.id)
    kinds = [e.event_type for e in trace.events]
    assert kinds[-2:] == ["queue.ticket.parked", "queue.ticket.unparked"]
    assert trace.events[-1].data["parked_s"] == 300


def test_only_the_parking_window_resumes_and_nothing_to_park_is_a_409(client_for):
    kiosk, clerk1, clerk2 = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    issue(kiosk)
    clerk1.window_op(1, "open")
    clerk2.window_op(2, "open")
    with pytest.raises(ApiError) as caught:
        clerk1.park(1)
    assert (caught.value.status, caught.value.code) == (409, "NO_CURRENT_TICKET")
    parked = clerk1.call_next(1).ticket
    clerk1.park(1)
    with pytest.raises(ApiError) as caught:
        clerk2.unpark(2, parked.id)
    assert (caught.value.status, caught.value.code) == (404, "PARKED_TICKET_NOT_FOUND")


def test_parked_tickets_expire_at_end_of_day_with_a_reason(client_for):
    kiosk, clerk, manager = client_for("kiosk"), client_for("clerk1"), client_for("manager")
    issue(kiosk)
    clerk.window_op(1, "open")
    parked = clerk.call_next(1).ticket
    clerk.park(1)
    summary = manager.end_day()
    assert summary["parked_expired"] == 1
    assert manager.window(1).state == "CLOSED"  # a parked ticket does not hold the window open
    trace = manager.trace("ticket", parked.id)
    assert trace.events[-1].event_type == "queue.ticket.cancelled"
    assert trace.events[-1].data["reason"] == "挂起后当日未恢复办理，日终自动失效"
    assert manager.parked(1) == []


def test_my_day_counts_the_clerks_own_work_today(client_for, clock):
    kiosk, clerk, other = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    for _ in range(4):
        issue(kiosk)
    clerk.window_op(1, "open")
    other.window_op(2, "open")
    clerk.call_next(1)
    clerk.window_op(1, "start")
    clock.advance(minutes=4)
    clerk.window_op(1, "complete")
    clerk.call_next(1)
    clerk.window_op(1, "no-show")
    clerk.call_next(1)
    clerk.park(1)
    other.call_next(2)
    other.window_op(2, "complete")
    day = clerk.my_day()
    assert (day.served, day.avg_service_seconds, day.no_shows, day.parked_now) == (1, 240.0, 1, 1)
    assert (day.ratings, day.not_evaluated) == ({}, 0)
    assert other.my_day().served == 1


def test_transfer_back_returns_ahead_of_new_arrivals(client_for, clock):
    kiosk, clerk1, clerk2 = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    first = issue(kiosk)
    clerk1.window_op(1, "open")
    clerk2.window_op(2, "open")
    clerk1.call_next(1)
    sent = clerk1.window_op(1, "transfer", TransferRequest(to_window_no=2, expect_return=True)).ticket
    assert sent.return_window_no == 1
    clock.advance(minutes=2)
    newcomer = issue(kiosk)
    assert clerk2.call_next(2).ticket.number == first.number
    clock.advance(minutes=3)
    back = clerk2.window_op(2, "complete").ticket
    assert (back.status, back.return_window_no) == ("WAITING", None)
    assert clerk1.call_next(1).ticket.number == first.number  # ahead of the newcomer who came earlier
    clerk1.window_op(1, "complete")
    assert clerk1.call_next(1).ticket.number == newcomer.number


def test_a_clerk_and_a_manager_acting_on_the_same_ticket_get_a_409_not_a_500(client_for):
    kiosk, clerk, manager = client_for("kiosk"), client_for("clerk1"), client_for("manager")
    issue(kiosk)
    clerk.window_op(1, "open")
    clerk.call_next(1)
    manager.window_op(1, "complete")
    for operation in ("complete", "park", "no-show"):
        with pytest.raises(ApiError) as caught:
            clerk.window_op(1, operation)
        assert (caught.value.status, caught.value.code) == (409, "NO_CURRENT_TICKET")


def test_my_day_counts_the_transfers_the_clerk_made_today(client_for):
    kiosk, clerk1, clerk2 = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    manager = client_for("manager")
    for _ in range(4):
        issue(kiosk)
    clerk1.window_op(1, "open")
    clerk2.window_op(2, "open")
    clerk1.call_next(1)
    clerk1.transfer(1, TransferRequest(to_category_code="ENTERPRISE"))
    clerk1.call_next(1)
    clerk1.transfer(1, TransferRequest(to_window_no=2, expect_return=True))
    clerk2.call_next(2)
    clerk2.window_op(2, "complete")  # window 2's part done: back to window 1, not a transfer by clerk2
    clerk1.call_next(1)
    manager.transfer(1, TransferRequest(to_window_no=2))  # the manager's, not clerk1's
    assert (clerk1.my_day().transferred, clerk2.my_day().transferred) == (2, 0)
