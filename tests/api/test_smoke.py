from hall_server.contract.queue import IssueTicketRequest


def test_issue_call_complete(client_for, hall):
    kiosk = client_for("kiosk")
    clerk = client_for("clerk1")
    ticket = kiosk.issue_ticket(IssueTicketRequest(matter_id=hall.matters["marriage"]))
    assert ticket.number == "B001"
    clerk.window_op(1, "open")
    result = clerk.call_next(1)
    assert result.ticket is not None and result.ticket.number == "B001"
    clerk.window_op(1, "start")
    done = clerk.window_op(1, "complete")
    assert done.ticket.status == "DONE"
