"""The WebSocket live feed through a real server and real websockets clients."""

from __future__ import annotations

import asyncio
import json

import websockets

from hall_server.client import HallClient, LiveFeed
from hall_server.contract.live import EventMessage, SnapshotMessage
from hall_server.contract.queue import IssueTicketRequest
from hall_server.live.hub import hall_topic


def settle(server) -> None:
    """Let events committed so far reach the hub before a client subscribes."""
    server.state.publisher.wait_idle()


def rest(server, hall, who: str) -> HallClient:
    return HallClient(server.base_url, hall.tokens[who])


async def call_soon(function, *args):
    return await asyncio.to_thread(function, *args)


async def next_event(feed: LiveFeed, timeout: float = 30.0) -> EventMessage:
    while True:
        message = await asyncio.wait_for(feed.receive(), timeout)
        if isinstance(message, EventMessage):
            return message


def test_snapshot_then_every_change_in_sequence(server, hall):
    kiosk, clerk = rest(server, hall, "kiosk"), rest(server, hall, "clerk1")
    kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    settle(server)

    async def scenario() -> None:
        async with LiveFeed(server.ws_url, hall.tokens["display"], ["display"]) as feed:
            snapshot = await asyncio.wait_for(feed.receive(), 30)
            assert isinstance(snapshot, SnapshotMessage)
            waiting = {w.code: w.waiting for w in snapshot.snapshot.waiting}
            assert waiting["SOCIAL"] == 1 and len(snapshot.snapshot.windows) == 4
            await call_soon(clerk.window_op, 1, "open")
            opened = await next_event(feed)
            assert opened.event.event_type == "hall.window.opened" and opened.window.state == "OPEN"
            assert opened.seq == snapshot.seq + 1
            await call_soon(clerk.call_next, 1)
            called = await next_event(feed)
            assert called.seq == snapshot.seq + 2
            assert called.event.event_type == "queue.ticket.called"
            assert (called.ticket.number, called.ticket.window_no) == ("B001", 1)
            assert {w.code: w.waiting for w in called.waiting}["SOCIAL"] == 0
            assert called.event.data["window_no"] == 1

    asyncio.run(scenario())


def test_one_call_reaches_every_subscribed_client(server, hall):
    kiosk, clerk = rest(server, hall, "kiosk"), rest(server, hall, "clerk1")
    kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk.window_op(1, "open")
    settle(server)
    clients = 25

    async def scenario() -> None:
        feeds = [LiveFeed(server.ws_url, hall.tokens["display"], ["display"]) for _ in range(clients)]
        for feed in feeds:
            await feed.__aenter__()
            assert isinstance(await asyncio.wait_for(feed.receive(), 30), SnapshotMessage)
        await call_soon(clerk.call_next, 1)
        events = await asyncio.gather(*(next_event(feed) for feed in feeds))
        assert {(e.ticket.number, e.seq) for e in events} == {("B001", events[0].seq)}
        for feed in feeds:
            await feed.__aexit__(None, None, None)

    asyncio.run(scenario())


def test_window_topic_sees_its_categories_and_its_own_window_only(server, hall):
    kiosk, clerk3 = rest(server, hall, "kiosk"), rest(server, hall, "clerk3")
    settle(server)

    async def scenario() -> None:
        async with LiveFeed(server.ws_url, hall.tokens["clerk3"], ["window:3"]) as feed:
            await asyncio.wait_for(feed.receive(), 30)
            await call_soon(kiosk.issue_ticket, IssueTicketRequest(category_code="SOCIAL"))  # not window 3's
            await call_soon(kiosk.issue_ticket, IssueTicketRequest(category_code="ENTERPRISE"))
            issued = await next_event(feed)
            assert issued.ticket.category_code == "ENTERPRISE"
            await call_soon(clerk3.window_op, 3, "open")
            assert (await next_event(feed)).event.event_type == "hall.window.opened"

    asyncio.run(scenario())


def test_window_snapshot_lists_the_queue_for_that_window(server, hall):
    kiosk = rest(server, hall, "kiosk")
    for category in ("SOCIAL", "ENTERPRISE", "PICKUP"):
        kiosk.issue_ticket(IssueTicketRequest(category_code=category))

    async def scenario() -> None:
        async with LiveFeed(server.ws_url, hall.tokens["clerk2"], ["window:2"]) as feed:
            snapshot = await asyncio.wait_for(feed.receive(), 30)
            assert [t.number for t in snapshot.snapshot.window_tickets] == ["B001", "A001"]

    asyncio.run(scenario())


def test_a_gap_in_the_sequence_triggers_a_resync_from_a_fresh_snapshot(server, hall):
    kiosk = rest(server, hall, "kiosk")
    settle(server)

    async def scenario() -> None:
        async with LiveFeed(server.ws_url, hall.tokens["display"], ["display"]) as feed:
            first = await asyncio.wait_for(feed.receive(), 30)
            # Lose three messages on the way, as a dropped connection to a relay would.
            # (the hub numbers each hall's topics apart: `<hall id>|display`)
            display = hall_topic(server.state.uow.read(lambda ctx: ctx.hall_id), "display")
            server.state.hub.seq[display] += 3
            await call_soon(kiosk.issue_ticket, IssueTicketRequest(category_code="SOCIAL"))
            again = await asyncio.wait_for(feed.receive(), 30)
            assert isinstance(again, SnapshotMessage) and feed.gaps == 1
            assert again.seq == first.seq + 4
            assert {w.code: w.waiting for w in again.snapshot.waiting}["SOCIAL"] == 1
            await call_soon(kiosk.issue_ticket, IssueTicketRequest(category_code="SOCIAL"))
            after = await next_event(feed)
            assert after.seq == again.seq + 1

    asyncio.run(scenario())


def test_reconnecting_client_catches_up_from_the_snapshot(server, hall):
    kiosk, clerk = rest(server, hall, "kiosk"), rest(server, hall, "clerk1")

    async def scenario() -> None:
        async with LiveFeed(server.ws_url, hall.tokens["display"], ["display"]) as feed:
            await asyncio.wait_for(feed.receive(), 30)
        kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
        clerk.window_op(1, "open")
        clerk.call_next(1)
        async with LiveFeed(server.ws_url, hall.tokens["display"], ["display"]) as feed:
            snapshot = (await asyncio.wait_for(feed.receive(), 30)).snapshot
            assert (
                snapshot.recent_calls[0].ticket_number == "B001" and snapshot.recent_calls[0].window_no == 1
            )
            window_one = next(w for w in snapshot.windows if w.number == 1)
            assert window_one.current_ticket.number == "B001"

    asyncio.run(scenario())


def test_authentication_and_topic_permissions(server, hall):
    async def raw(token: str | None, *messages: dict) -> list[dict]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with websockets.connect(server.ws_url, additional_headers=headers) as ws:
            for message in messages:
                try:
                    await ws.send(json.dumps(message))
                except websockets.ConnectionClosed:
                    break  # refused at once (a bad token in the header): its error is already buffered
            replies = []
            try:
                while True:
                    replies.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
                    if replies[-1]["type"] in ("error", "snapshot"):
                        break
            except websockets.ConnectionClosed:
                pass
            return replies

    async def scenario() -> None:
        anonymous = await raw(None, {"type": "subscribe", "topics": ["hall"]})
        assert anonymous[0]["code"] == "AUTH_REQUIRED"
        forbidden = await raw(hall.tokens["display"], {"type": "subscribe", "topics": ["window:1"]})
        assert forbidden[0]["code"] == "TOPIC_FORBIDDEN"
        bad = await raw(hall.tokens["display"], {"type": "subscribe", "topics": ["everything"]})
        assert bad[0]["code"] == "BAD_MESSAGE"
        wrong = await raw("not-a-token-at-all", {"type": "subscribe", "topics": ["hall"]})
        assert wrong[0]["code"] == "TOKEN_INVALID"
        browser = await raw(
            None, {"type": "auth", "token": hall.tokens["manager"]}, {"type": "subscribe", "topics": ["hall"]}
        )
        assert [m["type"] for m in browser] == ["snapshot"]

    asyncio.run(scenario())


def test_ping_pong(server, hall):
    async def scenario() -> None:
        async with LiveFeed(server.ws_url, hall.tokens["kiosk"], ["display"]) as feed:
            await asyncio.wait_for(feed.receive(), 30)
            await feed.ping()
            assert (await asyncio.wait_for(feed.receive(), 30)).type == "pong"

    asyncio.run(scenario())
