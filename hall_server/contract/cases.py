"""办件 (cases): intake at the comprehensive window (前台综合受理), standards.md §3.

A clerk opens a case for the visitor's matter from the ticket being served. The case carries the application
form of GB/T 39046 表5 (the applicant's part), prefilled from the ID card and from the applicant's earlier
cases (R6 一表申请), and the matter's materials checklist: a material obtainable by data sharing, or received
for this applicant in an earlier case, is marked 无需提交 and reused (with where from). The clerk ticks what
was received, then concludes the intake in one of three ways:

- complete → ACCEPTED (受理) with a case number and a query password (shown once, stored hashed); a 即办件
  (case type 1) is concluded at the window at once (CONCLUDED_APPROVED);
- incomplete → CORRECTION_REQUIRED (补齐补正) with a one-time notice (一次性告知) listing everything
  missing in one go; a later visit receives the rest and accepts;
- not acceptable → NOT_ACCEPTED (不予受理) with the reason.

The status names are the consolidated model of standards.md §3.4: the same words on every screen (R3).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from hall_server.contract.base import DbId, Model, OutModel
from hall_server.contract.identity import IdentityIn, IdentityOut
from hall_server.contract.privacy import FreeText


class CaseStatus(StrEnum):
    SUBMITTED = "SUBMITTED"  # 收件: opened at the window, materials being checked
    CORRECTION_REQUIRED = "CORRECTION_REQUIRED"  # 补齐补正: one-time notice given, waiting for the rest
    ACCEPTED = "ACCEPTED"  # 受理
    NOT_ACCEPTED = "NOT_ACCEPTED"  # 不予受理
    CONCLUDED_APPROVED = "CONCLUDED_APPROVED"  # 办结（准予）
    IN_PROGRESS = "IN_PROGRESS"  # 办理中: in the back office (承办/审核/批准)
    SUSPENDED = "SUSPENDED"  # 特别程序: the clock stopped (听证、公示、核查…)
    CONCLUDED_DENIED = "CONCLUDED_DENIED"  # 办结（不予许可）
    CONCLUDED_TRANSFERRED = "CONCLUDED_TRANSFERRED"  # 办结（转报）
    RESULT_READY = "RESULT_READY"  # 结果待领取 (or 待寄送) at the 综合出件 window
    PICKED_UP = "PICKED_UP"  # 已领取
    MAILED = "MAILED"  # 已寄送


STATUS_NAMES: dict[CaseStatus, str] = {
    CaseStatus.SUBMITTED: "已收件",
    CaseStatus.CORRECTION_REQUIRED: "待补齐补正",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.NOT_ACCEPTED: "不予受理",
    CaseStatus.CONCLUDED_APPROVED: "已办结",
    CaseStatus.IN_PROGRESS: "办理中",
    CaseStatus.SUSPENDED: "特别程序中（暂停计时）",
    CaseStatus.CONCLUDED_DENIED: "已办结（不予许可）",
    CaseStatus.CONCLUDED_TRANSFERRED: "已办结（转报）",
    CaseStatus.RESULT_READY: "结果待领取",
    CaseStatus.PICKED_UP: "结果已领取",
    CaseStatus.MAILED: "结果已寄出",
}


class CaseType(StrEnum):
    """办件类型 (GB/T 39046 A.6, the catalogue's `case_type`)."""

    INSTANT = "1"  # 即办件: concluded at the window
    PROMISED = "2"  # 承诺件: accepted at the window, approved in the back office


class MaterialState(StrEnum):
    PENDING = "PENDING"  # 待收取
    RECEIVED = "RECEIVED"  # 已收取 (this case)
    REUSED = "REUSED"  # 无需提交: received for this applicant in an earlier case
    SHARED = "SHARED"  # 无需提交: obtained by data sharing (电子证照库、人口库…)


MATERIAL_STATE_NAMES: dict[MaterialState, str] = {
    MaterialState.PENDING: "待收取",
    MaterialState.RECEIVED: "已收取",
    MaterialState.REUSED: "无需提交（已有材料复用）",
    MaterialState.SHARED: "无需提交（数据共享获取）",
}

# The applicant part of GB/T 39046 表5 (办事申请): field → label. Name and ID number come from the card;
# the rest is prefilled from the applicant's latest earlier case.
FORM_FIELDS: dict[str, str] = {
    "applicant_name": "申请者名称",
    "applicant_id": "申请者证件号码",
    "contact_phone": "联系人手机号码",
    "postcode": "邮政编码",
    "address": "通讯地址",
    "legal_representative": "法定代表人",
}
CARD_FIELDS = frozenset({"applicant_name", "applicant_id"})


class FormSource(StrEnum):
    CARD = "CARD"  # read from the ID card
    EARLIER_CASE = "EARLIER_CASE"  # from the applicant's latest earlier case
    CLERK = "CLERK"  # typed at the window


class CaseOpenIn(Model):
    """Open a case: the applicant as read from the ID card (sent in the body only, never in a URL)."""

    matter_id: DbId
    ticket_id: DbId | None = None  # the ticket being served, when the case comes from the queue
    applicant: IdentityIn


class FormValues(Model):
    """Values typed or corrected by the clerk (name and ID number come from the card and stay); a field
    left out or empty keeps its value."""

    contact_phone: str | None = Field(default=None, pattern=r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
    postcode: str | None = Field(default=None, pattern=r"^\d{6}$")
    address: FreeText = Field(default="", max_length=100)
    legal_representative: FreeText = Field(default="", max_length=50)


class MaterialsIn(Model):
    """What the clerk received at this visit (matter material ids), and form corrections."""

    received: list[DbId] = Field(default=[], max_length=100)
    form: FormValues | None = None


class NotAcceptedIn(Model):
    reason: FreeText = Field(min_length=2, max_length=500)


class FormFieldOut(OutModel):
    key: str
    label: str
    value: str | None  # masked where personal (name, ID number)
    source: FormSource | None


# 附件: a scan or camera photo of a received material (收件), sent as the raw bytes of the request body
# with one of these Content-Types; the content must match it (magic bytes). Stored SM4-encrypted.
ATTACHMENT_TYPES: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/pdf": "pdf",
}


class AttachmentOut(OutModel):
    """One attachment's metadata (the content only by its own download, GET .../attachments/{id})."""

    id: int
    material_id: int  # the matter's material (the checklist line)
    material_name: str
    media_type: str  # image/jpeg, image/png, application/pdf
    size: int  # bytes
    sha256: str  # of the content
    attached_by: str  # the clerk's name
    attached_at: datetime


class CaseMaterialOut(OutModel):
    material_id: int  # the matter's material
    name: str
    required: bool
    form: str  # ORIGINAL / COPY / …
    original_count: int
    copy_count: int
    state: MaterialState
    state_name: str
    reused_from: str | None = None  # the earlier case's number, or the sharing source
    attachments: list[AttachmentOut] = Field(
        default_factory=list
    )  # scans / photos of this line, oldest first


class CaseOut(OutModel):
    id: int
    local_case_no: str | None  # given at acceptance: {hall}-{yyyyMMdd}-{seq:06}
    platform_case_no: str | None  # the province's 申办号, when assigned
    status: CaseStatus
    status_name: str
    matter_id: int
    matter_name: str
    case_type: CaseType
    ticket_number: str | None
    applicant: IdentityOut
    form: list[FormFieldOut]
    materials: list[CaseMaterialOut]
    missing: list[str]  # required materials not yet received: the one-time notice's list
    reason: str | None  # 不予受理
    opened_at: datetime
    accepted_at: datetime | None
    promised_date: date | None  # 承诺办结日期 (working days)
    legal_date: date | None  # 法定办结日期
    concluded_at: datetime | None


class AcceptedOut(OutModel):
    """The answer to acceptance: the query password is shown here once (receipt), never again; it is
    stored only hashed, so a lost answer is mended with a new password, not by replaying this one."""

    case: CaseOut
    query_password: str


class QueryPasswordOut(OutModel):
    local_case_no: str
    query_password: str  # the new one; the earlier one no longer opens the case


# --- 综合窗口出件 (results) ---------------------------------------------------------------------------


class Delivery(StrEnum):
    """How the applicant gets the result (表8 是否快递寄送结果)."""

    WINDOW = "WINDOW"  # 综合出件窗口领取
    MAIL = "MAIL"  # 快递寄送


DELIVERY_NAMES: dict[Delivery, str] = {Delivery.WINDOW: "窗口领取", Delivery.MAIL: "快递寄送"}


class PickedBy(StrEnum):
    SELF = "SELF"  # 申请人本人
    AGENT = "AGENT"  # 授权代理人


class AgentIn(Model):
    """An authorised agent (代理人) as read from the card: name and number, stored hashed and sealed."""

    agent: IdentityIn


class ResultReadyIn(Model):
    delivery: Delivery = Delivery.WINDOW


class PickupIn(Model):
    """The card read at the 综合出件 window (sent in the body only)."""

    card: IdentityIn


class MailIn(Model):
    """表15 物流: carrier, waybill and the receiver (masked in every answer and event)."""

    carrier: FreeText = Field(min_length=2, max_length=50)  # 寄送单位
    waybill_no: str = Field(min_length=6, max_length=40, pattern=r"^[A-Za-z0-9-]+$")  # 物流单号
    sent_on: date  # 寄送日期
    receiver_name: str = Field(pattern=r"^[\u4e00-\u9fffA-Za-z·. ]{1,50}$")  # 接收人
    receiver_phone: str = Field(pattern=r"^1\d{10}$")


class CaseResultOut(OutModel):
    case_id: int
    local_case_no: str | None
    status: CaseStatus
    status_name: str
    delivery: Delivery | None
    delivery_name: str | None
    agents: list[IdentityOut]  # masked
    ready_at: datetime | None
    picked_at: datetime | None
    picked_by: PickedBy | None
    carrier: str | None
    waybill_no: str | None
    sent_on: date | None
    receiver_masked: str | None


class CaseQueryIn(Model):
    """The visitor's query (kiosk): the case number and the query password from the receipt. The number
    may be the hall's own or the platform's (PROJID), whichever the visitor has."""

    local_case_no: str = Field(pattern=r"^[A-Za-z0-9_-]{3,50}$")
    query_password: str = Field(pattern=r"^\d{6}$")


class PublicCaseOut(OutModel):
    """What a visitor sees of a case: the status in the contract's words (R3), nothing personal. A 一件事
    (joint case number): the joint matter's name, the overall state, and its member matters' own cases."""

    local_case_no: str
    platform_case_no: str | None = None  # the province's 办件编号 (PROJID), once the platform gave it
    matter_name: str
    status: CaseStatus
    status_name: str
    promised_date: date | None
    delivery_name: str | None
    carrier: str | None
    waybill_no: str | None
    members: list[PublicCaseOut] = Field(default_factory=list)  # 一件事 only: each member matter's case


# --- the back office (后台分类审批): steps, special procedures, conclusion ---------------------------------

BACK_OFFICE_STATES = (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED)


class StepPhase(StrEnum):
    """审批环节 (GD SPHJDM 1/2/3), in this order."""

    UNDERTAKE = "UNDERTAKE"  # 承办
    REVIEW = "REVIEW"  # 审核
    APPROVE = "APPROVE"  # 批准


PHASE_NAMES: dict[StepPhase, str] = {
    StepPhase.UNDERTAKE: "承办",
    StepPhase.REVIEW: "审核",
    StepPhase.APPROVE: "批准",
}


class StepAction(StrEnum):
    PASS = "PASS"  # noqa: S105 (通过: to the next step; not a secret)
    RETURN = "RETURN"  # 退回: to the step before
    WINDOW = "WINDOW"  # 退回窗口补正 (recorded by the return, not sent as a step): 承办 again after it


class StepResult(StrEnum):
    AGREE = "AGREE"  # 同意
    DISAGREE = "DISAGREE"  # 不同意


class Warning(StrEnum):
    """电子监察 warning of a case's time limit (the earlier of promised and legal dates)."""

    NONE = "NONE"
    YELLOW = "YELLOW"  # 黄牌: at most the yellow threshold of working days left
    RED = "RED"  # 红牌: overdue


WARNING_NAMES: dict[Warning, str] = {
    Warning.NONE: "正常",
    Warning.YELLOW: "黄牌预警",
    Warning.RED: "红牌（已超期）",
}


class SpecialKind(StrEnum):
    """特别程序 (GB/T 39046 A.7, EA_JC_STEP_SPECIALNODE): the time it takes is not counted."""

    EXTENSION = "EXTENSION"  # 延长审批
    HEARING = "HEARING"  # 听证
    PUBLICITY = "PUBLICITY"  # 公示
    VERIFICATION = "VERIFICATION"  # 现场核查
    INSPECTION = "INSPECTION"  # 检验检测检疫
    EXPERT_REVIEW = "EXPERT_REVIEW"  # 专家评审
    SUSPENSION = "SUSPENSION"  # 挂起


SPECIAL_NAMES: dict[SpecialKind, str] = {
    SpecialKind.EXTENSION: "延长审批",
    SpecialKind.HEARING: "听证",
    SpecialKind.PUBLICITY: "公示",
    SpecialKind.VERIFICATION: "现场核查",
    SpecialKind.INSPECTION: "检验检测检疫",
    SpecialKind.EXPERT_REVIEW: "专家评审",
    SpecialKind.SUSPENSION: "挂起",
}


class Outcome(StrEnum):
    APPROVED = "APPROVED"  # 准予（出证）
    DENIED = "DENIED"  # 不予许可
    TRANSFERRED = "TRANSFERRED"  # 转报


class StepIn(Model):
    """One step done: the opinion goes to 表7 环节处理意见."""

    phase: StepPhase
    action: StepAction = StepAction.PASS
    result: StepResult = StepResult.AGREE
    opinion: FreeText = Field(min_length=2, max_length=1000)


class ReturnForCorrectionIn(Model):
    """退回窗口补正: the materials to bring, listed once (one per line)."""

    missing: FreeText = Field(min_length=2, max_length=2000)
    opinion: FreeText = Field(min_length=2, max_length=1000)


class SpecialStartIn(Model):
    kind: SpecialKind
    reason_basis: FreeText = Field(min_length=2, max_length=1000)  # 启动理由或依据
    expected_days: int = Field(ge=1, le=365)  # working days expected


class SpecialEndIn(Model):
    result: FreeText = Field(min_length=2, max_length=1000)  # 特别程序结果
    opinion: FreeText = Field(default="", max_length=1000)


class CertificateIn(Model):
    """结果证照 (表8): name and number; the electronic certificate's identifier is checked (MOD 37,36)."""

    name: FreeText = Field(min_length=2, max_length=200)
    number: FreeText = Field(min_length=1, max_length=50)
    # 电子证照标识; its structure and check character are checked by the server (CERT_IDENTIFIER_INVALID)
    identifier: str | None = Field(default=None, max_length=200, pattern=r"^[0-9A-Za-z.]+$")
    valid_until: date | None = None
    issuer: FreeText = Field(default="", max_length=100)


class ConcludeIn(Model):
    outcome: Outcome
    description: FreeText = Field(default="", max_length=1000)  # 办件结果描述
    certificate: CertificateIn | None = None  # APPROVED with a certificate
    reason: FreeText = Field(default="", max_length=1000)  # DENIED: 不予许可的理由
    transfer_target: FreeText = Field(default="", max_length=200)  # TRANSFERRED: 转报的机关
    decision_doc_no: FreeText = Field(default="", max_length=50)


class CaseStepOut(OutModel):
    sn: int
    phase: StepPhase
    phase_name: str
    action: StepAction
    result: StepResult
    opinion: str
    handler_name: str
    started_at: datetime
    ended_at: datetime


class SpecialProcedureOut(OutModel):
    id: int
    kind: SpecialKind
    kind_name: str
    reason_basis: str
    expected_days: int
    started_at: datetime
    ended_at: datetime | None
    result: str | None
    working_days: int | None  # the working days not counted (when ended)


class QueueItemOut(OutModel):
    id: int
    local_case_no: str | None
    matter_name: str
    applicant_name: str  # masked
    status: CaseStatus
    status_name: str
    accepted_at: datetime | None
    promised_date: date | None
    legal_date: date | None
    promised_left: int | None  # working days left (negative: overdue); frozen while suspended
    legal_left: int | None
    warning: Warning
    warning_name: str
    next_phase: StepPhase | None


class QueuePage(OutModel):
    items: list[QueueItemOut]
    total: int
    offset: int
    limit: int
    next_after: str | None = Field(
        default=None, description="the cursor of the next page (`after`); none when this page is the last"
    )


class BackofficeCaseOut(OutModel):
    case: CaseOut
    department_name: str | None
    promised_left: int | None
    legal_left: int | None
    warning: Warning
    warning_name: str
    next_phase: StepPhase | None
    steps: list[CaseStepOut]
    special_procedures: list[SpecialProcedureOut]
    conclusion: dict[str, object] | None  # outcome, certificate, reason, transfer target
