"""Shared by the case tests: a 即办件 matter (concluded at the window, so it has a result today), and the
back office's departments."""

from __future__ import annotations

from sqlalchemy import select

from hall_server.auth.models import Staff
from hall_server.auth.service import create_staff, login
from hall_server.catalogue.service import save_matter
from hall_server.client import HallClient
from hall_server.contract.auth import Role, StaffIn
from hall_server.contract.cases import AcceptedOut, CaseOpenIn, CaseStatus
from hall_server.contract.departments import DepartmentIn, DepartmentMembersIn
from hall_server.core.context import UnitOfWork
from hall_server.departments.service import save as save_department
from hall_server.departments.service import set_members
from tests.factories import ORG_USCC, PASSWORD, YOUNG_ID, matter_in, person


def instant_matter(uow: UnitOfWork) -> int:
    return uow.run(
        lambda ctx: (
            save_matter(
                ctx,
                matter_in(
                    "340700102000",
                    "婚姻登记记录证明",
                    "SOCIAL",
                    type="07",
                    case_type="1",
                    promised_limit={"value": 0, "unit": "WORKING_DAY"},
                    materials=[{"name": "居民身份证", "form": "ORIGINAL", "obtainable_by_sharing": True}],
                ),
            ).id
        )
    )


def concluded_case(clerk: HallClient, matter_id: int, number: str = YOUNG_ID) -> AcceptedOut:
    case = clerk.open_case(CaseOpenIn(matter_id=matter_id, applicant=person(number)))
    accepted = clerk.accept_case(case.id)
    assert accepted.case.status is CaseStatus.CONCLUDED_APPROVED
    return accepted


def back_office_departments(uow: UnitOfWork) -> str:
    """`backoffice` in 社会事务科 (the matters' implementing body, same USCC), a new `backoffice2` in
    企业服务科; returns backoffice2's token."""

    def build(ctx):
        save_department(ctx, "SHSW", DepartmentIn(name="社会事务科", org_uscc=ORG_USCC))
        other = create_staff(
            ctx, StaffIn(login="backoffice2", name="王审批", role=Role.BACK_OFFICE, password=PASSWORD)
        )
        mine = ctx.session.scalars(select(Staff).where(Staff.login == "backoffice")).one()
        set_members(ctx, "SHSW", DepartmentMembersIn(staff_ids=[mine.id]))
        set_members(ctx, "QIYE", DepartmentMembersIn(staff_ids=[other.id]))

    uow.run(build)
    token: str = uow.run(lambda ctx: login(ctx, "backoffice2", PASSWORD))[0]
    return token
