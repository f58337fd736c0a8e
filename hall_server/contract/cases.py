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
    RESULT_READY = "RESULT_READY"  # 结果待领取 (or 待寄送) at the 综合出件 window
    PICKED_UP = "PICKED_UP"  # 已领取
    MAILED = "MAILED"  # 已寄送


STATUS_NAMES: dict[CaseStatus, str] = {
    CaseStatus.SUBMITTED: "已收件",
    CaseStatus.CORRECTION_REQUIRED: "待补齐补正",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.NOT_ACCEPTED: "不予受理",
    CaseStatus.CONCLUDED_APPROVED: "已办结",
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
    """The visitor's query (kiosk): the case number and the query password from the receipt."""

    local_case_no: str = Field(pattern=r"^[A-Za-z0-9_-]{3,50}$")
    query_password: str = Field(pattern=r"^\d{6}$")


class PublicCaseOut(OutModel):
    """What a visitor sees of a case: the status in the contract's words (R3), nothing personal."""

    local_case_no: str
    matter_name: str
    status: CaseStatus
    status_name: str
    promised_date: date | None
    delivery_name: str | None
    carrier: str | None
    waybill_no: str | None
