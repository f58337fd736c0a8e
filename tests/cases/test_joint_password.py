"""A 一件事's query password renewed (the answer to acceptance or the receipt was lost), through the real
server on SQLite and PostgreSQL: a new password opens the joint number and every child's, the old one
opens none; the renewal is a `case.query_password_renewed` event on the joint case without the password,
and nothing logged carries it; a joint case not accepted yet has none to renew (409 CASE_NOT_ACCEPTED),
and a member's password is renewed only with the joint case's (409 JOINT_CASE_MEMBER)."""

from __future__ import annotations

import logging

import pytest

from hall_server.client import ApiError
from hall_server.contract.cases import CaseQueryIn, MaterialsIn
from hall_server.contract.joint import JointCaseOpenIn, JointMatterIn
from tests.cases.helpers import instant_matter
from tests.cases.test_joint import _events, _line
from tests.factories import YOUNG_ID, person


def test_a_renewed_joint_password_opens_the_joint_case_and_its_children_and_the_old_one_none(
    server, hall, client_for, caplog
):
    caplog.set_level(logging.DEBUG)
    members = [instant_matter(server.state.uow), hall.matters["marriage"]]
    client_for("admin").save_joint_matter("MIXED", JointMatterIn(name="混合一件事", member_ids=members))
    clerk = client_for("clerk1")
    joint = clerk.open_joint_case(JointCaseOpenIn(joint_code="MIXED", applicant=person(YOUNG_ID)))

    # not accepted yet: no password to renew
    with pytest.raises(ApiError) as not_accepted:
        clerk.renew_joint_query_password(joint.id)
    assert (not_accepted.value.status, not_accepted.value.code) == (409, "CASE_NOT_ACCEPTED")
    assert "尚未受理" in not_accepted.value.message

    clerk.receive_joint_materials(joint.id, MaterialsIn(received=[_line(joint, "申请表")]))
    accepted = clerk.accept_joint_case(joint.id)
    number = accepted.case.local_case_no
    assert number is not None
    children = [child.local_case_no or "" for child in accepted.case.children]
    with pytest.raises(ApiError) as again:  # the answer was lost: a repeat is refused
        clerk.accept_joint_case(joint.id)
    assert (again.value.status, again.value.code) == (409, "CASE_NOT_OPEN")

    renewed = clerk.renew_joint_query_password(joint.id)
    assert renewed.local_case_no == number
    assert len(renewed.query_password) == 6 and renewed.query_password.isdigit()
    kiosk = client_for("kiosk")
    old, new = accepted.query_password, renewed.query_password
    if old != new:  # one in a million the same six digits: then there is no old one to refuse
        for case_no in (number, *children):
            with pytest.raises(ApiError) as refused:
                kiosk.query_case(CaseQueryIn(local_case_no=case_no, query_password=old))
            assert (refused.value.status, refused.value.code) == (404, "CASE_QUERY_FAILED")
    seen = kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=new))
    assert seen.local_case_no == number and [m.local_case_no for m in seen.members] == children
    for case_no in children:
        assert (
            kiosk.query_case(CaseQueryIn(local_case_no=case_no, query_password=new)).local_case_no == case_no
        )

    # a member's own renewal would give it a password of its own, no longer the joint one
    with pytest.raises(ApiError) as member:
        clerk.renew_query_password(accepted.case.children[0].case_id)
    assert (member.value.status, member.value.code) == (409, "JOINT_CASE_MEMBER")
    assert kiosk.query_case(CaseQueryIn(local_case_no=children[0], query_password=new)).local_case_no

    # the clerk's role: a kiosk cannot renew
    with pytest.raises(ApiError) as forbidden:
        kiosk.renew_joint_query_password(joint.id)
    assert forbidden.value.status == 403
    with pytest.raises(ApiError) as unknown:
        clerk.renew_joint_query_password(999_999)
    assert (unknown.value.status, unknown.value.code) == (404, "JOINT_CASE_NOT_FOUND")

    events = _events(server, joint_id=joint.id)
    assert [e.event_type for e in events][-2:] == ["case.accepted", "case.query_password_renewed"]
    last = events[-1]
    assert last.correlation_id == events[-2].correlation_id and last.aggregate_type == "joint_case"
    assert last.payload["data"]["local_case_no"] == number
    assert new not in str(last.payload) and YOUNG_ID not in str(last.payload)
    assert new not in caplog.text and old not in caplog.text
