"""后台分类审批 through the real server on SQLite and PostgreSQL: the department's queue with working days
left and yellow/red marks, 承办 → 审核 → 批准 with opinions, 退回窗口补正, special procedures that stop the
clock (across a holiday), the three conclusions with the certificate identifier checked, the refusals (wrong
state, wrong department, bad identifier) and the events of every step (the applicant only in `protected`)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from hall_server.auth.service import login
from hall_server.client import ApiError, HallClient
from hall_server.contract.cases import (
    CaseOpenIn,
    CaseStatus,
    CertificateIn,
    ConcludeIn,
    MaterialsIn,
    Outcome,
    ResultReadyIn,
    ReturnForCorrectionIn,
    SpecialEndIn,
    SpecialKind,
    SpecialStartIn,
    StepAction,
    StepIn,
    StepPhase,
    StepResult,
    Warning,
)
from tests.cases.test_intake import _events
from tests.conftest import SHANGHAI
from tests.factories import PASSWORD, YOUNG_ID, citizen_id, person

CERT_ID = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"


def _accepted(client_for, hall, number: str = YOUNG_ID) -> int:
    clerk = client_for("clerk1")
    case = clerk.open_case(CaseOpenIn(matter_id=hall.matters["marriage"], applicant=person(number)))
    form = next(m.material_id for m in case.materials if m.name == "申请表")
    clerk.receive_materials(case.id, MaterialsIn(received=[form]))
    return clerk.accept_case(case.id).case.id


def _at(clock, day: date, server, hall, client_for) -> HallClient:
    """The clock moved to that day (10:00); the back office signs in again (sign-ins expire)."""
    clock.set(datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI))
    for who in ("clerk1", "backoffice"):
        hall.tokens[who] = server.state.uow.run(lambda ctx, w=who: login(ctx, w, PASSWORD))[0]
    return client_for("backoffice")


def _step(phase: StepPhase, opinion: str = "材料齐全，符合条件", **kw) -> StepIn:
    return StepIn(phase=phase, opinion=opinion, **kw)


def test_steps_in_order_then_approved_with_the_certificate(server, hall, client_for, back):
    case_id = _accepted(client_for, hall)
    seen = back.backoffice_case(case_id)
    assert seen.department_name == "社会事务科" and seen.next_phase is StepPhase.UNDERTAKE
    assert seen.promised_left == 5 and seen.legal_left == 20 and seen.warning is Warning.NONE

    with pytest.raises(ApiError) as refused:
        back.complete_step(case_id, _step(StepPhase.REVIEW))
    assert (refused.value.status, refused.value.code) == (409, "STEP_OUT_OF_ORDER")
    assert "承办" in refused.value.message
    with pytest.raises(ApiError) as early:
        back.conclude_case(case_id, ConcludeIn(outcome=Outcome.APPROVED))
    assert early.value.code == "APPROVAL_PENDING"

    back.complete_step(case_id, _step(StepPhase.UNDERTAKE))
    returned = back.complete_step(
        case_id, _step(StepPhase.REVIEW, "照片不清晰，请承办人复核", action=StepAction.RETURN)
    )
    assert returned.next_phase is StepPhase.UNDERTAKE and returned.case.status is CaseStatus.IN_PROGRESS
    back.complete_step(case_id, _step(StepPhase.UNDERTAKE, "已复核"))
    back.complete_step(case_id, _step(StepPhase.REVIEW, "同意"))
    done = back.complete_step(case_id, _step(StepPhase.APPROVE, "准予登记"))
    assert done.next_phase is None
    assert [(s.sn, s.phase_name, s.action, s.handler_name) for s in done.steps] == [
        (1, "承办", StepAction.PASS, "员工backoffice"),
        (2, "审核", StepAction.RETURN, "员工backoffice"),
        (3, "承办", StepAction.PASS, "员工backoffice"),
        (4, "审核", StepAction.PASS, "员工backoffice"),
        (5, "批准", StepAction.PASS, "员工backoffice"),
    ]

    bad = CertificateIn(name="结婚证", number="J341122-2026-000001", identifier=CERT_ID[:-1] + "V")
    with pytest.raises(ApiError) as wrong:
        back.conclude_case(case_id, ConcludeIn(outcome=Outcome.APPROVED, certificate=bad))
    assert (wrong.value.status, wrong.value.code) == (422, "CERT_IDENTIFIER_INVALID")
    assert wrong.value.message == "电子证照标识的校验位不正确"

    certificate = CertificateIn(name="结婚证", number="J341122-2026-000001", identifier=CERT_ID)
    concluded = back.conclude_case(
        case_id, ConcludeIn(outcome=Outcome.APPROVED, description="准予登记", certificate=certificate)
    )
    assert concluded.case.status is CaseStatus.CONCLUDED_APPROVED and concluded.case.concluded_at
    assert concluded.conclusion["certificate"]["identifier"] == CERT_ID
    with pytest.raises(ApiError) as closed:
        back.complete_step(case_id, _step(StepPhase.APPROVE))
    assert (closed.value.status, closed.value.code) == (409, "CASE_NOT_IN_BACK_OFFICE")

    events = _events(server, case_id)
    steps = [e.payload for e in events if e.event_type == "case.step_completed"]
    assert [(p["data"]["sn"], p["data"]["phase"], p["data"]["action"]) for p in steps][:2] == [
        (1, "UNDERTAKE", "PASS"),
        (2, "REVIEW", "RETURN"),
    ]
    first = steps[0]["data"]
    assert (
        first["node_name"] == "承办"
        and first["result"] == "AGREE"
        and first["opinion"] == "材料齐全，符合条件"
    )
    assert first["handler"]["name"] == "员工backoffice" and first["started_at"] <= first["ended_at"]
    assert events[-1].event_type == "case.concluded"
    assert events[-1].payload["data"]["outcome"] == "APPROVED"
    for event in events:
        assert YOUNG_ID not in json.dumps(event.payload, ensure_ascii=False)
        assert "张小三" not in json.dumps(event.payload.get("data"), ensure_ascii=False)

    trace = client_for("manager").trace("case", case_id)
    assert [e.event_type for e in trace.events].count("case.step_completed") == 5


def test_denied_needs_a_reason_and_transfer_a_target(server, hall, client_for, back):
    denied, transferred = _accepted(client_for, hall), _accepted(client_for, hall)
    for phase in StepPhase:
        back.complete_step(denied, _step(phase, result=StepResult.DISAGREE))
    with pytest.raises(ApiError) as no_reason:
        back.conclude_case(denied, ConcludeIn(outcome=Outcome.DENIED))
    assert (no_reason.value.status, no_reason.value.code) == (422, "DENIAL_REASON_REQUIRED")
    out = back.conclude_case(denied, ConcludeIn(outcome=Outcome.DENIED, reason="不符合法定条件"))
    assert (out.case.status, out.case.status_name) == (CaseStatus.CONCLUDED_DENIED, "已办结（不予许可）")

    with pytest.raises(ApiError) as no_target:
        back.conclude_case(transferred, ConcludeIn(outcome=Outcome.TRANSFERRED))
    assert no_target.value.code == "TRANSFER_TARGET_REQUIRED"
    out = back.conclude_case(transferred, ConcludeIn(outcome=Outcome.TRANSFERRED, transfer_target="市民政局"))
    assert out.case.status is CaseStatus.CONCLUDED_TRANSFERRED
    assert out.conclusion["transfer_target"] == "市民政局"
    assert _events(server, transferred)[-1].payload["data"]["outcome"] == "TRANSFERRED"

    # the results part: a denial's notice is handed out like a result; a transferred case has none here
    clerk = client_for("clerk1")
    assert clerk.result_ready(denied, ResultReadyIn()).status is CaseStatus.RESULT_READY
    with pytest.raises(ApiError) as elsewhere:
        clerk.result_ready(transferred, ResultReadyIn())
    assert (elsewhere.value.status, elsewhere.value.code) == (409, "CASE_TRANSFERRED")
    assert elsewhere.value.message == "该办件已转报市民政局，结果由其出具，本窗口不出件"


def test_returned_to_the_window_for_correction(server, hall, client_for, back):
    case_id = _accepted(client_for, hall)
    back.complete_step(case_id, _step(StepPhase.UNDERTAKE))
    out = back.return_for_correction(
        case_id, ReturnForCorrectionIn(missing="户口簿原件\n婚姻状况证明", opinion="缺少户口簿原件，请补正")
    )
    assert out.case.status is CaseStatus.CORRECTION_REQUIRED
    last = _events(server, case_id)[-1]
    assert last.event_type == "case.returned_for_correction"
    assert last.payload["data"]["missing"] == ["户口簿原件", "婚姻状况证明"]
    assert back.backoffice_queue().total == 0

    again = client_for("clerk1").accept_case(case_id)  # the materials brought: accepted again
    assert again.case.local_case_no == out.case.local_case_no
    assert [i.id for i in back.backoffice_queue().items] == [case_id]
    # the return is on record as a step; the case comes back to 承办 (the materials are new)
    seen = back.backoffice_case(case_id)
    assert [(s.sn, s.phase, s.action) for s in seen.steps] == [
        (1, StepPhase.UNDERTAKE, StepAction.PASS),
        (2, StepPhase.REVIEW, StepAction.WINDOW),
    ]
    assert (
        seen.next_phase is StepPhase.UNDERTAKE
        and back.backoffice_queue().items[0].next_phase is StepPhase.UNDERTAKE
    )
    with pytest.raises(ApiError) as as_step:
        back.complete_step(case_id, _step(StepPhase.UNDERTAKE, action=StepAction.WINDOW))
    assert (as_step.value.status, as_step.value.code) == (422, "STEP_ACTION_INVALID")
    for phase in StepPhase:
        back.complete_step(case_id, _step(phase))
    assert (
        back.conclude_case(case_id, ConcludeIn(outcome=Outcome.APPROVED)).case.status
        is CaseStatus.CONCLUDED_APPROVED
    )


def test_another_department_and_other_roles_are_refused(server, hall, client_for, back):
    case_id = _accepted(client_for, hall)
    other = client_for("backoffice2")
    with pytest.raises(ApiError) as foreign:
        other.complete_step(case_id, _step(StepPhase.UNDERTAKE))
    assert (foreign.value.status, foreign.value.code) == (403, "CASE_OTHER_DEPARTMENT")
    assert foreign.value.message == "该办件不属于您所在的部门"
    with pytest.raises(ApiError):
        other.backoffice_case(case_id)
    assert other.backoffice_queue().total == 0
    with pytest.raises(ApiError) as clerk:
        client_for("clerk1").backoffice_queue()
    assert clerk.value.status == 403
    assert client_for("manager").backoffice_queue().total == 1
    assert client_for("manager").backoffice_queue(department="QIYE").total == 0
    with pytest.raises(ApiError) as closed_state:
        back.backoffice_queue(status=CaseStatus.CONCLUDED_APPROVED)
    assert (closed_state.value.status, closed_state.value.code) == (422, "STATUS_NOT_IN_BACK_OFFICE")
    with pytest.raises(ApiError) as unknown:
        client_for("manager").backoffice_queue(department="NOSUCH")
    assert unknown.value.status == 404


def test_queue_most_urgent_first_with_yellow_and_red(server, hall, client_for, back, clock):
    back = _at(clock, date(2026, 11, 25), server, hall, client_for)  # Wednesday
    early = _accepted(client_for, hall)
    back = _at(clock, date(2026, 11, 27), server, hall, client_for)  # Friday
    late = _accepted(client_for, hall, citizen_id("34010419850612402"))
    page = back.backoffice_queue()
    assert [i.id for i in page.items] == [early, late] and page.total == 2
    assert page.items[0].promised_date == date(2026, 12, 2) and page.items[0].promised_left == 3

    back = _at(
        clock, date(2026, 12, 1), server, hall, client_for
    )  # Tuesday: early has 1 working day left, late 3
    page = back.backoffice_queue()
    assert [(i.id, i.promised_left, i.warning) for i in page.items] == [
        (early, 1, Warning.YELLOW),
        (late, 3, Warning.NONE),
    ]
    assert page.items[0].warning_name == "黄牌预警"
    assert [i.id for i in back.backoffice_queue(warning=Warning.YELLOW).items] == [early]

    back = _at(clock, date(2026, 12, 3), server, hall, client_for)  # Thursday: early overdue
    red = back.backoffice_queue(warning=Warning.RED)
    assert [(i.id, i.promised_left, i.warning_name) for i in red.items] == [(early, -1, "红牌（已超期）")]
    assert back.backoffice_case(early).warning is Warning.RED
    assert [i.id for i in back.backoffice_queue(limit=1, offset=1).items] == [late]


def test_the_queue_pages_by_cursor_ties_broken_by_id(server, hall, client_for, back, clock):
    back = _at(clock, date(2026, 11, 25), server, hall, client_for)
    early = _accepted(client_for, hall)
    back = _at(clock, date(2026, 11, 27), server, hall, client_for)
    late = [_accepted(client_for, hall, citizen_id(n)) for n in ("34010419850612402", "34010419850612403")]
    seen, cursor = [], None
    while True:
        page = back.backoffice_queue(limit=1, after=cursor)
        seen += [i.id for i in page.items]
        assert page.total == 3
        if page.next_after is None:
            break
        cursor = page.next_after
    assert seen == [early, *sorted(late)]
    assert back.backoffice_queue(limit=1).next_after == f"2026-12-02.{early}"
    refusals = (
        ({"after": "2026-13-40.1"}, "QUEUE_CURSOR_INVALID"),
        ({"after": f"2026-12-02.{early}", "offset": 1}, "QUEUE_CURSOR_WITH_OFFSET"),
    )
    for params, code in refusals:
        with pytest.raises(ApiError) as refused:
            back.backoffice_queue(**params)
        assert (refused.value.status, refused.value.code) == (422, code)


def test_a_special_procedure_across_new_year_moves_the_dates(server, hall, client_for, back, clock):
    back = _at(clock, date(2026, 12, 28), server, hall, client_for)  # Monday
    case_id = _accepted(client_for, hall)
    before = back.backoffice_case(case_id).case
    assert before.promised_date == date(2027, 1, 5)  # 12-29, 12-30, 12-31, (元旦, weekend) 01-04, 01-05

    back = _at(clock, date(2026, 12, 31), server, hall, client_for)  # Thursday
    started = back.start_special_procedure(
        case_id,
        SpecialStartIn(kind=SpecialKind.HEARING, reason_basis="《行政许可法》第四十六条", expected_days=3),
    )
    assert started.case.status is CaseStatus.SUSPENDED and started.warning is Warning.NONE
    with pytest.raises(ApiError) as suspended:
        back.complete_step(case_id, _step(StepPhase.UNDERTAKE))
    assert suspended.value.code == "CASE_SUSPENDED"
    with pytest.raises(ApiError) as twice:
        back.start_special_procedure(
            case_id, SpecialStartIn(kind=SpecialKind.PUBLICITY, reason_basis="公示", expected_days=5)
        )
    assert twice.value.code == "CASE_SUSPENDED"

    back = _at(
        clock, date(2027, 1, 6), server, hall, client_for
    )  # Wednesday: past the old promised date, but the clock was stopped
    item = back.backoffice_queue().items[0]
    assert (item.status, item.warning, item.promised_left) == (CaseStatus.SUSPENDED, Warning.NONE, 2)
    ended = back.end_special_procedure(case_id, SpecialEndIn(result="听证通过", opinion="同意"))
    # working days 01-04, 01-05, 01-06 (元旦 and the weekend not counted)
    assert ended.special_procedures[0].working_days == 3
    assert ended.case.promised_date == date(2027, 1, 8)
    assert ended.case.legal_date == date(2027, 1, 29)
    assert ended.case.status is CaseStatus.ACCEPTED and ended.promised_left == 2
    with pytest.raises(ApiError) as none_open:
        back.end_special_procedure(case_id, SpecialEndIn(result="x" * 2))
    assert none_open.value.code == "NO_SPECIAL_PROCEDURE"
    kinds = [e.event_type for e in _events(server, case_id)][-2:]
    assert kinds == ["case.special_procedure_started", "case.special_procedure_ended"]
