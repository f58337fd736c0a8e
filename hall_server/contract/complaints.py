"""投诉 (complaints, R11): recorded at a window, the kiosk or the follow page, or imported from the 12345
hotline; routed to a department, answered within a deadline in working days, closed; optionally reopened.

The 12345 hotline's 工单号 is kept as `external_ref`: importing the same 工单号 twice gives one complaint.
A contact is a phone number only (never an ID number): stored for the call back, shown masked.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, field_validator

from hall_server.contract.base import DbId, HallDate, Model, OutModel, WindowNo
from hall_server.contract.departments import DEPARTMENT_CODE, DepartmentCode
from hall_server.contract.privacy import FreeText


class ComplaintChannel(StrEnum):
    WINDOW = "WINDOW"  # recorded by a clerk or manager at the window
    KIOSK = "KIOSK"  # typed at a 自助终端
    FOLLOW_PAGE = "FOLLOW_PAGE"  # the ticket's follow page (/f/{code}), bound to that ticket
    HOTLINE_12345 = "HOTLINE_12345"  # imported from the 12345 hotline (file or HTTP), its 工单号 kept


CHANNEL_NAMES: dict[ComplaintChannel, str] = {
    ComplaintChannel.WINDOW: "窗口",
    ComplaintChannel.KIOSK: "自助终端",
    ComplaintChannel.FOLLOW_PAGE: "跟踪页",
    ComplaintChannel.HOTLINE_12345: "12345热线",
}


class ComplaintSubject(StrEnum):
    ATTITUDE = "ATTITUDE"  # 服务态度
    EFFICIENCY = "EFFICIENCY"  # 办事效率
    POLICY = "POLICY"  # 政策执行
    FACILITIES = "FACILITIES"  # 环境设施
    OTHER = "OTHER"  # 其他


SUBJECT_NAMES: dict[ComplaintSubject, str] = {
    ComplaintSubject.ATTITUDE: "服务态度",
    ComplaintSubject.EFFICIENCY: "办事效率",
    ComplaintSubject.POLICY: "政策执行",
    ComplaintSubject.FACILITIES: "环境设施",
    ComplaintSubject.OTHER: "其他",
}


class ComplaintStatus(StrEnum):
    RECORDED = "RECORDED"  # 已登记
    ROUTED = "ROUTED"  # 已转办 (to a department)
    ANSWERED = "ANSWERED"  # 已答复
    CLOSED = "CLOSED"  # 已办结


STATUS_NAMES: dict[ComplaintStatus, str] = {
    ComplaintStatus.RECORDED: "已登记",
    ComplaintStatus.ROUTED: "已转办",
    ComplaintStatus.ANSWERED: "已答复",
    ComplaintStatus.CLOSED: "已办结",
}


ComplaintStep = Literal["route", "answer", "close", "reopen"]


class DeadlineWarning(StrEnum):
    NONE = "none"
    YELLOW = "yellow"  # ≤ 1 working day or ≤ 20 % of the period left
    RED = "red"  # the deadline day is past and no answer yet


# A mobile (13812345678, +86 allowed) or a landline (0551-65123456, 010-12345678-123): never an ID number.
CONTACT_PATTERN = r"^(?:(?:\+?86)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,5})?)$"
# The 12345 hotline's 工单号: letters, digits, dashes.
ExternalRef = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$")]
ComplaintText = Annotated[FreeText, Field(min_length=1, max_length=2000)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


class ComplaintIn(Model):
    """Recorded by a clerk or manager (channel WINDOW) or a kiosk (KIOSK): the caller decides the channel.
    With `ticket_id`, the ticket's matter, window and clerk are taken from the ticket."""

    subject: ComplaintSubject
    text: ComplaintText
    ticket_id: DbId | None = None
    window_no: WindowNo | None = Field(default=None, description="the window complained of, without a ticket")
    contact: str | None = Field(
        default=None, pattern=CONTACT_PATTERN, max_length=20, description="phone to call back; shown masked"
    )

    _text = field_validator("text")(_not_blank)


class FollowComplaintIn(Model):
    """From the follow page: the ticket is the one of the follow code."""

    subject: ComplaintSubject
    text: ComplaintText
    contact: str | None = Field(default=None, pattern=CONTACT_PATTERN, max_length=20)

    _text = field_validator("text")(_not_blank)


class HotlineComplaintIn(Model):
    """One 12345 工单 as imported (file row or HTTP batch item)."""

    external_ref: ExternalRef = Field(description="12345 工单号; the same one twice is one complaint")
    subject: ComplaintSubject = ComplaintSubject.OTHER
    text: ComplaintText
    contact: str | None = Field(default=None, pattern=CONTACT_PATTERN, max_length=20)
    window_no: WindowNo | None = None

    _text = field_validator("text")(_not_blank)


class HotlineBatchIn(Model):
    complaints: list[HotlineComplaintIn] = Field(min_length=1, max_length=500)


class ImportOutcome(StrEnum):
    CREATED = "CREATED"
    ALREADY_THERE = "ALREADY_THERE"  # that 工单号 was imported before: nothing changed


class ImportResultOut(OutModel):
    external_ref: str
    complaint_id: int
    outcome: ImportOutcome


class HotlineImportOut(OutModel):
    created: int
    already_there: int
    results: list[ImportResultOut]


class RouteIn(Model):
    department_code: DepartmentCode = Field(description="承办部门 (GET /departments)")
    staff_id: DbId | None = Field(default=None, description="承办人 (optional)")


class AnswerIn(Model):
    reply: ComplaintText

    _reply = field_validator("reply")(_not_blank)


class ComplaintCloseIn(Model):
    note: FreeText = Field(default="", max_length=500)


class ReopenIn(Model):
    reason: FreeText = Field(min_length=1, max_length=500)

    _reason = field_validator("reason")(_not_blank)


class ComplaintSettingsIn(Model):
    answer_working_days: int = Field(ge=1, le=60, description="working days from recording to the answer")


class ComplaintSettingsOut(OutModel):
    answer_working_days: int
    updated_at: datetime | None


class ComplaintQuery(Model):
    """Filters of the list and the CSV export; every one optional."""

    status: ComplaintStatus | None = None
    channel: ComplaintChannel | None = None
    warning: DeadlineWarning | None = None
    overdue: bool | None = Field(default=None, description="true: red only")
    window_no: WindowNo | None = None
    department_code: str | None = Field(default=None, pattern=DEPARTMENT_CODE)
    date_from: HallDate | None = Field(default=None, description="first recording day (local)")
    date_to: HallDate | None = Field(default=None, description="last recording day, inclusive")


class PublicComplaintOut(OutModel):
    """What the visitor's own page is told of the complaint just made: no clerk, no department, no contact."""

    id: int
    subject: ComplaintSubject
    subject_name: str
    status: ComplaintStatus
    status_name: str
    recorded_on: date
    due_date: date = Field(description="answer due by the end of this local day (working days)")


class ComplaintOut(OutModel):
    id: int
    channel: ComplaintChannel
    subject: ComplaintSubject
    subject_name: str
    text: str
    status: ComplaintStatus
    status_name: str
    contact: str | None = Field(description="masked: 138****5678")
    external_ref: str | None
    ticket_id: int | None
    ticket_number: str | None
    matter_id: int | None
    matter_name: str | None
    window_no: int | None
    staff_id: int | None = Field(description="the clerk complained of (from the ticket)")
    staff_name: str | None
    department_code: str | None = Field(description="承办部门")
    department: str | None = Field(description="承办部门名称")
    assignee_id: int | None
    assignee_name: str | None
    reply: str | None
    recorded_at: datetime
    recorded_on: date
    routed_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    due_date: date = Field(description="answer due by the end of this local day (working days)")
    warning: DeadlineWarning
    answered_late: bool
    reopen_count: int
    steps: list[ComplaintStep] = Field(description="the steps its state allows now, in order")
