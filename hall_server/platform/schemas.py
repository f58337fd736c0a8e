"""Answers of the receiver's query API beyond those in `hall_server.sync.wire` (which has DaySummary)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class StoredEvent(BaseModel):
    arrival: int = Field(description="the platform's own arrival number, increasing in storage order")
    event_id: str
    seq: int
    event_type: str
    occurred_at: datetime
    local_day: date
    app_id: str
    received_at: datetime
    envelope: dict[str, Any]


class AggregateEvents(BaseModel):
    """GET /open/hall/v1/aggregates/{type}/{id}/events[?after_seq=N]: the accepted events, by seq."""

    type: str
    id: str
    last_seq: int = Field(description="0 when the platform holds nothing of this aggregate")
    events: list[StoredEvent]


class AppStats(BaseModel):
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    retry: int = 0


class PlatformStats(BaseModel):
    """GET /open/hall/v1/stats: `accepted` counts stored events; the others count answers given."""

    accepted: int
    duplicates: int
    rejected: int
    retries: int
    aggregates: int
    apps: dict[str, AppStats]
