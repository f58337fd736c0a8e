"""WebSocket /ws messages: a discriminated union on `type`, versioned by `v`.

Client → server: auth (if no Authorization header), subscribe (topics), resync (one topic), ping.
Server → client: snapshot (per topic, with the topic's current seq), event (seq = previous + 1 per topic),
error, pong. A client that sees seq jump by more than one has missed messages: it sends resync and applies
the new snapshot. Topics: `hall` (everything), `display` (calls, windows, waiting counts), `window:<no>`,
and `ticket:<follow code>`: the public view of one ticket (no sign-in needed: the follow code is the secret);
its messages are `ticket` messages, each carrying the whole public view (the first one is its snapshot).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from hall_server.contract.base import Model, OutModel
from hall_server.contract.events import Envelope
from hall_server.contract.load import CategoryWaiting, Snapshot
from hall_server.contract.queue import PublicTicketOut, TicketOut, WindowOut

LIVE_VERSION = 1
TICKET_TOPICS = "ticket:"
TOPIC_PATTERN = r"^(hall|display|window:[0-9]{1,3}|ticket:[A-Za-z0-9_-]{8,32})$"


class Auth(Model):
    """For clients that cannot set an Authorization header (browsers): the first message."""

    type: Literal["auth"] = "auth"
    v: int = LIVE_VERSION
    token: str = Field(min_length=8, max_length=200)
    hall: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Za-z-]{3,50}$",
        description="a regional account: the hall (code) of the feed, within its cover",
    )


class Subscribe(Model):
    type: Literal["subscribe"] = "subscribe"
    v: int = LIVE_VERSION
    topics: list[Annotated[str, Field(pattern=TOPIC_PATTERN)]] = Field(min_length=1, max_length=8)


class Resync(Model):
    type: Literal["resync"] = "resync"
    v: int = LIVE_VERSION
    topic: str = Field(pattern=TOPIC_PATTERN)


class Ping(Model):
    type: Literal["ping"] = "ping"
    v: int = LIVE_VERSION


ClientMessage = Annotated[Auth | Subscribe | Resync | Ping, Field(discriminator="type")]
client_message = TypeAdapter(ClientMessage)


class SnapshotMessage(OutModel):
    type: Literal["snapshot"] = "snapshot"
    v: int = LIVE_VERSION
    topic: str
    seq: int
    snapshot: Snapshot


class EventMessage(OutModel):
    type: Literal["event"] = "event"
    v: int = LIVE_VERSION
    topic: str
    seq: int
    event: Envelope
    ticket: TicketOut | None = Field(default=None, description="the ticket after the event (ticket events)")
    window: WindowOut | None = Field(default=None, description="the window after the event (window events)")
    waiting: list[CategoryWaiting] = Field(description="waiting counts per category after the event")


class TicketMessage(OutModel):
    """The public view of one followed ticket: on subscribe and whenever it changes."""

    type: Literal["ticket"] = "ticket"
    v: int = LIVE_VERSION
    topic: str
    seq: int
    ticket: PublicTicketOut


class ErrorMessage(OutModel):
    type: Literal["error"] = "error"
    v: int = LIVE_VERSION
    code: str
    message: str


class Pong(OutModel):
    type: Literal["pong"] = "pong"
    v: int = LIVE_VERSION


ServerMessage = Annotated[
    SnapshotMessage | EventMessage | TicketMessage | ErrorMessage | Pong, Field(discriminator="type")
]
server_message = TypeAdapter(ServerMessage)
