"""Fan-out of live messages to WebSocket clients (the hub design of the websockets docs' broadcast topic).

Each topic has its own sequence number. A message is encoded once per topic; each client has one bounded
queue and one writer task, so a slow client never stalls the others. A client whose queue overflows is
disconnected (close code 1013) and resyncs from a snapshot when it reconnects.

Snapshot consistency: when a client (re)subscribes to a topic, the hub notes the topic's current seq S,
the client's writer drops queued messages of that topic with seq ≤ S, the snapshot (read after S was
noted) is sent with seq S, and every message with seq > S follows in order. Applying a message whose
effect the snapshot already contains is harmless: messages carry the ticket's or window's whole state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger("yimen.live")

SLOW_CLIENT_CLOSE = 1013
TICKET_TOPICS = "ticket:"
HALL_SEPARATOR = "|"


def hall_topic(hall_id: int | None, topic: str) -> str:
    """The hub's name of a hall's topic (`3|window:2`); clients see `window:2`. Ticket topics are global:
    a follow code is unique across halls."""
    return topic if topic.startswith(TICKET_TOPICS) else f"{hall_id}{HALL_SEPARATOR}{topic}"


def client_topic(hub_topic: str) -> str:
    return hub_topic.split(HALL_SEPARATOR, 1)[-1]


@dataclass(eq=False)
class Subscriber:
    send_text: Callable[[str], Awaitable[None]]
    queue_size: int
    topics: set[str] = field(default_factory=set)
    floors: dict[str, int] = field(default_factory=dict)
    queue: asyncio.Queue[tuple[str, int, str]] = field(init=False)
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    overflowed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_size)

    def offer(self, topic: str, seq: int, text: str) -> None:
        try:
            self.queue.put_nowait((topic, seq, text))
        except asyncio.QueueFull:
            self.overflowed.set()

    async def run_writer(self) -> None:
        while True:
            topic, seq, text = await self.queue.get()
            async with self.send_lock:
                if seq <= self.floors.get(topic, 0):
                    continue
                await self.send_text(text)


class Hub:
    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self.seq: defaultdict[str, int] = defaultdict(int)  # a topic nobody was sent anything is at 0
        self.subscribers: set[Subscriber] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.delivered = 0
        # subscribers per topic, read by the publisher thread: it reads no state for messages nobody is
        # subscribed to, and recomputes only the followed tickets (`ticket:<code>` topics)
        self._listeners: Counter[str] = Counter()
        self._listeners_lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def new_subscriber(self, send_text: Callable[[str], Awaitable[None]]) -> Subscriber:
        subscriber = Subscriber(send_text, self.queue_size)
        self.subscribers.add(subscriber)
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        for topic in list(subscriber.topics):
            self.unmark(subscriber, topic)

    def mark(self, subscriber: Subscriber, topic: str) -> int:
        """Start (or restart) a topic for a subscriber; returns the seq its snapshot will carry."""
        if topic not in subscriber.topics:
            with self._listeners_lock:
                self._listeners[topic] += 1
        subscriber.topics.add(topic)
        current = self.seq.get(topic, 0)
        subscriber.floors[topic] = current
        return current

    def unmark(self, subscriber: Subscriber, topic: str) -> None:
        if topic not in subscriber.topics:
            return
        subscriber.topics.discard(topic)
        with self._listeners_lock:
            self._listeners[topic] -= 1
            if self._listeners[topic] <= 0:
                del self._listeners[topic]

    def watched_codes(self) -> frozenset[str]:
        """Follow codes somebody is following now (any thread)."""
        with self._listeners_lock:
            return frozenset(
                t.removeprefix(TICKET_TOPICS) for t in self._listeners if t.startswith(TICKET_TOPICS)
            )

    def listened(self, topics: set[str] | None = None) -> bool:
        """Whether any client is subscribed to one of `topics` (to any topic, without them), any thread.
        A client that subscribes later gets a snapshot read after that moment, so a message nobody is
        subscribed to now may be skipped without a gap."""
        with self._listeners_lock:
            return bool(self._listeners) if topics is None else any(t in self._listeners for t in topics)

    def publish(self, topics: set[str], encode: Callable[[str, int], str]) -> None:
        """On the event loop: give the message the next seq of each topic and queue it for subscribers."""
        for topic in topics:
            seq = self.seq.get(topic, 0) + 1
            self.seq[topic] = seq
            text = encode(topic, seq)
            for subscriber in self.subscribers:
                if topic in subscriber.topics:
                    subscriber.offer(topic, seq, text)
                    self.delivered += 1

    def publish_threadsafe(self, topics: set[str], encode: Callable[[str, int], str]) -> None:
        if self.loop is None or self.loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # loop shutting down
            self.loop.call_soon_threadsafe(self.publish, topics, encode)
