"""The event log's hash chain as checked by `GET /api/v1/events/verify` (admins; `yimen events verify`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hall_server.contract.base import OutModel

FindingKind = Literal["CHANGED", "REMOVED", "INSERTED", "CHECKPOINT", "TRUNCATED"]


class ChainFindingOut(OutModel):
    kind: FindingKind
    position: int | None = Field(description="chain position (1 = first event); none for a row without one")
    message: str


class ChainVerifyOut(OutModel):
    intact: bool
    head_pos: int = Field(
        description="the chain head when the check began; later events are left for next time"
    )
    head_hash: str
    events: int
    checkpoints: int
    seconds: float
    findings: list[ChainFindingOut] = Field(description="in chain order, at most 100")
    more_findings: int = Field(description="found beyond those listed")
