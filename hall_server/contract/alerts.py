"""Load thresholds (标准), the alerts managers see on the dashboard, and their acknowledgement.

An alert is raised when something needs a manager: a threshold crossed (longest wait, queue length, a
service taking too long), 冷热不均 (a window idle or lightly loaded while a category it could be given is
overloaded; the alert carries the concrete fix), a device fault reported by a kiosk or counter, a help
request.
It clears by itself when the condition is gone; a manager acknowledges it (an event, like every change).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from hall_server.contract.base import Model, OutModel
from hall_server.contract.privacy import FreeText

HALL_SCOPE = "hall"  # a threshold for the whole hall; otherwise the scope is a category code


class AlertKind(StrEnum):
    WAIT_TOO_LONG = "WAIT_TOO_LONG"  # 等候超时: the longest current wait of a category
    QUEUE_TOO_LONG = "QUEUE_TOO_LONG"  # 排队过长: people waiting in a category
    SERVICE_TOO_LONG = "SERVICE_TOO_LONG"  # 办理超时: a window serving one ticket for too long
    IMBALANCE = "IMBALANCE"  # 冷热不均: idle window, overloaded category it could be given
    DEVICE_FAULT = "DEVICE_FAULT"  # a device's part reported FAULT or ABSENT
    DEVICE_SILENT = "DEVICE_SILENT"  # 设备失联: a device that reported has stopped reporting (stale)
    HELP_REQUESTED = "HELP_REQUESTED"  # 求助: a visitor at a kiosk asked for staff
    CASE_OVERDUE = "CASE_OVERDUE"  # 电子监察红牌: a department's cases past their promised date
    CASE_DUE_SOON = "CASE_DUE_SOON"  # 电子监察黄牌: a department's cases about to be overdue


class ThresholdIn(Model):
    """None: no limit of that kind at this scope (a category without its own limit uses the hall's)."""

    max_wait_seconds: int | None = Field(default=None, ge=60, le=86_400, description="longest current wait")
    max_waiting: int | None = Field(default=None, ge=1, le=10_000, description="people waiting")
    max_service_seconds: int | None = Field(
        default=None, ge=60, le=86_400, description="one ticket in service at a window"
    )


class ThresholdOut(OutModel):
    scope: str = Field(description="'hall' or a category code")
    scope_name: str = Field(description="全厅 or the category's name")
    max_wait_seconds: int | None
    max_waiting: int | None
    max_service_seconds: int | None
    updated_at: datetime | None


class Suggestion(OutModel):
    """The one-click fix of a 冷热不均 alert: give `window_no` the category `category_code` too
    (PUT /api/v1/windows/{window_no}/categories with `category_codes`)."""

    window_no: int
    category_code: str
    category_name: str
    category_codes: list[str] = Field(description="the window's categories after the fix")
    text: str = Field(description="把 7 号窗口加开社会事务")


class AlertOut(OutModel):
    id: int
    kind: AlertKind
    key: str = Field(description="what the alert is about; one open alert per key (WAIT_TOO_LONG:B)")
    title: str = Field(description="Chinese, one line")
    detail: str = Field(description="Chinese: the figure, the limit, since when")
    category_code: str | None
    window_no: int | None
    device_id: int | None
    help_id: int | None
    value: float | None = Field(description="the measured figure (seconds, people) when it was last seen")
    limit: float | None = Field(description="the threshold crossed")
    suggestion: Suggestion | None
    raised_at: datetime
    cleared_at: datetime | None = Field(description="the condition went away")
    acknowledged_at: datetime | None
    acknowledged_by: str | None = Field(description="the manager's name")
    acknowledge_note: str


class AlertAcknowledgeIn(Model):
    note: FreeText = Field(default="", max_length=200, description="what the manager did")
