from __future__ import annotations

from datetime import date

from pydantic import Field

from hall_server.contract.base import Model, OutModel
from hall_server.contract.catalogue import Level
from hall_server.contract.privacy import FreeText


class HallIn(Model):
    code: str = Field(pattern=r"^[0-9A-Za-z-]{3,50}$", description="大厅编码")
    name: FreeText = Field(min_length=2, max_length=100)
    region_code: str = Field(pattern=r"^[0-9]{12}$", description="12位行政区划代码")
    level: Level
    org_uscc: str = Field(description="大厅管理机构统一社会信用代码")
    address: FreeText = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=50)
    hours: FreeText = Field(default="", max_length=150)


class HallOut(HallIn):
    model_config = OutModel.model_config
    id: int
    service_date: date = Field(description="今日（本地时区）")
    queue_closed_today: bool = Field(description="今日已日终，停止取号")
    notice: str = Field(default="", description="the notice line of the hall screens (通知栏)")


class HallSummary(OutModel):
    """A hall the caller may see (GET /api/v1/halls), with its live load in brief."""

    id: int
    code: str
    name: str
    level: Level
    waiting: int = Field(description="tickets waiting now")
    longest_wait_seconds: int = Field(description="of the tickets waiting now")
    open_windows: int
    queue_closed_today: bool
