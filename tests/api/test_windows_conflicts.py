"""Conflicts at a window say what happened: who holds the window, what became of its ticket.
Two clerks at two windows (and a manager) through the real HTTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from hall_server.client import ApiError
from hall_server.contract.queue import IssueTicketRequest, TransferRequest


def issue(kiosk, category="SOCIAL"):
    return kiosk.issue_ticket(IssueTicketRequest(category_code=category))


def refused(call, *args):
    with pytest.raises(ApiError) as caught:
        call(*args)
    assert caught.value.status == 409
    return caught.value


def test_a_window_another_clerk_holds_names_the_window_and_the_clerk(client_for):
    clerk1, clerk2 = client_for("clerk1"), client_for("clerk2")
    clerk2.window_op(2, "open")
    clerk2.pause(2)  # paused is still held
    error = refused(clerk1.window_op, 2, "open")
    assert error.code == "WINDOW_TAKEN"
    assert error.message.startswith("2 号窗口已由 员工clerk2 登录")
    assert error.detail == {"window_no": 2, "staff_name": "员工clerk2"}
    clerk2.window_op(2, "resume")
    clerk2.window_op(2, "close")
    assert clerk1.window_op(2, "open").window.staff_name == "员工clerk1"


def test_a_ticket_taken_up_at_another_window_is_named(client_for):
    kiosk, clerk1, clerk2 = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    manager, counter = client_for("manager"), client_for("counter")
    ticket = issue(kiosk)
    clerk1.window_op(1, "open")
    clerk2.window_op(2, "open")
    clerk1.call_next(1)
    manager.window_op(1, "no-show")  # the manager marks it from the dashboard…
    counter.requeue(ticket.id)  # …the visitor comes back…
    clerk2.call_next(2)  # …and window 2 calls them
    for operation in ("recall", "no-show", "start", "complete", "transfer", "park"):
        body = TransferRequest(to_category_code="ENTERPRISE") if operation == "transfer" else None
        error = refused(clerk1.window_op, 1, operation, body)
        assert error.code == "NO_CURRENT_TICKET"
        assert error.message == f"{ticket.number} 号已由 2 号窗口接办，本窗口当前没有叫号中的号票"
        assert error.detail == {"ticket_no": ticket.number, "status": "CALLED"}


def test_a_ticket_a_manager_cancelled_says_so_with_the_reason(client_for):
    kiosk, clerk1, manager = client_for("kiosk"), client_for("clerk1"), client_for("manager")
    ticket = issue(kiosk)
    clerk1.window_op(1, "open")
    clerk1.call_next(1)
    manager.transfer(1, TransferRequest(to_category_code="ENTERPRISE"))
    manager.cancel_ticket(ticket.id, "办事人已离开大厅")
    error = refused(clerk1.window_op, 1, "complete")
    assert error.message.startswith(f"{ticket.number} 号已被取消（原因：办事人已离开大厅）")


def test_a_ticket_completed_or_moved_by_someone_else_names_them(client_for):
    kiosk, clerk1, clerk2 = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    manager = client_for("manager")
    first, second = issue(kiosk), issue(kiosk)
    clerk1.window_op(1, "open")
    clerk2.window_op(2, "open")
    clerk1.call_next(1)
    manager.window_op(1, "complete")
    error = refused(clerk1.window_op, 1, "start")
    assert error.message == f"{first.number} 号已办结（操作人：员工manager），本窗口当前没有叫号中的号票"
    clerk1.call_next(1)
    manager.transfer(1, TransferRequest(to_window_no=2))
    error = refused(clerk1.window_op, 1, "recall")
    assert error.message.startswith(f"{second.number} 号已转至 2 号窗口排队（操作人：员工manager）")
    clerk2.call_next(2)
    clerk2.window_op(2, "complete")
    error = refused(clerk1.window_op, 1, "recall")
    assert error.message.startswith(f"{second.number} 号已由 2 号窗口办结")


def test_the_clerks_own_last_ticket_and_a_fresh_window(client_for):
    kiosk, clerk1, clerk2 = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    clerk2.window_op(2, "open")
    error = refused(clerk2.window_op, 2, "complete")
    assert error.message == "本窗口当前没有叫号中的号票"  # nothing called here today
    ticket = issue(kiosk)
    clerk1.window_op(1, "open")
    clerk1.call_next(1)
    clerk1.window_op(1, "complete")
    error = refused(clerk1.window_op, 1, "complete")  # a double click
    assert error.message == f"{ticket.number} 号已办结，本窗口当前没有叫号中的号票"
    assert refused(clerk2.window_op, 2, "complete").message == "本窗口当前没有叫号中的号票"
