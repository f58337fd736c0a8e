"""Help requests (请工作人员帮助): raised at a kiosk (elder mode) or by staff, resolved by staff."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from hall_server.contract.base import Model, OutModel
from hall_server.contract.privacy import FreeText


class HelpRequestIn(Model):
    reason: FreeText = Field(default="", max_length=200, description="optional: what the visitor needs")
    place: FreeText = Field(
        default="", max_length=64, description="where to go; a kiosk's own name is used when a kiosk asks"
    )


class HelpResolveIn(Model):
    note: FreeText = Field(default="", max_length=200, description="what staff did")


class HelpRequestOut(OutModel):
    id: int
    place: str = Field(description="the device's name, or where staff said")
    reason: str
    requested_by: str = Field(description="device name or staff name")
    requested_at: datetime
    open: bool
    resolved_at: datetime | None
    resolved_by: str | None = Field(description="staff name")
    resolution: str
