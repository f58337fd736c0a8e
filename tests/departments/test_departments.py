"""进驻部门: admins set them up with their windows and staff; a 差评整改 belongs to the evaluated window's
department, whose staff work and may appeal it while the hall's managers review; a complaint routed to a
department is seen and answered by its staff. Through the real server on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from hall_server.client import ApiError
from hall_server.contract.complaints import ComplaintIn, ComplaintSubject, RouteIn
from hall_server.contract.departments import DepartmentIn, DepartmentMembersIn
from hall_server.contract.followups import (
    AppealIn,
    AssignIn,
    RectifyIn,
    ReviewDecision,
    ReviewIn,
    VerifyIn,
    VerifyResult,
)
from tests.factories import ORG_USCC
from tests.followups.helpers import bad_review, followup_events, raw, staff_id


def _shebao_holds_window_1_and_clerk2(client_for) -> None:
    members = DepartmentMembersIn(window_numbers=[1], staff_ids=[staff_id(client_for, "clerk2")])
    client_for("admin").set_department_members("SHEBAO", members)


def test_admins_set_up_departments_and_their_members(client_for):
    admin, clerk = client_for("admin"), client_for("clerk1")
    made = admin.save_department("MINZHENG", DepartmentIn(name=" 民政局 ", org_uscc=ORG_USCC))
    assert (made.code, made.name, made.active, made.window_numbers, made.staff) == (
        "MINZHENG",
        "民政局",
        True,
        [],
        [],
    )
    clerk1_id, clerk2_id = staff_id(client_for, "clerk1"), staff_id(client_for, "clerk2")
    admin.set_department_members("SHEBAO", DepartmentMembersIn(window_numbers=[1, 2], staff_ids=[clerk1_id]))
    moved = admin.set_department_members(
        "MINZHENG", DepartmentMembersIn(window_numbers=[2], staff_ids=[clerk2_id])
    )
    assert moved.window_numbers == [2] and [s.name for s in moved.staff] == ["员工clerk2"]
    listed = {d.code: d for d in clerk.departments()}  # every staff member reads them to route work
    assert listed["SHEBAO"].window_numbers == [1]  # window 2 left 社保科 when it joined 民政局
    assert [s.id for s in listed["SHEBAO"].staff] == [clerk1_id]
    renamed = admin.save_department("MINZHENG", DepartmentIn(name="民政局婚姻登记处", active=False))
    assert (renamed.name, renamed.active, renamed.window_numbers) == ("民政局婚姻登记处", False, [2])
    with pytest.raises(ApiError) as not_admin:
        clerk.save_department("X1", DepartmentIn(name="某科"))
    assert not_admin.value.status == 403
    with pytest.raises(ApiError) as no_window:
        admin.set_department_members("SHEBAO", DepartmentMembersIn(window_numbers=[1, 77, 88]))
    assert (no_window.value.status, no_window.value.code) == (422, "WINDOW_NOT_FOUND")
    assert no_window.value.message == "没有这些窗口：77、88"
    with pytest.raises(ApiError) as unknown:
        admin.set_department_members("NOPE", DepartmentMembersIn())
    assert (unknown.value.status, unknown.value.code) == (404, "DEPARTMENT_NOT_FOUND")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/departments/bad%20code", {"name": "某科"}),
        ("/departments/" + "A" * 33, {"name": "某科"}),
        ("/departments/OK", {"name": "   "}),
        (
            "/departments/OK",
            {"name": "某科", "org_uscc": ORG_USCC[:-1] + ("0" if ORG_USCC[-1] != "0" else "1")},
        ),
        ("/departments/OK", {"name": "某科", "members": []}),
        ("/departments/SHEBAO/members", {"window_numbers": [0]}),
    ],
)
def test_bad_input_is_422(server, hall, path, body):
    answer = raw(server, hall.tokens["admin"], "PUT", path, body)
    assert answer.status_code == 422, answer.text
    assert set(answer.json()) >= {"code", "message"}


def test_a_bad_review_belongs_to_the_windows_department_whose_staff_work_and_appeal_it(server, client_for):
    _shebao_holds_window_1_and_clerk2(client_for)
    manager, colleague, outsider = client_for("manager"), client_for("clerk2"), client_for("clerk3")
    followup = bad_review(
        client_for, window=1
    )  # clerk1 served at window 1 (社保科); clerk1 is in no department
    assert (followup.department_code, followup.department) == ("SHEBAO", "社保科")
    assert [f.id for f in colleague.followups()] == [followup.id]  # the department sees it
    assert [f.id for f in client_for("clerk1").followups()] == [followup.id]  # about their own service
    assert outsider.followups() == []
    assert [f.id for f in manager.followups(department_code="SHEBAO")] == [followup.id]
    assert manager.followups(department_code="QIYE") == []
    with pytest.raises(ApiError) as hidden:
        outsider.followup(followup.id)
    assert (hidden.value.status, hidden.value.code) == (403, "FOLLOWUP_NOT_YOURS")

    appealed = colleague.followup_step(followup.id, "appeal", AppealIn(reason="办事人未带材料，已一次性告知"))
    assert appealed.appeal_state == "PENDING"
    with pytest.raises(ApiError) as own_review:  # the side that appealed never reviews its own appeal
        colleague.followup_step(followup.id, "review", ReviewIn(decision=ReviewDecision.OVERTURNED))
    assert own_review.value.status == 403
    upheld = manager.followup_step(followup.id, "review", ReviewIn(decision=ReviewDecision.UPHELD))
    assert upheld.appeal_state == "UPHELD"

    manager.followup_step(followup.id, "assign", AssignIn(department_code="SHEBAO", note="请核实"))
    verified = colleague.followup_step(followup.id, "verify", VerifyIn(result=VerifyResult.VERIFIED_TRUE))
    assert verified.status == "VERIFIED"  # a department member, not the assignee
    with pytest.raises(ApiError) as stranger:
        outsider.followup_step(followup.id, "rectify", RectifyIn(record="已整改"))
    assert (stranger.value.status, stranger.value.code) == (403, "FOLLOWUP_NOT_YOURS")
    events = dict(followup_events(server, followup.id))
    assert events["evaluation_followup.opened"]["department_code"] == "SHEBAO"


def test_assigning_a_person_alone_brings_their_department(client_for):
    _shebao_holds_window_1_and_clerk2(client_for)
    manager = client_for("manager")
    followup = bad_review(client_for, window=2)  # window 2 is in no department; clerk2 served it
    assert (followup.department_code, followup.department) == ("SHEBAO", "社保科")  # the serving clerk's
    moved = manager.followup_step(followup.id, "assign", AssignIn(department_code="QIYE"))
    assert (moved.department_code, moved.department) == ("QIYE", "企业服务科")
    clerk2_id = staff_id(client_for, "clerk2")
    back = manager.followup_step(followup.id, "assign", AssignIn(staff_id=clerk2_id))
    assert (back.department_code, back.assignee_name) == ("SHEBAO", "员工clerk2")
    client_for("admin").save_department("QIYE", DepartmentIn(name="企业服务科", active=False))
    with pytest.raises(ApiError) as inactive:
        manager.followup_step(followup.id, "assign", AssignIn(department_code="QIYE"))
    assert (inactive.value.status, inactive.value.code) == (422, "DEPARTMENT_UNKNOWN")


def test_a_complaint_routed_to_a_department_is_answered_by_its_staff(client_for):
    _shebao_holds_window_1_and_clerk2(client_for)
    manager, colleague, outsider = client_for("manager"), client_for("clerk2"), client_for("clerk3")
    made = client_for("kiosk").record_complaint(
        ComplaintIn(subject=ComplaintSubject.EFFICIENCY, text="等候时间过长", window_no=1)
    )
    assert colleague.complaints() == []  # not routed yet
    routed = manager.route_complaint(made.id, RouteIn(department_code="SHEBAO"))
    assert (routed.department_code, routed.department, routed.assignee_id) == ("SHEBAO", "社保科", None)
    assert [c.id for c in colleague.complaints()] == [made.id]
    assert outsider.complaints() == []
    with pytest.raises(ApiError) as not_theirs:
        outsider.answer_complaint(made.id, "已处理")
    assert not_theirs.value.status == 403
    answered = colleague.answer_complaint(made.id, "已增开窗口，感谢监督")
    assert answered.status == "ANSWERED"
    other = client_for("kiosk").record_complaint(ComplaintIn(subject=ComplaintSubject.OTHER, text="没有座位"))
    with pytest.raises(ApiError) as unknown:
        manager.route_complaint(other.id, RouteIn(department_code="NOPE"))
    assert (unknown.value.status, unknown.value.code) == (422, "DEPARTMENT_UNKNOWN")
