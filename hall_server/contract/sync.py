"""Delivery to the online platform, as managers and the trace see it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from hall_server.contract.base import Model, OutModel


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # 待发送
    SENDING = "SENDING"  # 发送中
    DONE = "DONE"  # 已送达
    DUPLICATE = "DUPLICATE"  # 平台已有（视为送达）
    RETRY = "RETRY"  # 等待重试
    DEAD = "DEAD"  # 平台拒收，待人工处理


class DeliveryInfo(OutModel):
    event_id: str
    hall_code: str | None = Field(default=None, description="来源大厅: the hall whose event it is")
    target: str
    event_type: str = ""
    aggregate: str = Field(default="", description="what the event is about, e.g. ticket:42")
    occurred_at: datetime | None = None
    status: DeliveryStatus
    attempts: int
    delivered_at: datetime | None
    next_attempt_at: datetime | None = Field(description="when it will be tried again, if not delivered")
    last_error: str


class TargetStatus(OutModel):
    target: str
    kind: str
    backlog: int = Field(description="events not yet delivered (pending, sending, retry)")
    delivered_today: int = Field(description="events delivered since local midnight")
    dead: int
    oldest_undelivered_at: datetime | None = Field(
        description="when the oldest undelivered event (the first in log order) occurred"
    )
    lag_seconds: float = Field(description="age of the oldest undelivered event; 0 when none")
    last_delivered_at: datetime | None
    oldest_attempts: int = Field(default=0, description="tries so far of the oldest undelivered event")
    oldest_error: str = Field(default="", description="why the oldest undelivered event is not delivered yet")
    oldest_next_attempt_at: datetime | None = None


class SyncStatus(OutModel):
    targets: list[TargetStatus]


class ReplayRequest(Model):
    event_ids: list[str] = Field(default_factory=list, max_length=10_000)
    all_dead: bool = False
    target: str | None = None


class ReconcileReport(OutModel):
    target: str
    day: date
    local_count: int
    remote_count: int
    matched: bool
    requeued: list[str] = Field(description="events the target did not have, queued again")
    unknown_remote: list[str] = Field(description="events the target has that this hall never wrote")
