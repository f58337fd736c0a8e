"""差评整改: every 差评 (不满意/非常不满意) opens a follow-up with deadlines in working days (standards §2.5).

Steps, in order: assign (分派) → verify (核实) → rectify (整改, only when the 差评 is 属实) → reply (答复) →
revisit (回访) → close (办结). The window's clerk may appeal (申诉) once before rectification; managers
review it (复核): UPHELD keeps the 差评 and the follow-up goes on, OVERTURNED excludes it (误评/恶意) and
closes the follow-up.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from hall_server.contract.base import DbId, Model, OutModel
from hall_server.contract.departments import DEPARTMENT_CODE
from hall_server.contract.evaluation import Level
from hall_server.contract.privacy import FreeText

WarningLevel = Literal["none", "yellow", "red"]
FollowupStep = Literal["assign", "verify", "rectify", "reply", "revisit", "close", "appeal", "review"]


class FollowupStatus(StrEnum):
    OPEN = "OPEN"  # 待分派
    ASSIGNED = "ASSIGNED"  # 待核实
    VERIFIED = "VERIFIED"  # 已核实: 属实 → 待整改; otherwise 待答复 (解释说明)
    RECTIFIED = "RECTIFIED"  # 已整改, 待答复
    REPLIED = "REPLIED"  # 已答复, 待回访
    REVISITED = "REVISITED"  # 已回访, 待办结
    CLOSED = "CLOSED"


STATUS_NAMES: dict[FollowupStatus, str] = {
    FollowupStatus.OPEN: "待分派",
    FollowupStatus.ASSIGNED: "待核实",
    FollowupStatus.VERIFIED: "已核实",
    FollowupStatus.RECTIFIED: "已整改",
    FollowupStatus.REPLIED: "已答复",
    FollowupStatus.REVISITED: "已回访",
    FollowupStatus.CLOSED: "已办结",
}


class VerifyResult(StrEnum):
    VERIFIED_TRUE = "VERIFIED_TRUE"  # 属实
    NOT_TRUE = "NOT_TRUE"  # 不属实
    MISTAKEN = "MISTAKEN"  # 误评
    MALICIOUS = "MALICIOUS"  # 恶意


VERIFY_NAMES: dict[VerifyResult, str] = {
    VerifyResult.VERIFIED_TRUE: "属实",
    VerifyResult.NOT_TRUE: "不属实",
    VerifyResult.MISTAKEN: "误评",
    VerifyResult.MALICIOUS: "恶意",
}


class RevisitResult(StrEnum):
    SATISFIED = "SATISFIED"  # 满意
    BASICALLY = "BASICALLY"  # 基本满意
    DISSATISFIED = "DISSATISFIED"  # 不满意
    UNREACHABLE = "UNREACHABLE"  # 联系不上


REVISIT_NAMES: dict[RevisitResult, str] = {
    RevisitResult.SATISFIED: "满意",
    RevisitResult.BASICALLY: "基本满意",
    RevisitResult.DISSATISFIED: "不满意",
    RevisitResult.UNREACHABLE: "联系不上",
}


class AppealState(StrEnum):
    PENDING = "PENDING"  # 申诉待复核: no other step until it is reviewed
    UPHELD = "UPHELD"  # 复核维持差评: the appeal fails, the follow-up goes on
    OVERTURNED = "OVERTURNED"  # 复核撤销差评: excluded as 误评/恶意, the follow-up is closed


class ReviewDecision(StrEnum):
    UPHELD = "UPHELD"
    OVERTURNED = "OVERTURNED"


class FollowupSettingsIn(Model):
    """Deadlines in working days counted from the evaluation date (default: standards.md §2.5)."""

    verify_days: int = Field(default=1, ge=0, le=60, description="核实 (回访核实) 期限")
    rectify_days: int = Field(default=15, ge=0, le=120, description="整改并反馈期限")
    revisit_days: int = Field(default=20, ge=0, le=180, description="回访期限")

    @model_validator(mode="after")
    def _in_order(self) -> FollowupSettingsIn:
        if not self.verify_days <= self.rectify_days <= self.revisit_days:
            raise ValueError("期限须满足：核实 ≤ 整改 ≤ 回访")
        return self


class FollowupSettingsOut(OutModel):
    verify_days: int
    rectify_days: int
    revisit_days: int
    updated_at: datetime | None = Field(description="None: the defaults of standards.md §2.5")


class AssignIn(Model):
    """At least a department or a staff member; a staff member alone brings their own department."""

    department_code: str | None = Field(
        default=None, pattern=DEPARTMENT_CODE, description="责任部门 (GET /departments)"
    )
    staff_id: DbId | None = Field(default=None, description="责任人")
    note: FreeText = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _someone(self) -> AssignIn:
        if self.department_code is None and self.staff_id is None:
            raise ValueError("请选择责任部门或责任人")
        return self


class VerifyIn(Model):
    result: VerifyResult
    note: FreeText = Field(default="", max_length=500)


class RectifyIn(Model):
    record: FreeText = Field(min_length=1, max_length=1000, description="整改记录")


class ReplyIn(Model):
    text: FreeText = Field(min_length=1, max_length=1000, description="答复办事人的内容")


class RevisitIn(Model):
    result: RevisitResult
    note: FreeText = Field(default="", max_length=500)


class AppealIn(Model):
    reason: FreeText = Field(min_length=1, max_length=500, description="申诉理由")


class ReviewIn(Model):
    decision: ReviewDecision
    note: FreeText = Field(default="", max_length=500)


class CloseIn(Model):
    note: FreeText = Field(default="", max_length=500)


class Deadline(OutModel):
    step: Literal["verify", "rectify", "revisit"]
    due: date
    done_at: datetime | None
    warning: WarningLevel = Field(description="none/yellow/red now; none once done")


class FollowupOut(OutModel):
    id: int
    evaluation_id: int
    opportunity_id: int
    assess_number: int
    level: Level
    evaluation_text: str
    opened_on: date = Field(description="the evaluation's local date; deadlines count from it")
    window_no: int | None
    staff_id: int | None = Field(description="the clerk who served (the evaluated window's clerk)")
    staff_name: str | None
    status: FollowupStatus
    status_name: str
    department_code: str | None = Field(description="责任部门: the window's department until assigned")
    department: str | None = Field(description="责任部门名称")
    assignee_id: int | None
    assignee_name: str | None
    verify_result: VerifyResult | None
    verify_note: str
    rectification: str
    reply: str
    revisit_result: RevisitResult | None
    revisit_note: str
    appeal_state: AppealState | None
    appeal_reason: str
    review_note: str
    excluded: bool = Field(description="the 差评 was overturned on review (误评/恶意): not counted")
    deadlines: list[Deadline]
    warning: WarningLevel = Field(description="of the step now due; none when closed")
    closed_at: datetime | None
    steps: list[FollowupStep] = Field(
        description="the steps its state allows now, in order (each step's own rule says who may take it)"
    )
