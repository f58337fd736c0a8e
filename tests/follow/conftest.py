from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest
import websockets

from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest, TicketOut
from tests.factories import person


def issue_social(kiosk: HallClient, count: int) -> list[TicketOut]:
    return [
        kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL", identity=person(name=f"张{i}")))
        for i in range(count)
    ]


def serve_next(clerk: HallClient, window_no: int) -> None:
    """Finish what the window has (if anything) and call the next ticket."""
    current = clerk.window(window_no).current_ticket
    if current is not None:
        clerk.window_op(window_no, "start")
        clerk.window_op(window_no, "complete")
    clerk.call_next(window_no)


class Follower:
    """An anonymous WebSocket client following ticket topics (as the follow page does)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ws: websockets.ClientConnection | None = None

    async def __aenter__(self) -> Follower:
        self.ws = await websockets.connect(self.url)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.ws is not None
        await self.ws.close()

    async def subscribe(self, *topics: str) -> dict:
        assert self.ws is not None
        await self.ws.send(json.dumps({"type": "subscribe", "topics": list(topics)}))
        return await self.next()

    async def next(self, timeout: float = 30) -> dict:
        assert self.ws is not None
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def until(self, done: Callable[[dict], bool]) -> list[dict]:
        """Messages up to and including the first `done` accepts (each must come within 5 s)."""
        received = [await self.next()]
        while not done(received[-1]):
            received.append(await self.next())
        return received

    async def quiet(self, seconds: float = 0.5) -> list[dict]:
        """Whatever arrives within `seconds` (expected: nothing)."""
        received = []
        try:
            while True:
                received.append(await self.next(seconds))
        except TimeoutError:
            return received


@pytest.fixture
def follower(server) -> Callable[[], Follower]:
    return lambda: Follower(server.ws_url)
