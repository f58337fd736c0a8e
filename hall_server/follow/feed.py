"""The `ticket:<follow code>` live topics: the public view of each followed ticket, sent when it changes.

Cost is bounded by who follows: after each batch of committed events, only tickets somebody follows (or
that opted in to notices) are looked at, and of those only tickets in a category the batch touched are
recomputed (their people ahead or estimate may have moved); a view is sent only if it differs from the
last one sent.
"""

from __future__ import annotations

from sqlalchemy import select

from hall_server.contract.events import AggregateType, Envelope, EventType
from hall_server.contract.live import TicketMessage
from hall_server.contract.queue import PublicTicketOut
from hall_server.core.context import Ctx
from hall_server.follow.notify import Notifier
from hall_server.follow.service import Moment, moments
from hall_server.live.hub import TICKET_TOPICS, Hub
from hall_server.queueing.models import Ticket
from hall_server.queueing.tickets import public_ticket_out

ALL = None  # the batch may have changed every category's queue
EVERYWHERE = (EventType.TICKET_TRANSFERRED, EventType.WINDOW_CONFIGURED, EventType.CATEGORY_SAVED)


def touched_categories(ctx: Ctx, batch: list[Envelope], serving: dict[int, set[int]]) -> set[int] | None:
    """Categories whose queue or estimate the batch may have changed; None for all of them."""
    touched: set[int] = set()
    for envelope in batch:
        if envelope.event_type in EVERYWHERE or envelope.event_type.value.startswith("hall.day."):
            return ALL
        if envelope.aggregate.type is AggregateType.TICKET:
            ticket = ctx.session.get(Ticket, int(envelope.aggregate.id))
            if ticket is not None:
                touched.add(ticket.category_id)
        elif envelope.aggregate.type is AggregateType.WINDOW:
            touched |= serving.get(int(envelope.aggregate.id), set())
    return touched


class FollowFeed:
    """Runs on the live publisher's thread."""

    def __init__(self, hub: Hub, notifier: Notifier) -> None:
        self.hub = hub
        self.notifier = notifier
        self.last: dict[str, PublicTicketOut] = {}
        self.told: set[tuple[str, Moment]] = set()
        self.recomputed = 0  # views computed so far (tests, benchmarks)

    def untracked(self) -> bool:
        """Nobody follows a ticket nor asked for notices (then nothing remembered for them is kept)."""
        tracked = self.hub.watched_codes() | frozenset(self.notifier.opted_in())
        self._forget_untracked(tracked)
        return not tracked

    def publish(self, ctx: Ctx, batch: list[Envelope], serving: dict[int, set[int]]) -> None:
        watched = self.hub.watched_codes()
        opted_in = frozenset(self.notifier.opted_in())
        tracked = watched | opted_in
        self._forget_untracked(tracked)
        if not tracked:
            return
        touched = touched_categories(ctx, batch, serving)
        for ticket in self._tickets(ctx, tracked):
            if touched is not ALL and ticket.category_id not in touched:
                continue
            code = ticket.follow_code
            view = public_ticket_out(ctx, ticket)
            self.recomputed += 1
            previous = self.last.get(code)
            if view == previous:
                continue
            self.last[code] = view
            if code in watched:
                self._send(code, view)
            if code in opted_in:
                self._tell(code, previous, view)

    def _tickets(self, ctx: Ctx, codes: frozenset[str]) -> list[Ticket]:
        query = select(Ticket).where(Ticket.follow_code.in_(codes), Ticket.service_date == ctx.clock.today())
        return list(ctx.session.scalars(query))

    def _send(self, code: str, view: PublicTicketOut) -> None:
        def encode(topic: str, seq: int) -> str:
            return TicketMessage(topic=topic, seq=seq, ticket=view).model_dump_json()

        self.hub.publish_threadsafe({TICKET_TOPICS + code}, encode)

    def _tell(self, code: str, previous: PublicTicketOut | None, view: PublicTicketOut) -> None:
        for moment in moments(previous, view):
            if (code, moment) not in self.told:
                self.told.add((code, moment))
                self.notifier.notify(code, view, moment)

    def _forget_untracked(self, tracked: frozenset[str]) -> None:
        for code in [c for c in self.last if c not in tracked]:
            del self.last[code]
        self.told = {(code, moment) for code, moment in self.told if code in tracked}
