from __future__ import annotations

from pydantic import Field

from hall_server.contract.base import OutModel
from hall_server.contract.events import Envelope
from hall_server.contract.sync import DeliveryInfo


class TraceOut(OutModel):
    """全过程留痕: every event of one aggregate, in order, and of the aggregates linked to it."""

    aggregate_type: str
    aggregate_id: str
    summary: dict[str, object] = Field(description="the aggregate's current state, masked")
    events: list[Envelope] = Field(
        description="this aggregate's events and those of linked aggregates, by time"
    )
    linked: list[str] = Field(description="linked aggregates as type:id, e.g. appointment:12")
    deliveries: list[DeliveryInfo] = Field(
        default_factory=list, description="for each event, whether and when it reached each sync target"
    )
