from __future__ import annotations

import json
from collections.abc import AsyncIterator
from types import TracebackType

import websockets
from websockets.asyncio.client import ClientConnection

from hall_server.contract.live import (
    ErrorMessage,
    EventMessage,
    Ping,
    Pong,
    Resync,
    ServerMessage,
    SnapshotMessage,
    Subscribe,
    server_message,
)


class LiveFeed:
    """The live feed for some topics. Iterating yields the snapshot of each topic, then its events in seq
    order. A gap in a topic's seq (messages were lost) triggers a resync: the next message of that topic
    is a fresh snapshot. `gaps` counts how often that happened."""

    def __init__(self, url: str, token: str, topics: list[str], *, hall: str | None = None) -> None:
        self.url = url
        self.token = token
        self.hall = hall  # a regional account: the hall (code) of the feed
        self.topics = topics
        self.last_seq: dict[str, int] = {}
        self.gaps = 0
        self.connection: ClientConnection | None = None

    async def __aenter__(self) -> LiveFeed:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.hall:
            headers["X-Yimen-Hall"] = self.hall
        self.connection = await websockets.connect(self.url, additional_headers=headers, max_size=2**24)
        await self.connection.send(Subscribe(topics=self.topics).model_dump_json())
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.connection is not None:
            await self.connection.close()

    async def ping(self) -> None:
        assert self.connection is not None
        await self.connection.send(Ping().model_dump_json())

    async def resync(self, topic: str) -> None:
        assert self.connection is not None
        self.last_seq.pop(topic, None)
        await self.connection.send(Resync(topic=topic).model_dump_json())

    async def receive(self) -> ServerMessage:
        """The next message worth applying (stale events after a gap are skipped until the snapshot)."""
        assert self.connection is not None
        while True:
            message = server_message.validate_python(json.loads(await self.connection.recv()))
            if isinstance(message, SnapshotMessage):
                self.last_seq[message.topic] = message.seq
                return message
            if isinstance(message, EventMessage):
                last = self.last_seq.get(message.topic)
                if last is None:
                    continue  # waiting for this topic's snapshot after a resync
                if message.seq <= last:
                    continue
                if message.seq != last + 1:
                    self.gaps += 1
                    await self.resync(message.topic)
                    continue
                self.last_seq[message.topic] = message.seq
                return message
            if isinstance(message, ErrorMessage | Pong):
                return message

    def __aiter__(self) -> AsyncIterator[ServerMessage]:
        return self

    async def __anext__(self) -> ServerMessage:
        try:
            return await self.receive()
        except websockets.ConnectionClosed as exc:
            raise StopAsyncIteration from exc
