"""一件事 (联办件): one application, one set of materials, several matters and departments, one reply.

The hall defines a joint matter over matters it offers. A joint case is the one application: behind it one
child case per member matter, each opened, received, noticed and accepted by the single-case functions of
`service` (so each child has its own checklist, number and promised date for its department's back
office, and its own `case.*` events). The joint case adds the one number and password, the one checklist
(the children's lines by material name), the one-time notice over all members, and the overall state read
from the children. Every event of the application carries the joint case's correlation id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hall_server.auth.service import password_hasher
from hall_server.cases import service
from hall_server.cases.joint_models import JointCase, JointMatter
from hall_server.cases.models import Case, CaseMaterial
from hall_server.catalogue.models import Matter
from hall_server.catalogue.service import get_matter, offered
from hall_server.contract.base import DB_ID_MAX
from hall_server.contract.cases import (
    MATERIAL_STATE_NAMES,
    STATUS_NAMES,
    CaseOpenIn,
    CaseStatus,
    MaterialsIn,
    MaterialState,
    NotAcceptedIn,
    QueryPasswordOut,
)
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.joint import (
    JointAcceptedOut,
    JointCaseOpenIn,
    JointCaseOut,
    JointChildOut,
    JointMaterialOut,
    JointMatterIn,
    JointMatterOut,
    JointMemberOut,
)
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, Invalid, NotFound
from hall_server.core.ids import uuid7
from hall_server.events.models import Event
from hall_server.events.service import record
from hall_server.identity import service as identity
from hall_server.identity.models import Visitor
from hall_server.queueing.models import Ticket

# How far a child has come, for the overall state: the joint case is as far as its slowest child. Back-office
# states (IN_PROGRESS, SUSPENDED, …) count as accepted; every conclusion (approved, denied, transferred) as
# concluded.
PROGRESS = {
    CaseStatus.CONCLUDED_APPROVED.value: 1,
    "CONCLUDED_DENIED": 1,
    "CONCLUDED_TRANSFERRED": 1,
    CaseStatus.RESULT_READY.value: 2,
    CaseStatus.PICKED_UP.value: 3,
    CaseStatus.MAILED.value: 3,
}
# The word for children at the same stage in different states (one approved, one denied: 已办结).
STAGE = [CaseStatus.ACCEPTED, CaseStatus.CONCLUDED_APPROVED, CaseStatus.RESULT_READY, CaseStatus.PICKED_UP]
# A line's state over the children that ask for it: what still needs doing shows first.
LINE_ORDER = [MaterialState.PENDING, MaterialState.RECEIVED, MaterialState.REUSED, MaterialState.SHARED]


# --- the definition (catalogue) ---------------------------------------------------------------------------


def list_joint_matters(ctx: Ctx) -> list[JointMatter]:
    return list(ctx.session.scalars(select(JointMatter).order_by(JointMatter.code)))


def get_joint_matter(ctx: Ctx, code: str) -> JointMatter:
    joint = ctx.session.scalars(select(JointMatter).where(JointMatter.code == code)).first()
    if joint is None:
        raise NotFound("JOINT_MATTER_NOT_FOUND", f"没有编码为 {code} 的一件事")
    return joint


def save_joint_matter(ctx: Ctx, code: str, body: JointMatterIn) -> JointMatter:
    member_ids = list(dict.fromkeys(body.member_ids))
    if len(member_ids) < 2:
        raise Invalid("JOINT_MATTER_MEMBERS", "一件事应包含至少两个不同的事项")
    members = _members(ctx, member_ids)
    joint = ctx.session.scalars(select(JointMatter).where(JointMatter.code == code)).first()
    if joint is None:
        joint = JointMatter(code=code)
        ctx.session.add(joint)
    joint.name, joint.member_ids = body.name, member_ids
    ctx.session.flush()
    record(
        ctx,
        EventType.JOINT_MATTER_SAVED,
        AggregateType.CATALOGUE,
        f"joint:{code}",
        {"name": joint.name, "members": [m.catalog_code for m in members]},
    )
    return joint


def delete_joint_matter(ctx: Ctx, code: str) -> None:
    """Cases already opened keep their children and the name they were opened under."""
    ctx.session.delete(get_joint_matter(ctx, code))
    ctx.session.flush()
    record(ctx, EventType.JOINT_MATTER_DELETED, AggregateType.CATALOGUE, f"joint:{code}", {})


def _members(ctx: Ctx, member_ids: list[int]) -> list[Matter]:
    """The member matters, every one offered (and enabled) in this hall: 422 otherwise."""
    members = []
    for matter_id in member_ids:
        try:
            members.append(offered(ctx, matter_id).matter)
        except NotFound as exc:
            raise Invalid(
                "JOINT_MEMBER_NOT_OFFERED",
                "一件事包含本大厅不办理的事项，请先在本大厅开通该事项",
                {"matter_id": matter_id},
            ) from exc
    return members


def joint_matter_out(ctx: Ctx, joint: JointMatter) -> JointMatterOut:
    members = [get_matter(ctx, matter_id) for matter_id in joint.member_ids]
    return JointMatterOut(
        code=joint.code,
        name=joint.name,
        members=[
            JointMemberOut(
                matter_id=m.id, catalog_code=m.catalog_code, name=m.name, department=m.implementing_org
            )
            for m in members
        ],
    )


# --- the joint case ---------------------------------------------------------------------------------------


def open_joint_case(ctx: Ctx, body: JointCaseOpenIn) -> JointCase:
    """One application: the joint case and one child per member, each opened as a single case is."""
    definition = get_joint_matter(ctx, body.joint_code)
    members = _members(ctx, definition.member_ids)
    checked = identity.check(body.applicant, ctx.clock.today())
    ticket = service.ticket_of(ctx, body.ticket_id) if body.ticket_id is not None else None
    joint = JointCase(
        joint_code=definition.code,
        name=definition.name,
        status=CaseStatus.SUBMITTED.value,
        ticket_id=ticket.id if ticket is not None else None,
        applicant_id=identity.identify(ctx, checked).id,
        window_no=ticket.window.number if ticket is not None and ticket.window is not None else None,
        correlation_id=str(uuid7()),
        opened_at=ctx.clock.now(),
    )
    ctx.session.add(joint)
    ctx.session.flush()
    one = CaseOpenIn(matter_id=members[0].id, ticket_id=body.ticket_id, applicant=body.applicant)
    children = [
        service.open_case(ctx, one.model_copy(update={"matter_id": matter.id}), joint) for matter in members
    ]
    _event(
        ctx,
        joint,
        children,
        EventType.CASE_SUBMITTED,
        {"joint_matter": joint.joint_code, "matters": [m.catalog_code for m in members]},
        new=True,
        personal={"applicant": checked.number, "applicant_name": checked.name},
    )
    return joint


def receive(ctx: Ctx, joint_id: int, body: MaterialsIn) -> JointCase:
    """Receiving a line of the one checklist receives it for every member that asks for it."""
    joint = _open_joint(ctx, joint_id)
    children = children_of(ctx, joint)
    names = {line.material_id: line.name for child in children for line in child.materials}
    unknown = [m for m in body.received if m not in names]
    if unknown:
        raise Invalid(
            "MATERIAL_NOT_IN_CHECKLIST", "所选材料不在该一件事的材料清单中", {"material_ids": unknown}
        )
    wanted = {names[m] for m in body.received}
    for child in children:
        ids = [line.material_id for line in child.materials if line.name in wanted]
        service.receive(ctx, child.id, MaterialsIn(received=ids, form=body.form))
    return joint


def require_correction(ctx: Ctx, joint_id: int) -> JointCase:
    """一次性告知 over every member at once; the members still missing something wait in 补齐补正."""
    joint = _open_joint(ctx, joint_id)
    children = children_of(ctx, joint)
    still_missing = missing(children)
    if not still_missing:
        raise Conflict("MATERIALS_COMPLETE", "材料已齐全，请直接受理")
    for child in children:
        if service.missing(child):
            service.require_correction(ctx, child.id)
    joint.status = CaseStatus.CORRECTION_REQUIRED.value
    ctx.session.flush()
    _event(ctx, joint, children, EventType.CASE_CORRECTION_REQUIRED, {"missing": still_missing})
    return joint


def accept(ctx: Ctx, joint_id: int) -> JointAcceptedOut:
    """受理 of the whole: every child accepted in its department, one joint number and one password (which
    opens every child's query too); the joint promised date is the latest of the children's."""
    joint = _open_joint(ctx, joint_id)
    children = children_of(ctx, joint)
    if missing(children):
        raise Conflict(
            "MATERIALS_INCOMPLETE",
            "材料不齐全，不能受理：请出具一次性告知单",
            {"missing": missing(children)},
        )
    password = service.new_password()
    digest = password_hasher(ctx).hash(password)
    for child in children:
        service.accept(ctx, child.id)
        child.query_password_hash = digest
    joint.local_case_no = service.next_case_no(ctx, ctx.clock.today())
    joint.query_password_hash = digest
    joint.accepted_at = ctx.clock.now()
    joint.status = CaseStatus.ACCEPTED.value
    promised = [child.promised_date for child in children if child.promised_date is not None]
    joint.promised_date = max(promised) if promised else None
    ctx.session.flush()
    _event(
        ctx,
        joint,
        children,
        EventType.CASE_ACCEPTED,
        {
            "local_case_no": joint.local_case_no,
            "joint_matter": joint.joint_code,
            "promised_date": joint.promised_date.isoformat() if joint.promised_date else None,
            "children": [{"local_case_no": c.local_case_no, "status": c.status} for c in children],
        },
    )
    return JointAcceptedOut(case=joint_case_out(ctx, joint), query_password=password)


def renew_query_password(ctx: Ctx, joint_id: int) -> QueryPasswordOut:
    """A new query password for an accepted joint case (the receipt was lost, or the answer to acceptance):
    the joint case and every child get it, so the old one opens none of them."""
    joint = get_joint_case(ctx, joint_id)
    if joint.local_case_no is None:
        raise Conflict("CASE_NOT_ACCEPTED", "该一件事尚未受理，没有查询密码")
    children = children_of(ctx, joint)
    password = service.new_password()
    digest = password_hasher(ctx).hash(password)
    for child in children:
        child.query_password_hash = digest
    joint.query_password_hash = digest
    ctx.session.flush()
    _event(
        ctx, joint, children, EventType.CASE_QUERY_PASSWORD_RENEWED, {"local_case_no": joint.local_case_no}
    )
    return QueryPasswordOut(local_case_no=joint.local_case_no, query_password=password)


def refuse(ctx: Ctx, joint_id: int, body: NotAcceptedIn) -> JointCase:
    """不予受理 of the whole: every child refused with the reason (its own `case.not_accepted`), then the
    joint case's, all in one transaction. A child already refused on its own keeps its own reason."""
    joint = _open_joint(ctx, joint_id)
    children = children_of(ctx, joint)
    for child in children:
        if child.status in service.OPEN_STATES:
            service.refuse(ctx, child.id, body)
    joint.status = CaseStatus.NOT_ACCEPTED.value
    ctx.session.flush()
    _event(ctx, joint, children, EventType.CASE_NOT_ACCEPTED, {"reason": body.reason})
    return joint


def find_joint_case(ctx: Ctx, number: str) -> JointCase:
    """By the number the visitor brings: the 收件编号 of the joint notice (the joint case's id, ASCII
    digits) or, once accepted, the joint case number of the 受理回执."""
    if number.isascii() and number.isdigit():
        if not 1 <= int(number) <= DB_ID_MAX:
            raise NotFound("JOINT_CASE_NOT_FOUND", "没有找到该一件事办件")
        return get_joint_case(ctx, int(number))
    joint = ctx.session.scalars(select(JointCase).where(JointCase.local_case_no == number)).first()
    if joint is None:
        raise NotFound("JOINT_CASE_NOT_FOUND", "没有找到该一件事办件")
    return joint


def get_joint_case(ctx: Ctx, joint_id: int) -> JointCase:
    joint = ctx.session.get(JointCase, joint_id)
    if joint is None:
        raise NotFound("JOINT_CASE_NOT_FOUND", "没有找到该一件事办件")
    return joint


def children_of(ctx: Ctx, joint: JointCase) -> list[Case]:
    return list(ctx.session.scalars(select(Case).where(Case.joint_case_id == joint.id).order_by(Case.id)))


def missing(children: list[Case]) -> list[str]:
    """Everything missing across the members, each material once: the one-time notice's list."""
    return list(dict.fromkeys(name for child in children for name in service.missing(child)))


def overall(joint: JointCase, children: list[Case]) -> CaseStatus:
    """Before acceptance the joint case's own state; then the slowest child's: concluded only when every
    child is, result ready only when every result is."""
    if joint.local_case_no is None:
        return CaseStatus(joint.status)
    states = {child.status for child in children}
    if len(states) == 1:
        return CaseStatus(states.pop())
    stage = min(PROGRESS.get(state, 0) for state in states)
    if stage == PROGRESS[CaseStatus.MAILED.value] and CaseStatus.MAILED.value in states:
        return CaseStatus.MAILED
    return STAGE[stage]


def _open_joint(ctx: Ctx, joint_id: int) -> JointCase:
    joint = get_joint_case(ctx, joint_id)
    if joint.status not in service.OPEN_STATES:
        raise Conflict(
            "CASE_NOT_OPEN", f"该一件事{STATUS_NAMES[CaseStatus(joint.status)]}，不能再修改收件信息"
        )
    return joint


def _event(
    ctx: Ctx,
    joint: JointCase,
    children: list[Case],
    event_type: EventType,
    data: dict[str, Any],
    *,
    new: bool = False,
    personal: dict[str, Any] | None = None,
) -> None:
    refs = {"cases": [child.id for child in children], **service.ticket_refs(ctx, joint.ticket_id)}
    record(
        ctx,
        event_type,
        AggregateType.JOINT_CASE,
        joint.id,
        {"status": joint.status, **data},
        refs=refs,
        window_no=joint.window_no,
        correlation_id=joint.correlation_id,
        personal=personal,
        new_aggregate=new,
    )


# --- the one reply ----------------------------------------------------------------------------------------


def joint_case_out(ctx: Ctx, joint: JointCase) -> JointCaseOut:
    children = children_of(ctx, joint)
    applicant = identity.masked(ctx.session.get(Visitor, joint.applicant_id))
    assert applicant is not None
    ticket = ctx.session.get(Ticket, joint.ticket_id) if joint.ticket_id is not None else None
    status = overall(joint, children)
    return JointCaseOut(
        id=joint.id,
        joint_code=joint.joint_code,
        name=joint.name,
        local_case_no=joint.local_case_no,
        status=status,
        status_name=STATUS_NAMES[status],
        ticket_number=ticket.number if ticket is not None else None,
        applicant=applicant,
        form=service.form_out(ctx, children[0]),  # one form: every child holds the same
        materials=_checklist_out(ctx, children),
        missing=missing(children),
        children=[_child_out(ctx, child) for child in children],
        opened_at=joint.opened_at,
        accepted_at=joint.accepted_at,
        promised_date=joint.promised_date,
        reason=_refusal_reason(ctx, joint) if joint.status == CaseStatus.NOT_ACCEPTED.value else None,
    )


def _refusal_reason(ctx: Ctx, joint: JointCase) -> str | None:
    """The reason of the whole, as its `case.not_accepted` recorded it (a child refused on its own before
    keeps its own reason, so the children cannot tell it): this transaction's event, or the stored one."""
    for envelope in reversed(ctx.events):
        if (envelope.aggregate.type, envelope.aggregate.id, envelope.event_type) == (
            AggregateType.JOINT_CASE,
            str(joint.id),
            EventType.CASE_NOT_ACCEPTED,
        ):
            return str(envelope.data.get("reason"))
    payload = ctx.session.scalars(
        select(Event.payload)
        .where(
            Event.aggregate_type == AggregateType.JOINT_CASE.value,
            Event.aggregate_id == str(joint.id),
            Event.event_type == EventType.CASE_NOT_ACCEPTED.value,
        )
        .order_by(Event.aggregate_seq.desc())
    ).first()
    reason = ((payload or {}).get("data") or {}).get("reason")
    return str(reason) if reason is not None else None


def _child_out(ctx: Ctx, child: Case) -> JointChildOut:
    matter, status = get_matter(ctx, child.matter_id), CaseStatus(child.status)
    return JointChildOut(
        case_id=child.id,
        matter_id=matter.id,
        matter_name=matter.name,
        department=matter.implementing_org,
        local_case_no=child.local_case_no,
        status=status,
        status_name=STATUS_NAMES.get(status, child.status),
        promised_date=child.promised_date,
        missing=service.missing(child),
    )


def _checklist_out(ctx: Ctx, children: list[Case]) -> list[JointMaterialOut]:
    """The children's lines by material name, in the order they first appear."""
    lines: dict[str, list[tuple[Case, CaseMaterial, str | None]]] = {}
    for child in children:
        sources = service.reuse_sources(ctx, child)
        for line in child.materials:
            lines.setdefault(line.name, []).append((child, line, sources.get(line.id)))
    return [_line_out(ctx, name, found) for name, found in lines.items()]


def _line_out(ctx: Ctx, name: str, found: list[tuple[Case, CaseMaterial, str | None]]) -> JointMaterialOut:
    states = {MaterialState(line.state) for _, line, _ in found}
    state = next(s for s in LINE_ORDER if s in states)
    return JointMaterialOut(
        material_ids=[line.material_id for _, line, _ in found],
        name=name,
        required=any(line.material.required for _, line, _ in found),
        original_count=max(line.material.original_count for _, line, _ in found),
        copy_count=max(line.material.copy_count for _, line, _ in found),
        state=state,
        state_name=MATERIAL_STATE_NAMES[state],
        reused_from=next((source for _, line, source in found if line.state == state.value), None),
        matters=[get_matter(ctx, child.matter_id).name for child, _, _ in found],
    )
