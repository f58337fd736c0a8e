"""一件事 API: the hall's joint matters (admins) and joint cases at the comprehensive window."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hall_server.cases import joint
from hall_server.contract.cases import MaterialsIn, NotAcceptedIn, QueryPasswordOut
from hall_server.contract.joint import (
    JOINT_CODE,
    JointAcceptedOut,
    JointCaseOpenIn,
    JointCaseOut,
    JointMatterIn,
    JointMatterOut,
)
from hall_server.deps import ADMINS, DESK, STAFF, ApiDep, IdempotentApiDep, IdParam

router = APIRouter(tags=["cases"])
JointCode = Annotated[str, Path(pattern=JOINT_CODE)]
# the 收件编号 of the joint notice (the joint case's id) or the joint case number of the 受理回执
JointNumber = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,50}$")]


@router.get("/joint-matters", response_model=list[JointMatterOut])
def list_joint_matters(api: ApiDep) -> list[JointMatterOut]:
    return api.read(
        lambda ctx: [joint.joint_matter_out(ctx, j) for j in joint.list_joint_matters(ctx)], roles=STAFF
    )


@router.get("/joint-matters/{joint_code}", response_model=JointMatterOut)
def get_joint_matter(joint_code: JointCode, api: ApiDep) -> JointMatterOut:
    return api.read(
        lambda ctx: joint.joint_matter_out(ctx, joint.get_joint_matter(ctx, joint_code)), roles=STAFF
    )


@router.put("/joint-matters/{joint_code}", response_model=JointMatterOut)
def save_joint_matter(joint_code: JointCode, body: JointMatterIn, api: ApiDep) -> JointMatterOut:
    """Define (or change) a 一件事 over matters this hall offers: 422 JOINT_MEMBER_NOT_OFFERED otherwise."""
    return api.run(
        lambda ctx: joint.joint_matter_out(ctx, joint.save_joint_matter(ctx, joint_code, body)), roles=ADMINS
    )


@router.delete("/joint-matters/{joint_code}", status_code=204)
def delete_joint_matter(joint_code: JointCode, api: ApiDep) -> None:
    api.run(lambda ctx: joint.delete_joint_matter(ctx, joint_code), roles=ADMINS)


@router.post("/joint-cases", response_model=JointCaseOut, status_code=201)
def open_joint_case(body: JointCaseOpenIn, api: IdempotentApiDep) -> JointCaseOut:
    """收件 of a 一件事: one form, one checklist, one child case per member matter."""
    return api.run(lambda ctx: joint.joint_case_out(ctx, joint.open_joint_case(ctx, body)), roles=DESK)


@router.get("/joint-cases/by-number/{number}", response_model=JointCaseOut)
def find_joint_case(number: JointNumber, api: ApiDep) -> JointCaseOut:
    """补齐补正 at a later visit: the joint case by the 收件编号 on the joint one-time notice (its id) or by
    the joint case number on its 受理回执."""
    return api.read(lambda ctx: joint.joint_case_out(ctx, joint.find_joint_case(ctx, number)), roles=STAFF)


@router.get("/joint-cases/{joint_case_id}", response_model=JointCaseOut)
def get_joint_case(joint_case_id: IdParam, api: ApiDep) -> JointCaseOut:
    """The one reply: the children's states and the overall state."""
    return api.read(
        lambda ctx: joint.joint_case_out(ctx, joint.get_joint_case(ctx, joint_case_id)), roles=STAFF
    )


@router.post("/joint-cases/{joint_case_id}/materials", response_model=JointCaseOut)
def receive(joint_case_id: IdParam, body: MaterialsIn, api: IdempotentApiDep) -> JointCaseOut:
    """Tick lines of the one checklist (any of a line's material ids); correct the one form."""
    return api.run(lambda ctx: joint.joint_case_out(ctx, joint.receive(ctx, joint_case_id, body)), roles=DESK)


@router.post("/joint-cases/{joint_case_id}/correction-notice", response_model=JointCaseOut)
def require_correction(joint_case_id: IdParam, api: IdempotentApiDep) -> JointCaseOut:
    """一次性告知: everything missing across the members, in one go."""
    return api.run(
        lambda ctx: joint.joint_case_out(ctx, joint.require_correction(ctx, joint_case_id)), roles=DESK
    )


@router.post("/joint-cases/{joint_case_id}/accept", response_model=JointAcceptedOut)
def accept(joint_case_id: IdParam, api: ApiDep) -> JointAcceptedOut:
    """受理 of the whole: one number, one query password (shown this once), every child accepted."""
    return api.run(lambda ctx: joint.accept(ctx, joint_case_id), roles=DESK)


@router.post("/joint-cases/{joint_case_id}/query-password", response_model=QueryPasswordOut)
def renew_query_password(joint_case_id: IdParam, api: ApiDep) -> QueryPasswordOut:
    """A new query password for an accepted joint case (lost receipt or lost answer); the old one stops
    working, for the joint case and every child."""
    return api.run(lambda ctx: joint.renew_query_password(ctx, joint_case_id), roles=DESK)


@router.post("/joint-cases/{joint_case_id}/not-accepted", response_model=JointCaseOut)
def refuse(joint_case_id: IdParam, body: NotAcceptedIn, api: IdempotentApiDep) -> JointCaseOut:
    """不予受理 of the whole, with the reason: every child refused with it."""
    return api.run(lambda ctx: joint.joint_case_out(ctx, joint.refuse(ctx, joint_case_id, body)), roles=DESK)
