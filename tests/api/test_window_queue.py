"""The clerk's "next few numbers" and repeating a window operation with the key of a lost answer, through
the real HTTP server on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from hall_server.client import ApiError
from hall_server.contract.queue import IssueTicketRequest, TransferRequest


def test_the_queue_lists_the_next_tickets_in_calling_order(client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    issued = [kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL")) for _ in range(4)]
    clerk.window_op(1, "open")
    assert [t.number for t in clerk.upcoming(1, limit=3)] == [t.number for t in issued[:3]]
    called = clerk.call_next(1).ticket
    assert called is not None and called.number == issued[0].number
    assert [t.number for t in clerk.upcoming(1)] == [t.number for t in issued[1:]]
    # a ticket sent to window 2 by name is in window 2's queue, not in window 1's
    client_for("clerk2").window_op(2, "open")
    clerk.window_op(1, "start")
    clerk.transfer(1, TransferRequest(to_window_no=2, note="请到2号窗口"))
    assert issued[0].number not in [t.number for t in clerk.upcoming(1)]
    assert issued[0].number in [t.number for t in clerk.upcoming(2)]


def test_a_bad_limit_is_a_422_with_a_code(client_for):
    with pytest.raises(ApiError) as caught:
        client_for("clerk1").upcoming(1, limit=0)
    assert caught.value.status == 422 and caught.value.code


def test_an_operation_repeated_with_its_key_is_done_once(client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    first = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk.window_op(1, "open")
    key = str(uuid.uuid4())
    once = clerk.window_op(1, "call-next", key=key).ticket
    again = clerk.window_op(1, "call-next", key=key).ticket  # the answer was lost: same key, same answer
    assert once is not None and again is not None
    assert once.number == again.number == first.number
    assert clerk.window(1).current_ticket.number == first.number
    assert clerk.ticket(first.id).call_count == 1
