"""一件事 (联办件) through the real server on SQLite and PostgreSQL: the hall defines a joint matter over two
of its matters; from the ticket being served the clerk opens one application with one form and one
de-duplicated checklist, gives one notice listing what both members miss, then accepts: one number and one
query password, every child accepted in its own department, the events of all sharing one correlation id
(the applicant only in `protected`), and the trace of the joint case showing the children's events."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from hall_server.catalogue.service import save_matter
from hall_server.client import ApiError, HallClient
from hall_server.contract.cases import CaseStatus, MaterialsIn, MaterialState, ResultReadyIn
from hall_server.contract.joint import JointCaseOpenIn, JointCaseOut, JointMatterIn
from hall_server.contract.queue import IssueTicketRequest
from hall_server.events.models import Event
from hall_server.sync import wire
from tests.cases.helpers import instant_matter
from tests.conftest import start_server
from tests.factories import YOUNG_ID, matter_in, person, seed_hall
from tests.platform.helpers import PROTECT_KEY, SignedClient, hall_delivering_to, settings_for, start_platform
from tests.sync.processes import wait_for

BIRTH = "NEWBORN"


def _members(server) -> tuple[int, int]:
    """出生登记 (公安) and 社会保障卡申领 (人社): the application form and the card in common, each one
    material of its own."""

    def build(ctx) -> tuple[int, int]:
        shared = [
            {"name": "居民身份证", "form": "ORIGINAL", "obtainable_by_sharing": True},
            {"name": "申请表", "form": "ORIGINAL"},
        ]
        birth = save_matter(
            ctx,
            matter_in(
                "340704001000",
                "出生登记",
                "SOCIAL",
                implementing_org="示范县公安局",
                materials=[*shared, {"name": "出生医学证明", "form": "ORIGINAL"}],
            ),
        )
        card = save_matter(
            ctx,
            matter_in(
                "340708201000",
                "社会保障卡申领",
                "SOCIAL",
                implementing_org="示范县人力资源和社会保障局",
                promised_limit={"value": 10, "unit": "WORKING_DAY"},
                materials=[*shared, {"name": "近期免冠照片", "form": "ORIGINAL", "original_count": 1}],
            ),
        )
        return birth.id, card.id

    return server.state.uow.run(build)


def _define(client_for, members: tuple[int, int]) -> None:
    admin = client_for("admin")
    defined = admin.save_joint_matter(BIRTH, JointMatterIn(name="新生儿出生一件事", member_ids=list(members)))
    assert [m.name for m in defined.members] == ["出生登记", "社会保障卡申领"]
    assert [m.department for m in defined.members] == ["示范县公安局", "示范县人力资源和社会保障局"]
    assert [j.code for j in client_for("clerk1").joint_matters()] == [BIRTH]


def _open_from_ticket(client_for) -> tuple[HallClient, JointCaseOut]:
    ticket = client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk = client_for("clerk1")
    clerk.window_op(1, "open")
    clerk.call_next(1)
    joint = clerk.open_joint_case(
        JointCaseOpenIn(joint_code=BIRTH, ticket_id=ticket.id, applicant=person(YOUNG_ID))
    )
    assert joint.ticket_number == ticket.number
    return clerk, joint


def _line(joint: JointCaseOut, name: str) -> int:
    return next(m.material_ids[0] for m in joint.materials if m.name == name)


@dataclass
class Recorded:
    aggregate_type: str
    aggregate_id: str
    event_type: str
    correlation_id: str | None
    payload: dict


def _events(server, correlation_id: str | None = None, joint_id: int | None = None) -> list[Recorded]:
    def read(ctx):
        query = select(Event).order_by(Event.id)
        if joint_id is not None:
            query = query.where(Event.aggregate_type == "joint_case", Event.aggregate_id == str(joint_id))
        else:
            query = query.where(Event.correlation_id == correlation_id)
        return [
            Recorded(e.aggregate_type, e.aggregate_id, e.event_type, e.correlation_id, e.payload)
            for e in ctx.session.scalars(query)
        ]

    return server.state.uow.read(read)


def test_one_application_one_notice_one_number_every_child_accepted(server, hall, client_for):
    members = _members(server)
    _define(client_for, members)
    clerk, joint = _open_from_ticket(client_for)

    # one checklist, by material name, each line naming the members that need it
    lines = {m.name: m for m in joint.materials}
    assert list(lines) == ["居民身份证", "申请表", "出生医学证明", "近期免冠照片"]
    assert lines["申请表"].matters == ["出生登记", "社会保障卡申领"]
    assert len(lines["申请表"].material_ids) == 2
    assert lines["居民身份证"].state is MaterialState.SHARED
    assert lines["出生医学证明"].matters == ["出生登记"]
    # one form, prefilled from the card
    form = {f.key: f for f in joint.form}
    assert form["applicant_id"].value is not None and YOUNG_ID not in form["applicant_id"].value
    assert joint.status is CaseStatus.SUBMITTED and joint.status_name == "已收件"
    assert [c.department for c in joint.children] == ["示范县公安局", "示范县人力资源和社会保障局"]

    # the application form once, for both members
    joint = clerk.receive_joint_materials(joint.id, MaterialsIn(received=[_line(joint, "申请表")]))
    assert {m.name: m.state for m in joint.materials}["申请表"] is MaterialState.RECEIVED
    assert joint.missing == ["出生医学证明", "近期免冠照片"]
    with pytest.raises(ApiError) as refused:
        clerk.accept_joint_case(joint.id)
    assert refused.value.status == 409 and refused.value.code == "MATERIALS_INCOMPLETE"

    # one notice listing what both members miss
    noticed = clerk.require_joint_correction(joint.id)
    assert noticed.status is CaseStatus.CORRECTION_REQUIRED
    assert noticed.missing == ["出生医学证明", "近期免冠照片"]
    assert all(c.status is CaseStatus.CORRECTION_REQUIRED for c in noticed.children)

    # 补齐 and accept: one number, one password, each child accepted in its department
    rest = [_line(noticed, "出生医学证明"), _line(noticed, "近期免冠照片")]
    clerk.receive_joint_materials(joint.id, MaterialsIn(received=rest))
    accepted = clerk.accept_joint_case(joint.id)
    done = accepted.case
    assert done.local_case_no and done.local_case_no.startswith("341122-ZWFW-01-")
    assert done.status is CaseStatus.ACCEPTED and done.status_name == "已受理"
    assert len(accepted.query_password) == 6
    numbers = {c.local_case_no for c in done.children}
    assert len(numbers) == 2 and done.local_case_no not in numbers
    assert all(c.status is CaseStatus.ACCEPTED for c in done.children)
    assert done.promised_date == max(c.promised_date for c in done.children if c.promised_date)
    assert done.children[0].promised_date != done.children[1].promised_date  # 5 and 10 working days
    for child in done.children:  # each child is a case of its own for its department's back office
        case = clerk.get_case(child.case_id)
        assert case.status is CaseStatus.ACCEPTED and case.local_case_no == child.local_case_no
    assert clerk.get_joint_case(joint.id) == done
    with pytest.raises(ApiError) as again:
        clerk.accept_joint_case(joint.id)
    assert again.value.code == "CASE_NOT_OPEN"

    # one password opens the joint case and every child
    def hashes(ctx):
        from hall_server.cases.joint_models import JointCase
        from hall_server.cases.models import Case

        rows = ctx.session.scalars(select(Case.query_password_hash).where(Case.joint_case_id == joint.id))
        return [ctx.session.get(JointCase, joint.id).query_password_hash, *rows]

    for digest in server.state.uow.read(hashes):
        assert PasswordHasher().verify(digest, accepted.query_password)

    # events: the joint case's with refs to the children, the children's case.*, one correlation id
    own = _events(server, joint_id=joint.id)
    assert [e.event_type for e in own] == ["case.submitted", "case.correction_required", "case.accepted"]
    child_ids = [c.case_id for c in done.children]
    assert all(e.payload["refs"]["cases"] == child_ids for e in own)
    correlated = _events(server, own[0].correlation_id)
    assert own[0].correlation_id
    kinds = {(e.aggregate_type, e.aggregate_id, e.event_type) for e in correlated}
    for child_id in child_ids:
        for kind in (
            "case.submitted",
            "case.materials_received",
            "case.correction_required",
            "case.accepted",
        ):
            assert ("case", str(child_id), kind) in kinds
    for event in correlated:
        text = json.dumps(event.payload["data"], ensure_ascii=False)
        assert YOUNG_ID not in text and "refs" in event.payload
    assert "protected" in own[0].payload

    # the trace of the joint case shows the children's events
    trace = clerk.trace("joint_case", joint.id)
    assert {f"case:{i}" for i in child_ids} <= set(trace.linked)
    traced = {(e.aggregate.type.value, e.aggregate.id) for e in trace.events}
    assert {("case", str(i)) for i in child_ids} | {("joint_case", str(joint.id))} <= traced
    assert trace.summary["local_case_no"] == done.local_case_no


def test_joint_matter_refusals(server, hall, client_for):
    members = _members(server)
    admin, clerk = client_for("admin"), client_for("clerk1")
    # a member the hall does not offer
    admin.withdraw_matter(members[1])
    with pytest.raises(ApiError) as not_offered:
        admin.save_joint_matter(BIRTH, JointMatterIn(name="新生儿出生一件事", member_ids=list(members)))
    assert not_offered.value.status == 422 and not_offered.value.code == "JOINT_MEMBER_NOT_OFFERED"
    assert "不办理" in not_offered.value.message
    # the same matter twice is not two matters
    with pytest.raises(ApiError) as single:
        admin.save_joint_matter(BIRTH, JointMatterIn(name="一件事", member_ids=[members[0], members[0]]))
    assert single.value.code == "JOINT_MATTER_MEMBERS"
    # a clerk does not define joint matters
    with pytest.raises(ApiError) as clerk_refused:
        clerk.save_joint_matter(
            BIRTH, JointMatterIn(name="一件事", member_ids=[members[0], hall.matters["marriage"]])
        )
    assert clerk_refused.value.status == 403
    # defined, then a member withdrawn: opening refuses it; deleted: not found
    admin.save_joint_matter(
        "PAIR", JointMatterIn(name="结婚出生一件事", member_ids=[members[0], hall.matters["marriage"]])
    )
    admin.withdraw_matter(hall.matters["marriage"])
    with pytest.raises(ApiError) as withdrawn:
        clerk.open_joint_case(JointCaseOpenIn(joint_code="PAIR", applicant=person(YOUNG_ID)))
    assert withdrawn.value.code == "JOINT_MEMBER_NOT_OFFERED"
    admin.delete_joint_matter("PAIR")
    with pytest.raises(ApiError) as gone:
        clerk.joint_matter("PAIR")
    assert gone.value.status == 404 and gone.value.code == "JOINT_MATTER_NOT_FOUND"
    with pytest.raises(ApiError) as no_case:
        clerk.get_joint_case(999)
    assert no_case.value.code == "JOINT_CASE_NOT_FOUND"


def test_the_joint_case_and_its_children_reach_the_receiver(database_url, tmp_path, clock, monkeypatch):
    platform = start_platform(settings_for(f"sqlite:///{tmp_path}/platform.db"))
    settings = hall_delivering_to(platform.base_url, database_url, tmp_path, monkeypatch)
    hall_server = start_server(settings, clock)
    receiver = SignedClient(platform.base_url)
    try:
        hall = seed_hall(hall_server.state.uow)
        admin = HallClient(hall_server.base_url, hall.tokens["admin"])
        clerk = HallClient(hall_server.base_url, hall.tokens["clerk1"])
        members = [hall.matters["marriage"], hall.matters["company"]]
        admin.save_joint_matter("PAIR", JointMatterIn(name="两事一件事", member_ids=members))
        joint = clerk.open_joint_case(JointCaseOpenIn(joint_code="PAIR", applicant=person(YOUNG_ID)))
        clerk.receive_joint_materials(joint.id, MaterialsIn(received=[_line(joint, "申请表")]))
        clerk.accept_joint_case(joint.id)

        def delivered(kind: str, key: int) -> list[dict]:
            events: list[dict] = receiver.aggregate(kind, str(key))["events"]
            return events

        wait_for(lambda: len(delivered("joint_case", joint.id)) == 2, 30, "the joint case's events delivered")
        for child in joint.children:
            wait_for(
                lambda c=child: len(delivered("case", c.case_id)) == 3, 30, "the child's events delivered"
            )
        submitted = delivered("joint_case", joint.id)[0]["envelope"]
        assert YOUNG_ID not in str(submitted)
        assert wire.unprotect(PROTECT_KEY, submitted)["applicant"] == YOUNG_ID
        assert receiver.stats()["apps"]["HALL-A"]["rejected"] == 0
    finally:
        receiver.close()
        hall_server.stop()
        platform.stop()


def test_the_overall_state_is_the_slowest_childs(server, hall, client_for):
    """A 即办件 member is concluded at acceptance while the other waits for its back office: the whole is
    已受理; two 即办件 members: 已办结, and 结果待领取 only once both results are at the window."""
    instant = instant_matter(server.state.uow)
    admin, clerk = client_for("admin"), client_for("clerk1")
    admin.save_joint_matter(
        "MIXED", JointMatterIn(name="混合一件事", member_ids=[instant, hall.matters["marriage"]])
    )
    mixed = clerk.open_joint_case(JointCaseOpenIn(joint_code="MIXED", applicant=person(YOUNG_ID)))
    clerk.receive_joint_materials(mixed.id, MaterialsIn(received=[_line(mixed, "申请表")]))
    done = clerk.accept_joint_case(mixed.id).case
    assert [c.status for c in done.children] == [CaseStatus.CONCLUDED_APPROVED, CaseStatus.ACCEPTED]
    assert done.status is CaseStatus.ACCEPTED and done.status_name == "已受理"

    other = server.state.uow.run(
        lambda ctx: (
            save_matter(
                ctx,
                matter_in(
                    "340700103000",
                    "婚姻登记档案查询",
                    "SOCIAL",
                    case_type="1",
                    promised_limit={"value": 0, "unit": "WORKING_DAY"},
                    materials=[{"name": "居民身份证", "form": "ORIGINAL", "obtainable_by_sharing": True}],
                ),
            ).id
        )
    )
    admin.save_joint_matter("INSTANT", JointMatterIn(name="即办一件事", member_ids=[instant, other]))
    both = clerk.open_joint_case(JointCaseOpenIn(joint_code="INSTANT", applicant=person(YOUNG_ID)))
    assert both.missing == [] and [m.name for m in both.materials] == ["居民身份证"]
    concluded = clerk.accept_joint_case(both.id).case
    assert concluded.status is CaseStatus.CONCLUDED_APPROVED and concluded.status_name == "已办结"
    first, second = concluded.children
    clerk.result_ready(first.case_id, ResultReadyIn())
    assert clerk.get_joint_case(both.id).status is CaseStatus.CONCLUDED_APPROVED
    clerk.result_ready(second.case_id, ResultReadyIn())
    ready = clerk.get_joint_case(both.id)
    assert ready.status is CaseStatus.RESULT_READY and ready.status_name == "结果待领取"
