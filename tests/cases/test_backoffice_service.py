"""后台分类审批 service functions on a real database (SQLite and PostgreSQL), without the server: the queue's
warnings on the hall's working-day calendar, an overdue case raised to the managers as an 电子监察 alert
(and cleared once concluded), and the department routing at acceptance."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from hall_server.alerts import service as alerts
from hall_server.alerts.models import Alert
from hall_server.app import build_state
from hall_server.auth.models import Staff
from hall_server.auth.principal import Principal
from hall_server.cases import backoffice, service
from hall_server.contract.auth import Role
from hall_server.contract.cases import (
    CaseOpenIn,
    ConcludeIn,
    MaterialsIn,
    Outcome,
    StepIn,
    StepPhase,
    Warning,
)
from hall_server.contract.departments import DepartmentIn, DepartmentMembersIn
from hall_server.core.errors import Forbidden
from hall_server.departments.service import save as save_department
from hall_server.departments.service import set_members
from tests.conftest import SHANGHAI
from tests.factories import ORG_USCC, YOUNG_ID, person, seed_hall


@pytest.fixture
def state(settings, clock):
    state = build_state(settings, clock)
    seeded = seed_hall(state.uow)
    state.matters = seeded.matters  # type: ignore[attr-defined]

    def build(ctx):
        save_department(ctx, "SHSW", DepartmentIn(name="社会事务科", org_uscc=ORG_USCC))
        staff = {s.login: s for s in ctx.session.scalars(select(Staff))}
        set_members(ctx, "SHSW", DepartmentMembersIn(staff_ids=[staff["backoffice"].id]))
        return {login: (s.id, s.name, s.hall_id) for login, s in staff.items()}

    state.staff = state.uow.run(build)  # type: ignore[attr-defined]
    yield state
    state.engine.dispose()
    state.read_engine.dispose()


def _as(state, login: str, role: Role) -> Principal:
    staff_id, name, hall_id = state.staff[login]
    return Principal(staff_id=staff_id, staff_name=name, role=role, hall_id=hall_id)


def _accepted(state) -> int:
    clerk = _as(state, "clerk1", Role.CLERK)

    def intake(ctx):
        case = service.open_case(
            ctx, CaseOpenIn(matter_id=state.matters["marriage"], applicant=person(YOUNG_ID))
        )
        form = next(line.material_id for line in case.materials if line.name == "申请表")
        service.receive(ctx, case.id, MaterialsIn(received=[form]))
        return service.accept(ctx, case.id).case.id

    return state.uow.run(intake, clerk)


def _day(clock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI))


def _open_alerts(state) -> dict[str, Alert]:
    with state.factory() as session:
        return {a.key: a for a in session.scalars(select(Alert).where(Alert.cleared_at.is_(None)))}


def test_accepted_case_goes_to_the_department_of_the_implementing_body(state):
    case_id = _accepted(state)
    back = _as(state, "backoffice", Role.BACK_OFFICE)
    page = state.uow.read(backoffice.queue, back)
    assert [i.id for i in page.items] == [case_id] and page.items[0].next_phase is StepPhase.UNDERTAKE
    with pytest.raises(Forbidden) as nowhere:
        state.uow.read(backoffice.queue, _as(state, "clerk2", Role.BACK_OFFICE))
    assert nowhere.value.code == "NO_DEPARTMENT"


def test_an_overdue_case_is_red_and_alerted_until_concluded(state, clock):
    _day(clock, date(2026, 11, 25))  # Wednesday; promised 5 working days later: 2026-12-02
    case_id = _accepted(state)
    back = _as(state, "backoffice", Role.BACK_OFFICE)

    _day(clock, date(2026, 12, 1))
    state.uow.run(alerts.evaluate_alerts)
    due = _open_alerts(state)
    department_id = state.uow.read(lambda ctx: service.get_case(ctx, case_id).department_id)
    assert due[f"CASE_DUE_SOON:{department_id}"].title == "办件临近超期（黄牌）：社会事务科"

    _day(clock, date(2026, 12, 4))  # Friday: two working days past
    item = state.uow.read(lambda ctx: backoffice.queue(ctx, warning=Warning.RED), back).items[0]
    assert (item.id, item.warning, item.promised_left) == (case_id, Warning.RED, -2)
    state.uow.run(alerts.evaluate_alerts)
    opened = _open_alerts(state)
    assert f"CASE_DUE_SOON:{department_id}" not in opened
    red = opened[f"CASE_OVERDUE:{department_id}"]
    assert (
        red.value == 1 and "社会事务科有 1 件办件已超过承诺办结日期，最早应于 2026-12-02 办结" in red.detail
    )

    def finish(ctx):
        for phase in StepPhase:
            backoffice.complete_step(ctx, case_id, StepIn(phase=phase, opinion="同意办理"))
        backoffice.conclude(ctx, case_id, ConcludeIn(outcome=Outcome.APPROVED))

    state.uow.run(finish, back)
    state.uow.run(alerts.evaluate_alerts)
    assert not [k for k in _open_alerts(state) if k.startswith("CASE_")]
