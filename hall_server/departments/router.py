"""进驻部门 API: every staff member reads the list (to route work); admins set departments and members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hall_server.contract.departments import DEPARTMENT_CODE, DepartmentIn, DepartmentMembersIn, DepartmentOut
from hall_server.departments import service
from hall_server.deps import ADMINS, STAFF, ApiDep

router = APIRouter(tags=["departments"])
CodeParam = Annotated[str, Path(pattern=DEPARTMENT_CODE, description="部门代码")]


@router.get("/departments", response_model=list[DepartmentOut])
def list_departments(api: ApiDep) -> list[DepartmentOut]:
    return api.read(service.listing, roles=STAFF)


@router.get("/departments/{code}", response_model=DepartmentOut)
def get_department(code: CodeParam, api: ApiDep) -> DepartmentOut:
    return api.read(lambda ctx: service.out(ctx, service.by_code(ctx, code)), roles=STAFF)


@router.put("/departments/{code}", response_model=DepartmentOut)
def save_department(code: CodeParam, body: DepartmentIn, api: ApiDep) -> DepartmentOut:
    return api.run(lambda ctx: service.out(ctx, service.save(ctx, code, body)), roles=ADMINS)


@router.put("/departments/{code}/members", response_model=DepartmentOut)
def set_members(code: CodeParam, body: DepartmentMembersIn, api: ApiDep) -> DepartmentOut:
    return api.run(lambda ctx: service.out(ctx, service.set_members(ctx, code, body)), roles=ADMINS)
