"""一件事 at the window, through the real server on SQLite and PostgreSQL: 不予受理 of the whole (every child
refused with the reason, the events in one transaction, the trace of the refused application), and 补齐补正
resumed at a later visit by the number on the joint notice (the joint case's id) or, once accepted, by the
joint case number."""

from __future__ import annotations

import pytest

from hall_server.client import ApiError
from hall_server.contract.cases import CaseStatus, MaterialsIn, NotAcceptedIn
from hall_server.contract.joint import JointCaseOut
from tests.cases.test_joint import _define, _events, _line, _members, _open_from_ticket

REASON = "申请人不符合新生儿出生一件事的办理条件"


def test_a_joint_case_is_refused_whole(server, hall, client_for):
    _define(client_for, _members(server))
    clerk, joint = _open_from_ticket(client_for)
    refused = clerk.refuse_joint_case(joint.id, NotAcceptedIn(reason=REASON))
    assert refused.status is CaseStatus.NOT_ACCEPTED and refused.status_name == "不予受理"
    assert refused.reason == REASON and refused.local_case_no is None
    assert [c.status for c in refused.children] == [CaseStatus.NOT_ACCEPTED] * 2
    for child in refused.children:  # each child refused in its own right, with the reason
        case = clerk.get_case(child.case_id)
        assert case.status is CaseStatus.NOT_ACCEPTED and case.reason == REASON
    assert clerk.get_joint_case(joint.id) == refused

    # nothing more can be done with it, at the whole or at a child
    for attempt in (
        lambda: clerk.accept_joint_case(joint.id),
        lambda: clerk.refuse_joint_case(joint.id, NotAcceptedIn(reason=REASON)),
        lambda: clerk.receive_joint_materials(joint.id, MaterialsIn(received=[_line(joint, "申请表")])),
        lambda: clerk.accept_case(joint.children[0].case_id),
    ):
        with pytest.raises(ApiError) as closed:
            attempt()
        assert closed.value.status == 409 and closed.value.code == "CASE_NOT_OPEN"
        assert "不予受理" in closed.value.message

    # events: the joint case's and each child's case.not_accepted, one correlation id
    own = _events(server, joint_id=joint.id)
    assert [e.event_type for e in own] == ["case.submitted", "case.not_accepted"]
    assert own[-1].payload["data"]["reason"] == REASON
    assert own[-1].payload["data"]["status"] == "NOT_ACCEPTED"
    child_ids = [c.case_id for c in refused.children]
    assert own[-1].payload["refs"]["cases"] == child_ids
    correlated = _events(server, own[0].correlation_id)
    for child_id in child_ids:
        mine = [e for e in correlated if e.aggregate_type == "case" and e.aggregate_id == str(child_id)]
        assert [e.event_type for e in mine] == ["case.submitted", "case.not_accepted"]
        assert mine[-1].payload["data"]["reason"] == REASON

    # the trace of the refused application: its refusal and every child's
    trace = clerk.trace("joint_case", joint.id)
    assert {f"case:{i}" for i in child_ids} <= set(trace.linked)
    traced = [(e.aggregate.type.value, e.aggregate.id, e.event_type.value) for e in trace.events]
    assert ("joint_case", str(joint.id), "case.not_accepted") in traced
    for child_id in child_ids:
        assert ("case", str(child_id), "case.not_accepted") in traced
    assert trace.summary["status"] == "NOT_ACCEPTED" and trace.summary["reason"] == REASON


def test_a_refusal_is_keyed_and_needs_a_reason_and_the_desk(server, hall, client_for):
    _define(client_for, _members(server))
    clerk, joint = _open_from_ticket(client_for)
    with pytest.raises(ApiError) as no_reason:
        clerk._call(
            "POST",
            f"/joint-cases/{joint.id}/not-accepted",
            None,
            NotAcceptedIn.model_construct(reason="x"),
            once=True,
        )
    assert no_reason.value.status == 422
    with pytest.raises(ApiError) as not_desk:
        client_for("backoffice").refuse_joint_case(joint.id, NotAcceptedIn(reason=REASON))
    assert not_desk.value.status == 403
    with pytest.raises(ApiError) as unknown:
        clerk.refuse_joint_case(999_999, NotAcceptedIn(reason=REASON))
    assert unknown.value.status == 404 and unknown.value.code == "JOINT_CASE_NOT_FOUND"
    # the same key twice: one refusal, the same answer
    key = "joint-refusal-1"
    path, body = f"/joint-cases/{joint.id}/not-accepted", NotAcceptedIn(reason=REASON)
    first, again = (clerk._call("POST", path, JointCaseOut, body, once=True, key=key) for _ in range(2))
    assert first == again
    assert [e.event_type for e in _events(server, joint_id=joint.id)].count("case.not_accepted") == 1


def test_correction_is_resumed_by_the_number_on_the_joint_notice(server, hall, client_for):
    _define(client_for, _members(server))
    clerk, joint = _open_from_ticket(client_for)
    joint = clerk.receive_joint_materials(joint.id, MaterialsIn(received=[_line(joint, "申请表")]))
    noticed = clerk.require_joint_correction(joint.id)
    assert noticed.status is CaseStatus.CORRECTION_REQUIRED

    # a later visit, another clerk: the 收件编号 on the notice finds the joint case waiting
    later = client_for("clerk2")
    found = later.find_joint_case(str(joint.id))
    assert found == noticed and found.missing == ["出生医学证明", "近期免冠照片"]
    rest = [_line(found, "出生医学证明"), _line(found, "近期免冠照片")]
    assert later.receive_joint_materials(found.id, MaterialsIn(received=rest)).missing == []
    accepted = later.accept_joint_case(found.id).case
    assert accepted.status is CaseStatus.ACCEPTED and accepted.local_case_no

    # once accepted, the joint case number of the 受理回执 finds it too
    assert later.find_joint_case(accepted.local_case_no) == accepted
    for number in (
        "0",
        "2147483648",
        "999999",
        "341122-ZWFW-01-20990101-000001",
        accepted.children[0].local_case_no,
    ):
        with pytest.raises(ApiError) as unknown:
            later.find_joint_case(number or "")
        assert unknown.value.status == 404 and unknown.value.code == "JOINT_CASE_NOT_FOUND"
    with pytest.raises(ApiError) as odd:
        later.find_joint_case("编号")
    assert odd.value.status == 422


def test_a_child_refused_on_its_own_keeps_its_reason(server, hall, client_for):
    _define(client_for, _members(server))
    clerk, joint = _open_from_ticket(client_for)
    first, second = joint.children
    clerk.refuse_case(second.case_id, NotAcceptedIn(reason="出生医学证明信息有误"))
    refused = clerk.refuse_joint_case(joint.id, NotAcceptedIn(reason=REASON))
    assert refused.status is CaseStatus.NOT_ACCEPTED and refused.reason == REASON
    assert clerk.get_case(second.case_id).reason == "出生医学证明信息有误"
    assert clerk.get_case(first.case_id).reason == REASON
    assert clerk.get_joint_case(joint.id).reason == REASON
