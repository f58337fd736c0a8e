from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from hall_server.contract.base import Model, OutModel
from hall_server.contract.privacy import FreeText


class Role(StrEnum):
    CLERK = "clerk"  # 窗口工作人员
    BACK_OFFICE = "back_office"  # 后台审批人员
    MANAGER = "manager"  # 大厅管理员
    ADMIN = "admin"  # 系统管理员


class DeviceKind(StrEnum):
    KIOSK = "kiosk"  # 自助取号机
    DISPLAY = "display"  # 叫号大屏
    COUNTER = "counter"  # 窗口终端
    EVALPAD = "evalpad"  # 评价器


class LoginRequest(Model):
    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class StaffOut(OutModel):
    id: int
    login: str
    name: str
    role: Role
    active: bool


class StaffIn(Model):
    login: str = Field(pattern=r"^[a-zA-Z0-9_.-]{2,64}$")
    name: FreeText = Field(min_length=1, max_length=50)
    role: Role
    password: str = Field(min_length=8, max_length=256)


class StaffHallsIn(Model):
    """The halls a regional account covers (staff_hall), by hall code; empty: every hall of the deployment."""

    halls: list[str] = Field(default_factory=list, max_length=500)


class StaffHallsOut(OutModel):
    login: str
    halls: list[str] = Field(description="hall codes covered; empty: every hall")


class TokenOut(OutModel):
    token: str
    expires_at: datetime
    staff: StaffOut


class DeviceIn(Model):
    kind: DeviceKind
    name: FreeText = Field(min_length=1, max_length=64)


class DeviceOut(OutModel):
    id: int
    kind: DeviceKind
    name: str
    active: bool


class DeviceRegistered(OutModel):
    device: DeviceOut
    token: str = Field(description="shown once; the server keeps only its hash")


class WhoAmI(OutModel):
    kind: str = Field(description="staff or device")
    staff: StaffOut | None = None
    device: DeviceOut | None = None
