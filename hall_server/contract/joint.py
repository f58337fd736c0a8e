"""一件事 (联办件, standards.md §1.4 APPROVALTYPE 3): one application, one set of materials, several matters
and departments, one reply.

A hall defines a joint matter over at least two of the matters it offers. At the window the clerk opens a
joint case from the ticket being served: one form (the applicant part of 表5, prefilled once), one checklist
(the members' materials, one line per material name, each saying which members need it), and behind it one
child case per member matter for its department's back office. Receiving, the one-time notice and
acceptance act on the whole: acceptance gives one joint case number and one query password and accepts
every child (each with its own local number and promised date; the joint promised date is the latest).
The joint status is read from the children in the contract's words: concluded only when every child is,
result ready only when every result is.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from hall_server.contract.base import DbId, Model, OutModel
from hall_server.contract.cases import CaseStatus, FormFieldOut, MaterialState
from hall_server.contract.identity import IdentityIn, IdentityOut
from hall_server.contract.privacy import FreeText

JOINT_CODE = r"^[A-Z0-9_]{2,32}$"


class JointMatterIn(Model):
    name: FreeText = Field(min_length=2, max_length=200)
    member_ids: list[DbId] = Field(min_length=2, max_length=20)  # matters this hall offers, in form order


class JointMemberOut(OutModel):
    matter_id: int
    catalog_code: str
    name: str
    department: str  # 实施主体: the department whose back office handles the member's case


class JointMatterOut(OutModel):
    code: str
    name: str
    members: list[JointMemberOut]


class JointCaseOpenIn(Model):
    """Open a joint case: the applicant as read from the ID card (in the body only, never in a URL)."""

    joint_code: str = Field(pattern=JOINT_CODE)
    ticket_id: DbId | None = None
    applicant: IdentityIn


class JointMaterialOut(OutModel):
    """One line of the one checklist: a material by name, for every member matter that asks for it."""

    material_ids: list[int]  # the members' material ids; receiving any of them receives the line
    name: str
    required: bool  # required by at least one member
    original_count: int
    copy_count: int
    state: MaterialState
    state_name: str
    reused_from: str | None = None
    matters: list[str]  # names of the member matters that need it


class JointChildOut(OutModel):
    case_id: int
    matter_id: int
    matter_name: str
    department: str
    local_case_no: str | None
    status: CaseStatus
    status_name: str
    promised_date: date | None
    missing: list[str]


class JointCaseOut(OutModel):
    id: int
    joint_code: str
    name: str
    local_case_no: str | None  # the joint case number, given at acceptance
    status: CaseStatus  # read from the children once accepted
    status_name: str
    ticket_number: str | None
    applicant: IdentityOut
    form: list[FormFieldOut]
    materials: list[JointMaterialOut]
    missing: list[str]  # everything missing across the members: the one-time notice's list
    children: list[JointChildOut]
    opened_at: datetime
    accepted_at: datetime | None
    promised_date: date | None  # the latest of the children's
    reason: str | None = None  # 不予受理 of the whole: the reason every child was refused with


class JointAcceptedOut(OutModel):
    """The one number and the one query password (shown this once; it opens every child too)."""

    case: JointCaseOut
    query_password: str
