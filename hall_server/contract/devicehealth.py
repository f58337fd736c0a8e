"""Device health: each device (kiosk, counter...) reports its parts (reader, printer, camera...) and its app
version periodically; managers see the latest report of every registered device, and which are stale."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from hall_server.contract.auth import DeviceKind
from hall_server.contract.base import Model, OutModel
from hall_server.contract.privacy import FreeText


class PartState(StrEnum):
    OK = "OK"
    FAULT = "FAULT"  # present but failing (paper out, cover open, no answer)
    ABSENT = "ABSENT"  # configured but not found (unplugged)


class PartReport(Model):
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$", description="reader, printer, camera, scanner...")
    url_or_name: FreeText = Field(min_length=1, max_length=200, description="e.g. serial:///dev/ttyUSB0")
    state: PartState
    code: str | None = Field(
        default=None, pattern=r"^[A-Z][A-Z0-9_]{0,31}$", description="fault code, e.g. PAPER_OUT"
    )
    message: FreeText = Field(default="", max_length=200, description="Chinese, for the manager")


class HealthReport(Model):
    app_version: str = Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z.+\-_]+$")
    devices: list[PartReport] = Field(default_factory=list, max_length=20)
    signing_off: bool = Field(
        default=False,
        description="the device is shutting down in order (关机, e.g. at closing time): its silence until "
        "its next report is expected and raises no 设备失联",
    )

    @model_validator(mode="after")
    def _parts_once(self) -> HealthReport:
        keys = [(part.kind, part.url_or_name) for part in self.devices]
        if len(keys) != len(set(keys)):
            raise ValueError("each (kind, url_or_name) at most once per report")
        return self


class PartOut(OutModel):
    kind: str
    url_or_name: str
    state: PartState
    code: str | None
    message: str


class DeviceHealthOut(OutModel):
    device_id: int
    name: str
    kind: DeviceKind
    active: bool
    app_version: str | None = Field(description="None if it never reported")
    reported_at: datetime | None
    stale: bool = Field(description="no report within YIMEN_DEVICE_HEALTH_STALE_SECONDS (or never)")
    signed_off: bool = Field(
        default=False,
        description="its last report said it was shutting down in order (已关机): silence expected",
    )
    faults: int = Field(description="parts reported FAULT or ABSENT")
    devices: list[PartOut]
