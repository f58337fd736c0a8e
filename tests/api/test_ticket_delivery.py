"""Kiosk ticket delivery through the real HTTP server, on SQLite and PostgreSQL: a ticket issued PENDING is
neither called nor counted until the issuing kiosk confirms it reached the visitor; NOT_TAKEN and the
confirmation timeout cancel it, so the queue counts only tickets someone holds."""

from __future__ import annotations

import asyncio

import pytest

from hall_server.client import ApiError, HallClient, LiveFeed
from hall_server.contract.auth import DeviceIn, DeviceKind
from hall_server.contract.live import EventMessage, SnapshotMessage
from hall_server.contract.queue import DeliveryMethod, IssueTicketRequest, TicketDelivery
from hall_server.queueing import day, tickets
from tests.factories import RawBody


def issue(kiosk: HallClient, delivery: TicketDelivery | None = TicketDelivery.PENDING):
    return kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL", delivery=delivery))


def social_waiting(client: HallClient) -> int:
    [social] = [c for c in client.load().categories if c.code == "SOCIAL"]
    return social.waiting


def event_types(manager: HallClient, ticket_id: int) -> list[str]:
    return [e.event_type.value for e in manager.trace("ticket", ticket_id).events]


def test_without_delivery_a_kiosk_ticket_queues_at_once_as_before(client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    ticket = issue(kiosk, None)
    assert ticket.delivery is TicketDelivery.HANDED
    clerk.window_op(1, "open")
    assert clerk.call_next(1).ticket.id == ticket.id


def test_a_pending_ticket_is_not_called_nor_counted_until_printed(client_for, clock):
    kiosk, clerk, manager = client_for("kiosk"), client_for("clerk1"), client_for("manager")
    clerk.window_op(1, "open")
    pending = issue(kiosk)
    assert pending.delivery is TicketDelivery.PENDING and pending.status == "WAITING"
    assert social_waiting(manager) == 0
    assert clerk.call_next(1).ticket is None  # no ghost to call
    clock.advance(seconds=5)
    handed = issue(kiosk, None)
    assert handed.estimate is not None and handed.estimate.people_ahead == 0  # the pending one is not ahead

    printed = kiosk.confirm_delivery(pending.id, DeliveryMethod.PRINTED)
    assert (printed.delivery, printed.delivery_fault) == (TicketDelivery.PRINTED, None)
    assert social_waiting(manager) == 2
    assert clerk.call_next(1).ticket.id == pending.id  # it keeps its place from issue time
    assert "queue.ticket.delivered" in event_types(manager, pending.id)


def test_screen_only_keeps_the_fault_and_repeats_are_harmless(client_for):
    kiosk, manager = client_for("kiosk"), client_for("manager")
    ticket = issue(kiosk)
    first = kiosk.confirm_delivery(ticket.id, DeliveryMethod.SCREEN_ONLY, "PAPER_OUT")
    again = kiosk.confirm_delivery(ticket.id, DeliveryMethod.SCREEN_ONLY, "PAPER_OUT")
    assert (
        (again.delivery, again.delivery_fault)
        == (TicketDelivery.SCREEN_ONLY, "PAPER_OUT")
        == (
            first.delivery,
            first.delivery_fault,
        )
    )
    assert event_types(manager, ticket.id).count("queue.ticket.delivered") == 1
    events = manager.trace("ticket", ticket.id).events
    delivered = [e for e in events if e.event_type == "queue.ticket.delivered"]
    assert delivered[0].data["method"] == "SCREEN_ONLY" and delivered[0].data["fault"] == "PAPER_OUT"
    with pytest.raises(ApiError) as changed:
        kiosk.confirm_delivery(ticket.id, DeliveryMethod.NOT_TAKEN)
    assert (changed.value.status, changed.value.code) == (409, "DELIVERY_ALREADY_FINAL")
    assert "不能再改" in changed.value.message


def test_not_taken_cancels_the_ticket_with_a_reason(client_for):
    kiosk, manager = client_for("kiosk"), client_for("manager")
    ticket = issue(kiosk)
    gone = kiosk.confirm_delivery(ticket.id, DeliveryMethod.NOT_TAKEN, "COVER_OPEN")
    assert (gone.status, gone.delivery, gone.cancel_reason) == (
        "CANCELLED",
        TicketDelivery.NOT_TAKEN,
        tickets.NOT_TAKEN_REASON,
    )
    assert event_types(manager, ticket.id)[-2:] == ["queue.ticket.delivered", "queue.ticket.cancelled"]
    with pytest.raises(ApiError) as late:
        kiosk.confirm_delivery(ticket.id, DeliveryMethod.PRINTED)
    assert (late.value.status, late.value.code) == (409, "DELIVERY_ALREADY_FINAL")


def test_only_the_issuing_kiosk_confirms(client_for, server):
    kiosk, admin, clerk = client_for("kiosk"), client_for("admin"), client_for("clerk1")
    other_token = admin.register_device(DeviceIn(kind=DeviceKind.KIOSK, name="kiosk-2")).token
    ticket = issue(kiosk)
    with HallClient(server.base_url, other_token) as other, pytest.raises(ApiError) as foreign:
        other.confirm_delivery(ticket.id, DeliveryMethod.PRINTED)
    assert (foreign.value.status, foreign.value.code) == (403, "DELIVERY_NOT_ISSUER")
    for outsider in (admin, clerk):
        with pytest.raises(ApiError) as refused:
            outsider.confirm_delivery(ticket.id, DeliveryMethod.PRINTED)
        assert refused.value.status == 403
    handed = issue(kiosk, None)
    with pytest.raises(ApiError) as not_asked:
        kiosk.confirm_delivery(handed.id, DeliveryMethod.PRINTED)
    assert (not_asked.value.status, not_asked.value.code) == (409, "DELIVERY_NOT_REQUESTED")
    with pytest.raises(ApiError) as missing:
        kiosk.confirm_delivery(2_000_000, DeliveryMethod.PRINTED)
    assert (missing.value.status, missing.value.code) == (404, "TICKET_NOT_FOUND")


def test_staff_cannot_issue_pending_and_bad_reports_are_refused(client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    with pytest.raises(ApiError) as staff:
        issue(clerk)
    assert (staff.value.status, staff.value.code) == (422, "DELIVERY_PENDING_KIOSK_ONLY")
    ticket = issue(kiosk)
    for body in ({"method": "LOST"}, {"method": "PRINTED", "fault": "paper out!"}, {}):
        with pytest.raises(ApiError) as bad:
            kiosk._call("POST", f"/tickets/{ticket.id}/delivery", dict, RawBody(body))
        assert bad.value.status == 422 and bad.value.message
    with pytest.raises(ApiError) as final_at_issue:
        kiosk._call("POST", "/tickets", dict, RawBody({"category_code": "SOCIAL", "delivery": "PRINTED"}))
    assert final_at_issue.value.status == 422


def test_the_sweep_cancels_tickets_nobody_confirmed(client_for, server, clock):
    kiosk, manager = client_for("kiosk"), client_for("manager")
    old = issue(kiosk)
    clock.advance(seconds=server.state.settings.ticket_confirm_seconds - 10)
    recent = issue(kiosk)
    clock.advance(seconds=11)
    swept = day.sweep_once(server.state.uow)
    assert swept["unconfirmed_tickets"] == 1
    gone = kiosk.ticket(old.id)
    assert (gone.status, gone.delivery, gone.cancel_reason) == (
        "CANCELLED",
        TicketDelivery.NOT_TAKEN,
        tickets.UNCONFIRMED_REASON,
    )
    delivered = manager.trace("ticket", old.id).events[-2]
    assert delivered.event_type == "queue.ticket.delivered" and delivered.data["by"] == "SYSTEM"
    assert kiosk.ticket(recent.id).delivery is TicketDelivery.PENDING
    assert day.sweep_once(server.state.uow)["unconfirmed_tickets"] == 0


def test_the_hall_screen_counts_the_ticket_when_it_is_confirmed(server, hall, client_for):
    kiosk = client_for("kiosk")

    async def next_event(feed: LiveFeed) -> EventMessage:
        while True:
            message = await asyncio.wait_for(feed.receive(), 30)
            if isinstance(message, EventMessage):
                return message

    async def scenario() -> None:
        async with LiveFeed(server.ws_url, hall.tokens["display"], ["display"]) as screen:
            assert isinstance(await asyncio.wait_for(screen.receive(), 30), SnapshotMessage)
            ticket = await asyncio.to_thread(issue, kiosk)
            issued = await next_event(screen)
            assert issued.event.event_type == "queue.ticket.issued"
            assert {w.code: w.waiting for w in issued.waiting}["SOCIAL"] == 0
            await asyncio.to_thread(kiosk.confirm_delivery, ticket.id, DeliveryMethod.PRINTED)
            delivered = await next_event(screen)
            assert delivered.event.event_type == "queue.ticket.delivered"
            assert delivered.event.data == {"ticket_no": ticket.number, "queue_code": "SOCIAL"}
            assert {w.code: w.waiting for w in delivered.waiting}["SOCIAL"] == 1

    asyncio.run(scenario())
