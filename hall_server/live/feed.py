"""From committed events to live messages: one publisher thread reads the state after each commit
(ticket or window view, waiting counts), decides the topics, encodes once and hands the result to the hub.
Keeping this off the request thread keeps API latency independent of the number of clients."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from hall_server.contract.events import AggregateType, Envelope
from hall_server.contract.live import EventMessage
from hall_server.core.context import Ctx
from hall_server.follow.feed import FollowFeed
from hall_server.halls.models import Hall
from hall_server.live.hub import Hub, client_topic, hall_topic
from hall_server.live.policy import display_event
from hall_server.queueing import load
from hall_server.queueing.models import Ticket, Window
from hall_server.queueing.tickets import ticket_out
from hall_server.queueing.windows import list_windows, window_by_number, window_out

log = logging.getLogger("yimen.live")

# The notice line and profile changes concern every hall screen too (a display refetches its profile).
DISPLAY_PREFIXES = ("queue.", "hall.window.", "hall.day.", "hall.notice.", "hall.display_profile.")
STAFF_WIDE_PREFIXES = ("hall.day.", "hall.help.")
_STOP = object()


def topics_for(envelope: Envelope, ticket: Ticket | None, serving: dict[int, set[int]]) -> set[str]:
    """hall: everything; display: queue, window, day, notice and display-profile events;
    window:N: what concerns window N."""
    topics = {"hall"}
    event_type = envelope.event_type.value
    if event_type.startswith(DISPLAY_PREFIXES):
        topics.add("display")
    if envelope.source.window_no is not None:
        topics.add(f"window:{envelope.source.window_no}")
    if ticket is not None:
        for number, category_ids in serving.items():
            if ticket.category_id in category_ids or (
                ticket.target_window is not None and ticket.target_window.number == number
            ):
                topics.add(f"window:{number}")
    if event_type.startswith(STAFF_WIDE_PREFIXES):  # the day's end, help asked for: every window's staff
        topics.update(f"window:{number}" for number in serving)
    return topics


class Publisher:
    """Consumes batches of committed events on its own thread and publishes them to the hub."""

    def __init__(self, hub: Hub, open_ctx: Callable[[], Any], follow: FollowFeed | None = None) -> None:
        self.hub = hub
        self.follow = follow  # the ticket:<code> topics
        self.open_ctx = open_ctx  # a context manager yielding a read-only Ctx
        self.inbox: queue.Queue[object] = queue.Queue()
        # where events come from when not submitted by this process's own commits (the PostgreSQL
        # listener): wait_idle first waits until it has handed on everything committed
        self.upstream: Callable[[], object] | None = None
        self.thread = threading.Thread(target=self._run, name="live-publisher", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.inbox.put(_STOP)
        self.thread.join(timeout=5)

    def submit(self, events: list[Envelope]) -> None:
        self.inbox.put(events)

    def wait_idle(self) -> None:
        """Block until everything committed so far has been handed to the hub (tests, benchmarks)."""
        if self.upstream is not None:
            self.upstream()
        self.inbox.join()

    def _run(self) -> None:
        while True:
            item = self.inbox.get()
            if item is _STOP:
                self.inbox.task_done()
                return
            batch: list[Envelope] = list(item)  # type: ignore[call-overload]
            taken = 1
            stop = False
            while not self.inbox.empty():  # drain what queued up meanwhile into one read of the state
                more = self.inbox.get_nowait()
                taken += 1
                if more is _STOP:
                    stop = True
                    break
                batch.extend(more)  # type: ignore[arg-type]
            try:
                self._publish(batch)
            except Exception:
                log.exception("live publish failed; clients will resync from the next snapshot")
            finally:
                for _ in range(taken):
                    self.inbox.task_done()
            if stop:
                return

    def _publish(self, batch: list[Envelope]) -> None:
        if not self.hub.listened() and (self.follow is None or self.follow.untracked()):
            return  # nobody to tell: whoever subscribes later starts from a snapshot read after these commits
        by_hall: dict[str, list[Envelope]] = {}
        for envelope in batch:
            by_hall.setdefault(envelope.source.hall_code, []).append(envelope)
        for code, events in by_hall.items():
            with self.open_ctx() as ctx:
                hall_id = ctx.session.scalar(select(Hall.id).where(Hall.code == code))
                if hall_id is None:
                    continue  # recorded before any hall existed: no hall's screens show it
                ctx.enter_hall(hall_id)  # each hall's changes reach that hall's topics only, read in it
                self._publish_hall(ctx, hall_id, events)

    def _publish_hall(self, ctx: Ctx, hall_id: int, batch: list[Envelope]) -> None:
        waiting = load.waiting_counts(ctx)
        serving = {w.number: {c.id for c in w.categories} for w in list_windows(ctx)}
        for envelope in batch:
            self._publish_one(ctx, hall_id, envelope, waiting, serving)
        if self.follow is not None:
            self.follow.publish(ctx, batch, serving)

    def _publish_one(
        self, ctx: Ctx, hall_id: int, envelope: Envelope, waiting: list[Any], serving: dict[int, set[int]]
    ) -> None:
        is_ticket = envelope.aggregate.type is AggregateType.TICKET
        ticket = ctx.session.get(Ticket, int(envelope.aggregate.id)) if is_ticket else None
        topics = {hall_topic(hall_id, t) for t in topics_for(envelope, ticket, serving)}
        if not self.hub.listened(topics):
            return
        message = EventMessage(topic="", seq=0, event=envelope, waiting=waiting)
        if is_ticket:
            message.ticket = ticket_out(ctx, ticket) if ticket else None
        elif envelope.aggregate.type is AggregateType.WINDOW:
            window: Window = window_by_number(ctx, int(envelope.aggregate.id))
            message.window = window_out(ctx, window)
        fields = {"topic", "seq", "type", "v"}
        body = message.model_dump_json(exclude=fields)
        public_body = display_event(message).model_dump_json(exclude=fields)
        prefix = f'{{"type":"event","v":{message.v},'

        def encode(hub_topic: str, seq: int) -> str:
            topic = client_topic(hub_topic)
            chosen = public_body if topic == "display" else body
            return f'{prefix}"topic":"{topic}","seq":{seq},{chosen[1:]}'

        self.hub.publish_threadsafe(topics, encode)
