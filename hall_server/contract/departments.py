"""Departments (进驻部门) stationed in the hall. A window and a staff member belong to one at most;
a 差评整改 is the responsibility of the window's department and a complaint is routed to one."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from hall_server.contract.base import DbId, Model, OutModel, WindowNo
from hall_server.contract.privacy import FreeText

DEPARTMENT_CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"
DepartmentCode = Annotated[str, Field(pattern=DEPARTMENT_CODE, description="部门代码")]


class DepartmentIn(Model):
    name: FreeText = Field(min_length=1, max_length=100, description="部门名称")
    org_uscc: str | None = Field(
        default=None,
        pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$",
        description="统一社会信用代码 (好差评 deptCode)",
    )
    active: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class DepartmentMembersIn(Model):
    """Replaces the department's windows and staff: those listed join it (leaving any other department)."""

    window_numbers: list[WindowNo] = Field(default_factory=list, max_length=999)
    staff_ids: list[DbId] = Field(default_factory=list, max_length=1000)


class DepartmentMember(OutModel):
    id: int
    name: str


class DepartmentOut(OutModel):
    code: str
    name: str
    org_uscc: str | None
    active: bool
    window_numbers: list[int]
    staff: list[DepartmentMember]
