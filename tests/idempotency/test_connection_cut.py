"""Retries after a cut connection, through a real uvicorn server on SQLite and PostgreSQL: the server commits
and answers, the answer is lost on the way (a proxy drops it), the client asks again with the same key and
gets the first answer; the database holds one ticket, one call, one booking."""

from __future__ import annotations

import socket
import time
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from hall_server.appointments.models import Appointment
from hall_server.client import HallClient
from hall_server.contract.appointments import BookRequest, SlotIn
from hall_server.contract.auth import DeviceIn, DeviceKind
from hall_server.contract.queue import IssueTicketRequest
from hall_server.events.models import Event
from hall_server.queueing.models import Ticket
from tests.api.test_appointments import TEN
from tests.factories import person
from tests.idempotency.proxy import cutting_proxy

DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)


def count(server, column, *where) -> int:
    with server.state.factory() as session:
        return session.scalar(select(func.count(column)).where(*where)) or 0


def post(base_url: str, token: str, path: str, key: str, body: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    return httpx.post(f"{base_url}/api/v1{path}", headers=headers, json=body, timeout=10)


def post_and_lose_the_answer(server, token: str, path: str, key: str, body: dict | None = None) -> None:
    with cutting_proxy(server.base_url) as proxy:
        proxy.cut_next()
        with pytest.raises(DROPPED):
            post(proxy.base_url, token, path, key, body)
        assert proxy.cut == 1


def test_a_ticket_whose_answer_was_lost_is_issued_once(server, hall):
    key = str(uuid.uuid4())
    post_and_lose_the_answer(server, hall.tokens["kiosk"], "/tickets", key, {"category_code": "SOCIAL"})
    assert count(server, Ticket.id) == 1  # the server committed before the answer was lost

    retry = post(server.base_url, hall.tokens["kiosk"], "/tickets", key, {"category_code": "SOCIAL"})
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["number"] == "B001"
    assert count(server, Ticket.id) == 1
    assert count(server, Event.id, Event.event_type == "queue.ticket.issued") == 1
    with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
        assert kiosk.ticket(retry.json()["id"]).number == "B001"


def test_a_call_next_whose_answer_was_lost_calls_one_visitor(server, hall):
    with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
        first, second = (kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL")) for _ in range(2))
    with HallClient(server.base_url, hall.tokens["clerk1"]) as clerk:
        clerk.window_op(1, "open")
    key = str(uuid.uuid4())
    post_and_lose_the_answer(server, hall.tokens["clerk1"], "/windows/1/call-next", key)

    retry = post(server.base_url, hall.tokens["clerk1"], "/windows/1/call-next", key)
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["ticket"]["number"] == first.number
    with HallClient(server.base_url, hall.tokens["clerk1"]) as clerk:
        assert clerk.ticket(first.id).status == "CALLED"
        assert clerk.ticket(second.id).status == "WAITING"  # the retry did not call the next visitor
    assert count(server, Event.id, Event.event_type == "queue.ticket.called") == 1


def test_a_booking_whose_answer_was_lost_is_booked_once(server, hall):
    with HallClient(server.base_url, hall.tokens["manager"]) as manager:
        slot = manager.create_slot(
            SlotIn(category_code="SOCIAL", start=TEN, end=TEN.replace(minute=30), capacity=2)
        )
    body = BookRequest(slot_id=slot.id, identity=person()).model_dump(mode="json")
    key = str(uuid.uuid4())
    post_and_lose_the_answer(server, hall.tokens["kiosk"], "/appointments", key, body)
    assert count(server, Appointment.id) == 1

    retry = post(server.base_url, hall.tokens["kiosk"], "/appointments", key, body)
    # Without the key this would be ALREADY_BOOKED: the visitor's booking would look like a failure.
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["status"] == "BOOKED"
    assert count(server, Appointment.id) == 1


def test_the_typed_client_retries_a_lost_answer_with_the_same_key(server, hall):
    with cutting_proxy(server.base_url) as proxy, HallClient(proxy.base_url, hall.tokens["kiosk"]) as kiosk:
        proxy.cut_next()
        ticket = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
        assert (proxy.cut, proxy.connections) == (1, 2)  # lost once, asked again on a new connection
        assert ticket.number == "B001"
        assert count(server, Ticket.id) == 1

        clerk = HallClient(proxy.base_url, hall.tokens["clerk1"])
        clerk.window_op(1, "open")
        proxy.cut_next()
        called = clerk.call_next(1)
        clerk.close()
    assert called.ticket is not None and called.ticket.id == ticket.id
    assert count(server, Event.id, Event.event_type == "queue.ticket.called") == 1


def test_a_client_that_hangs_up_at_once_gets_one_ticket_whatever_the_timing(server, hall):
    """The raw case: the request is sent and the socket closed without reading. The server may or may not
    have run it; either way the retry with the key leaves exactly one ticket."""
    port = int(server.base_url.rsplit(":", 1)[1])
    for attempt in range(5):
        key = str(uuid.uuid4())
        body = b'{"category_code":"SOCIAL"}'
        request = (
            f"POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {hall.tokens['kiosk']}\r\nIdempotency-Key: {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(request)
        time.sleep(0.01 * attempt)
        headers = {
            "Authorization": f"Bearer {hall.tokens['kiosk']}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        }
        retry = httpx.post(f"{server.base_url}/api/v1/tickets", headers=headers, content=body, timeout=10)
        assert retry.status_code == 201, retry.text
        time.sleep(0.2)  # let a first request still running finish: it must not add a ticket
        assert count(server, Ticket.id) == attempt + 1


def test_the_typed_client_does_not_repeat_what_the_server_would_do_twice(server, hall):
    """Registering a device answers with its token once and is not kept: a lost answer is an error to the
    admin, never a second device made behind their back."""
    with cutting_proxy(server.base_url) as proxy, HallClient(proxy.base_url, hall.tokens["admin"]) as admin:
        proxy.cut_next()
        with pytest.raises(DROPPED):
            admin.register_device(DeviceIn(kind=DeviceKind.KIOSK, name="kiosk-9"))
        assert proxy.connections == 1
