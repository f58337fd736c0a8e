"""Departments (进驻部门) and who belongs to them: windows and staff, one department each at most."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from hall_server.auth.models import Staff
from hall_server.contract import idnumbers as numbers
from hall_server.contract.auth import Role
from hall_server.contract.departments import (
    DepartmentIn,
    DepartmentMember,
    DepartmentMembersIn,
    DepartmentOut,
)
from hall_server.contract.events import AggregateType, EventType
from hall_server.core.context import Ctx
from hall_server.core.errors import Invalid, NotFound
from hall_server.departments.models import Department
from hall_server.events.service import record
from hall_server.queueing.models import Window


def by_code(ctx: Ctx, code: str) -> Department:
    department = ctx.session.scalars(select(Department).where(Department.code == code)).first()
    if department is None:
        raise NotFound("DEPARTMENT_NOT_FOUND", f"没有代码为 {code} 的部门")
    return department


def active_by_code(ctx: Ctx, code: str) -> Department:
    """For routing work to a department: unknown or inactive is the caller's mistake (422)."""
    department = ctx.session.scalars(select(Department).where(Department.code == code)).first()
    if department is None or not department.active:
        raise Invalid("DEPARTMENT_UNKNOWN", f"部门 {code} 不存在或已停用")
    return department


def of_staff(ctx: Ctx, staff_id: int | None) -> int | None:
    staff = ctx.session.get(Staff, staff_id) if staff_id is not None else None
    return staff.department_id if staff else None


def of_window(ctx: Ctx, window_no: int | None) -> int | None:
    if window_no is None:
        return None
    return ctx.session.scalars(select(Window.department_id).where(Window.number == window_no)).first()


def name_of(ctx: Ctx, department_id: int | None) -> str | None:
    department = ctx.session.get(Department, department_id) if department_id is not None else None
    return department.name if department else None


def code_of(ctx: Ctx, department_id: int | None) -> str | None:
    department = ctx.session.get(Department, department_id) if department_id is not None else None
    return department.code if department else None


def is_manager(ctx: Ctx) -> bool:
    return ctx.principal is not None and ctx.principal.role in (Role.MANAGER, Role.ADMIN)


def visible_to_staff(
    ctx: Ctx, department: InstrumentedAttribute[Any], *own: InstrumentedAttribute[Any]
) -> ColumnElement[bool] | None:
    """What a staff member who is not a manager may see of department work (差评整改, 投诉): rows of their
    department or whose `own` columns name them. None for managers: everything."""
    if is_manager(ctx):
        return None
    staff_id = ctx.principal.staff_id if ctx.principal else None
    department_id = of_staff(ctx, staff_id)
    of_department = department == department_id if department_id is not None else false()
    return or_(of_department, *(column == staff_id for column in own))


def may_see(ctx: Ctx, department_id: int | None, *own: int | None) -> bool:
    """The same rule as `visible_to_staff` for one row already read."""
    if is_manager(ctx):
        return True
    staff_id = ctx.principal.staff_id if ctx.principal else None
    mine = of_staff(ctx, staff_id)
    return (mine is not None and mine == department_id) or (staff_id is not None and staff_id in own)


def save(ctx: Ctx, code: str, body: DepartmentIn) -> Department:
    if body.org_uscc is not None:
        try:
            numbers.validate_uscc(body.org_uscc)
        except numbers.InvalidIdNumber as exc:
            raise Invalid("DEPARTMENT_USCC", f"统一社会信用代码：{exc}") from exc
    department = ctx.session.scalars(select(Department).where(Department.code == code)).first()
    if department is None:
        department = Department(code=code, created_at=ctx.clock.now())
        ctx.session.add(department)
    department.name, department.org_uscc, department.active = body.name, body.org_uscc, body.active
    ctx.session.flush()
    record(ctx, EventType.DEPARTMENT_SAVED, AggregateType.DEPARTMENT, code, body.model_dump(mode="json"))
    return department


def set_members(ctx: Ctx, code: str, body: DepartmentMembersIn) -> Department:
    department = by_code(ctx, code)
    windows = _windows(ctx, body.window_numbers)
    staff = _staff(ctx, body.staff_ids)
    ctx.session.execute(
        update(Window).where(Window.department_id == department.id).values(department_id=None)
    )
    ctx.session.execute(update(Staff).where(Staff.department_id == department.id).values(department_id=None))
    for window in windows:
        window.department_id = department.id
    for person in staff:
        person.department_id = department.id
    ctx.session.flush()
    data = {"window_numbers": sorted(w.number for w in windows), "staff_ids": sorted(s.id for s in staff)}
    record(ctx, EventType.DEPARTMENT_MEMBERS_SET, AggregateType.DEPARTMENT, code, data)
    return department


def _windows(ctx: Ctx, numbers_: list[int]) -> list[Window]:
    found = list(ctx.session.scalars(select(Window).where(Window.number.in_(set(numbers_)))))
    missing = sorted(set(numbers_) - {w.number for w in found})
    if missing:
        raise Invalid(
            "WINDOW_NOT_FOUND", f"没有这些窗口：{'、'.join(map(str, missing))}", {"missing": missing}
        )
    return found


def _of_hall(ctx: Ctx) -> ColumnElement[bool]:
    # staff are not hall-scoped rows (regional accounts have no hall): another hall's staff are "missing"
    return or_(Staff.hall_id.is_(None), Staff.hall_id == ctx.hall_id)


def hall_staff(ctx: Ctx, staff_id: int | None) -> Staff | None:
    """A staff account of the hall (or a regional one); another hall's account is not found."""
    if staff_id is None:
        return None
    return ctx.session.scalars(select(Staff).where(Staff.id == staff_id, _of_hall(ctx))).first()


def _staff(ctx: Ctx, ids: list[int]) -> list[Staff]:
    found = list(ctx.session.scalars(select(Staff).where(Staff.id.in_(set(ids)), _of_hall(ctx))))
    missing = sorted(set(ids) - {s.id for s in found})
    if missing:
        raise Invalid("STAFF_NOT_FOUND", "没有这些工作人员", {"missing": missing})
    return found


def out(ctx: Ctx, department: Department) -> DepartmentOut:
    windows = ctx.session.scalars(
        select(Window.number).where(Window.department_id == department.id).order_by(Window.number)
    )
    staff = ctx.session.scalars(select(Staff).where(Staff.department_id == department.id).order_by(Staff.id))
    return DepartmentOut(
        code=department.code,
        name=department.name,
        org_uscc=department.org_uscc,
        active=department.active,
        window_numbers=list(windows),
        staff=[DepartmentMember(id=s.id, name=s.name) for s in staff],
    )


def listing(ctx: Ctx) -> list[DepartmentOut]:
    return [out(ctx, d) for d in ctx.session.scalars(select(Department).order_by(Department.code))]
