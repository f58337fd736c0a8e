"""The append-only event log: every change writes its event in the same transaction, nothing else does."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from hall_server.app import build_state
from hall_server.client import ApiError
from hall_server.contract.appointments import BookRequest, CheckInRequest, SlotIn
from hall_server.contract.queue import IssueTicketRequest, TransferRequest
from hall_server.events.models import Event
from tests.api.test_appointments import TEN
from tests.factories import person

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def event_count(server) -> int:
    with server.state.factory() as session:
        return session.scalar(select(func.count(Event.id))) or 0


def test_a_tickets_life_is_one_event_per_change_in_order(client_for, hall):
    kiosk, clerk, manager = client_for("kiosk"), client_for("clerk1"), client_for("manager")
    ticket = kiosk.issue_ticket(IssueTicketRequest(matter_id=hall.matters["marriage"], identity=person()))
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clerk.window_op(1, "recall")
    clerk.window_op(1, "start")
    clerk.transfer(1, TransferRequest(to_category_code="ENTERPRISE", note="转企业服务"))
    trace = manager.trace("ticket", ticket.id)
    assert [e.event_type for e in trace.events] == [
        "queue.ticket.issued",
        "queue.ticket.called",
        "queue.ticket.recalled",
        "queue.ticket.service_started",
        "queue.ticket.transferred",
    ]
    assert [e.aggregate.seq for e in trace.events] == [1, 2, 3, 4, 5]
    issued = trace.events[0]
    assert UUID7.match(issued.event_id) and issued.spec == "hall-sync/1"
    assert issued.source.hall_code == "341122-ZWFW-01" and issued.source.region_code == "341122000000"
    assert issued.actor.kind == "device" and issued.actor.device_id == "kiosk"
    assert issued.data["applicant_ref"].startswith("hm3:") and issued.data["applicant_name_masked"] == "张*三"
    assert issued.refs["catalog_code"] == "340700101000" and issued.refs["ticket_no"] == "B001"
    called = trace.events[1]
    assert called.actor.kind == "staff" and called.actor.role == "clerk" and called.source.window_no == "1"
    assert trace.events[-1].data == {
        "ticket_no": "B001",
        "window_no": 1,
        "from_window": 1,
        "note": "转企业服务",
        "to_queue_code": "ENTERPRISE",
    }


def test_a_refused_operation_changes_nothing_and_writes_no_event(client_for, server):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk.window_op(1, "open")
    clerk.call_next(1)
    before = event_count(server)
    for operation in ("call-next", "pause", "close"):
        with pytest.raises(ApiError):
            clerk.window_op(1, operation)
    with pytest.raises(ApiError):
        kiosk.issue_ticket(IssueTicketRequest(category_code="NOPE"))
    assert event_count(server) == before


def test_appointment_ticket_trace_includes_the_appointment(client_for, clock):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    slot = manager.create_slot(
        SlotIn(category_code="SOCIAL", start=TEN, end=TEN.replace(minute=30), capacity=1)
    )
    appointment = kiosk.book(BookRequest(slot_id=slot.id, identity=person()))
    clock.set(TEN)
    ticket = kiosk.check_in(CheckInRequest(code=appointment.code)).ticket
    trace = manager.trace("ticket", ticket.id)
    assert trace.linked == [f"appointment:{appointment.id}"]
    assert [e.event_type for e in trace.events] == [
        "appointment.booked",
        "queue.ticket.issued",
        "appointment.checked_in",
    ]
    assert trace.summary["number"] == ticket.number
    with pytest.raises(ApiError) as caught:
        manager.trace("case", "C-1")
    assert caught.value.code == "CASE_NOT_FOUND"
    with pytest.raises(ApiError) as caught:
        manager.trace("ticket", "999")
    assert caught.value.code == "TICKET_NOT_FOUND"


def test_the_database_refuses_to_change_or_delete_events(settings, clock):
    state = build_state(settings, clock)
    from tests.factories import seed_hall

    seed_hall(state.uow)
    engine = create_engine(settings.database_url)
    for statement in ("UPDATE event SET event_type = 'x'", "DELETE FROM event"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM event")).scalar() > 10
    engine.dispose()
    state.engine.dispose()
