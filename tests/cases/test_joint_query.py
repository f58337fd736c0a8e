"""The visitor's query by a 一件事's joint number and its password, through the real server on SQLite and
PostgreSQL: the kiosk's and the public page's answer is the overall state in the contract's words with each
member matter's own case and state; the throttle is the single case's (five wrong lock the number, the kiosk
and the page share it), and a wrong password and an unknown number answer alike."""

from __future__ import annotations

import httpx
import pytest

from hall_server.client import ApiError
from hall_server.contract.cases import STATUS_NAMES, CaseQueryIn, CaseStatus, MaterialsIn, PublicCaseOut
from hall_server.contract.joint import JointCaseOpenIn, JointMatterIn
from tests.cases.helpers import instant_matter
from tests.cases.test_joint import _line
from tests.factories import YOUNG_ID, person

FAILED = {"code": "CASE_QUERY_FAILED", "message": "办件编号或查询密码不正确"}


def _accepted_joint(server, hall, client_for) -> tuple[str, str, list[str]]:
    """A 一件事 of a 即办件 (concluded at acceptance) and a matter for the back office: the joint number,
    its password and the children's numbers."""
    members = [instant_matter(server.state.uow), hall.matters["marriage"]]
    client_for("admin").save_joint_matter("MIXED", JointMatterIn(name="混合一件事", member_ids=members))
    clerk = client_for("clerk1")
    joint = clerk.open_joint_case(JointCaseOpenIn(joint_code="MIXED", applicant=person(YOUNG_ID)))
    clerk.receive_joint_materials(joint.id, MaterialsIn(received=[_line(joint, "申请表")]))
    accepted = clerk.accept_joint_case(joint.id)
    number = accepted.case.local_case_no
    assert number is not None
    return number, accepted.query_password, [c.local_case_no or "" for c in accepted.case.children]


def _public(server, number: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/public/case-query",
        json={"local_case_no": number, "query_password": password},
        timeout=30,
    )


def _wrong(password: str) -> str:
    return f"{(int(password) + 1) % 10**6:06d}"


def test_the_joint_number_answers_with_the_overall_state_and_each_member(server, hall, client_for):
    number, password, children = _accepted_joint(server, hall, client_for)
    kiosk = client_for("kiosk")
    seen = kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=password))
    assert seen.local_case_no == number and seen.matter_name == "混合一件事"
    assert seen.status is CaseStatus.ACCEPTED and seen.status_name == STATUS_NAMES[CaseStatus.ACCEPTED]
    assert seen.delivery_name is None and seen.waybill_no is None
    assert [m.local_case_no for m in seen.members] == children
    assert [(m.status, m.status_name) for m in seen.members] == [
        (CaseStatus.CONCLUDED_APPROVED, "已办结"),
        (CaseStatus.ACCEPTED, "已受理"),
    ]
    assert seen.promised_date == max(m.promised_date for m in seen.members if m.promised_date)
    assert all(m.members == [] for m in seen.members)
    assert YOUNG_ID not in seen.model_dump_json()

    # the public page's query: the same answer
    answer = _public(server, number, password)
    assert answer.status_code == 200
    assert PublicCaseOut.model_validate(answer.json()) == seen
    # a child's own number opens with the same password: that member's case alone
    child = kiosk.query_case(CaseQueryIn(local_case_no=children[1], query_password=password))
    assert child.status is CaseStatus.ACCEPTED and child.members == []
    assert child.matter_name == seen.members[1].matter_name


def test_wrong_passwords_lock_the_joint_number_and_an_unknown_number_answers_alike(server, hall, client_for):
    number, password, _ = _accepted_joint(server, hall, client_for)
    kiosk = client_for("kiosk")
    unknown = f"{number[:-6]}999999"
    for missing in (unknown, number):  # an unknown number and a wrong password: the same answer
        refused = _public(server, missing, _wrong(password))
        assert refused.status_code == 404
        assert refused.json()["code"] == FAILED["code"] and refused.json()["message"] == FAILED["message"]
        with pytest.raises(ApiError) as at_kiosk:
            kiosk.query_case(CaseQueryIn(local_case_no=missing, query_password=_wrong(password)))
        assert (at_kiosk.value.status, at_kiosk.value.code) == (404, "CASE_QUERY_FAILED")
        assert at_kiosk.value.message == FAILED["message"]
    # two wrong for the joint number so far; a right one clears the count
    assert kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=password)).members
    for _ in range(5):
        assert _public(server, number, _wrong(password)).status_code == 404
    locked = _public(server, number, password)  # even the right one: the number is locked
    assert (locked.status_code, locked.json()["code"]) == (429, "CASE_QUERY_LOCKED")
    assert "Retry-After" in locked.headers
    with pytest.raises(ApiError) as at_kiosk:  # the kiosk shares the lock
        kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=password))
    assert (at_kiosk.value.status, at_kiosk.value.code) == (429, "CASE_QUERY_LOCKED")
