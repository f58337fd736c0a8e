"""Tickets, windows and window operations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, model_validator

from hall_server.contract.base import DbId, Model, OutModel, WindowNo
from hall_server.contract.identity import IdentityIn, IdentityOut
from hall_server.contract.privacy import FreeText


class TicketStatus(StrEnum):
    WAITING = "WAITING"  # 等候
    CALLED = "CALLED"  # 已叫号
    SERVING = "SERVING"  # 办理中
    PARKED = "PARKED"  # 挂起: stepped away, resumed by its window
    DONE = "DONE"  # 办结
    NO_SHOW = "NO_SHOW"  # 过号
    CANCELLED = "CANCELLED"  # 已取消


class Priority(StrEnum):
    NORMAL = "NORMAL"
    APPOINTMENT = "APPOINTMENT"  # 预约按时签到
    ELDERLY = "ELDERLY"  # 老年人
    DISABLED = "DISABLED"  # 残疾人
    MILITARY = "MILITARY"  # 军人（退役军人）优先


PRIORITY_NAMES: dict[Priority, str] = {
    Priority.NORMAL: "普通",
    Priority.APPOINTMENT: "预约",
    Priority.ELDERLY: "老年人优先",
    Priority.DISABLED: "残疾人优先",
    Priority.MILITARY: "军人优先",
}


class Channel(StrEnum):
    KIOSK = "KIOSK"
    WINDOW = "WINDOW"
    APPOINTMENT_CHECKIN = "APPOINTMENT_CHECKIN"


class WindowState(StrEnum):
    OPEN = "OPEN"
    PAUSED = "PAUSED"
    CLOSED = "CLOSED"


class PauseReason(StrEnum):
    BREAK = "BREAK"  # 休息
    MEETING = "MEETING"  # 开会
    SYSTEM = "SYSTEM"  # 系统故障
    OTHER = "OTHER"


class TicketDelivery(StrEnum):
    """How the ticket reached the visitor. Only kiosks that confirm their print ask for PENDING."""

    HANDED = "HANDED"  # issued at a window or without confirmation: the visitor holds it
    PENDING = "PENDING"  # printed or shown by a kiosk, not yet confirmed: not in the queue yet
    PRINTED = "PRINTED"  # the printer reported the ticket out
    SCREEN_ONLY = "SCREEN_ONLY"  # printing failed; the visitor noted or photographed the screen
    NOT_TAKEN = "NOT_TAKEN"  # nobody took it: cancelled


class DeliveryMethod(StrEnum):
    PRINTED = "PRINTED"
    SCREEN_ONLY = "SCREEN_ONLY"
    NOT_TAKEN = "NOT_TAKEN"


class DeliveryReport(Model):
    """The issuing kiosk says how the ticket reached the visitor, with the device fault if any."""

    method: DeliveryMethod
    fault: str | None = Field(
        default=None,
        pattern=r"^[A-Z][A-Z0-9_]{0,31}$",
        description="device fault code, e.g. PAPER_OUT, COVER_OPEN, NO_ANSWER",
    )


class IssueTicketRequest(Model):
    """Issue a ticket for a matter (preferred: its category follows) or directly for a category."""

    matter_id: DbId | None = None
    category_code: str | None = None
    identity: IdentityIn | None = None
    priority_claim: Priority | None = Field(
        default=None, description="DISABLED or MILITARY, claimed by the visitor and checked at the window"
    )
    delivery: TicketDelivery | None = Field(
        default=None,
        description="PENDING (kiosks only): the ticket joins the queue once POST /tickets/{id}/delivery "
        "confirms it was printed or noted; without it the ticket is HANDED and queues at once",
    )

    @model_validator(mode="after")
    def _one_target(self) -> IssueTicketRequest:
        if (self.matter_id is None) == (self.category_code is None):
            raise ValueError("give exactly one of matter_id and category_code")
        if self.priority_claim not in (None, Priority.DISABLED, Priority.MILITARY):
            raise ValueError("only DISABLED or MILITARY can be claimed; others are derived")
        if self.delivery not in (None, TicketDelivery.PENDING, TicketDelivery.HANDED):
            raise ValueError("delivery at issue is PENDING or HANDED; report the rest afterwards")
        return self


class WaitEstimate(OutModel):
    """How long the visitor will wait, with what it was computed from, so anyone can check it."""

    people_ahead: int
    avg_service_seconds: float
    service_time_basis: str = Field(description="ROLLING (recent services) or DEFAULT (category setting)")
    samples: int = Field(description="number of recent services in the average")
    open_windows: int
    window_share: float = Field(
        default=0.0,
        description="the open windows' share of this category: a window serving n categories counts 1/n "
        "(it calls them all); the wait is people ahead × average service ÷ this share",
    )
    wait_seconds: int | None = Field(description="None when no window serving this category is open")
    explanation: str


class TicketOut(OutModel):
    id: int
    number: str
    status: TicketStatus
    service_date: date
    category_code: str
    category_name: str
    matter_id: int | None
    matter_name: str | None
    priority: Priority
    channel: Channel
    issued_at: datetime
    visitor: IdentityOut | None
    window_no: int | None = Field(description="the window that called or serves it")
    target_window_no: int | None = Field(description="set when transferred to one window")
    call_count: int
    first_called_at: datetime | None
    service_started_at: datetime | None
    completed_at: datetime | None
    transfer_note: FreeText
    return_window_no: int | None = Field(default=None, description="转办回流: the window expecting it back")
    parked_at: datetime | None = Field(default=None, description="挂起 since")
    park_note: str = ""
    cancel_reason: FreeText
    appointment_id: int | None
    follow_code: str = Field(description="the bearer secret of the ticket's follow page /f/{code}")
    follow_url: str = Field(
        default="", description="printed as the ticket's QR code: {YIMEN_PUBLIC_BASE_URL}/f/{follow_code}"
    )
    estimate: WaitEstimate | None = Field(default=None, description="for waiting tickets")
    delivery: TicketDelivery = Field(
        default=TicketDelivery.HANDED, description="PENDING tickets are not called nor counted yet"
    )
    delivery_fault: str | None = Field(default=None, description="device fault the kiosk reported")


class PublicTicketOut(OutModel):
    """What a phone following the QR code sees: no personal data."""

    number: str
    status: TicketStatus
    category_name: str
    people_ahead: int | None
    wait_seconds: int | None
    window_no: int | None
    matter_name: str | None = None
    explanation: str = Field(default="", description="how the wait estimate was computed, in Chinese")


class TransferRequest(Model):
    to_category_code: str | None = None
    to_window_no: WindowNo | None = None
    note: FreeText = Field(default="", max_length=500)
    expect_return: bool = Field(
        default=False,
        description="转办回流: when the other window completes its part, the ticket comes back to this "
        "window ahead of new arrivals (return priority)",
    )

    @model_validator(mode="after")
    def _one_target(self) -> TransferRequest:
        if (self.to_category_code is None) == (self.to_window_no is None):
            raise ValueError("give exactly one of to_category_code and to_window_no")
        return self


class ParkRequest(Model):
    note: FreeText = Field(default="", max_length=200, description="why the visitor stepped away")


class PauseRequest(Model):
    reason: PauseReason = PauseReason.BREAK
    note: FreeText = Field(default="", max_length=200)


class WindowIn(Model):
    number: int = Field(ge=1, le=999)
    name: FreeText = Field(min_length=1, max_length=50)
    category_codes: list[str] = Field(min_length=1)
    may_serve_codes: list[str] | None = Field(
        default=None,
        max_length=100,
        description="categories the window may be given (its staff's competence); empty: any (综合窗口); "
        "omitted: unchanged",
    )


class WindowCategoriesIn(Model):
    category_codes: list[str] = Field(min_length=1)


class WindowOut(OutModel):
    id: int
    number: int
    name: str
    state: WindowState
    pause_reason: PauseReason | None
    category_codes: list[str]
    may_serve_codes: list[str] = Field(default_factory=list, description="empty: any category (综合窗口)")
    staff_id: int | None
    staff_name: str | None
    state_since: datetime | None
    current_ticket: TicketOut | None
    parked_count: int = Field(default=0, description="tickets this window parked (挂起) and may resume")


class WindowOperationResult(OutModel):
    window: WindowOut
    ticket: TicketOut | None = Field(description="the ticket the operation acted on; None if none waiting")
    message: str = Field(default="", description="Chinese, for the clerk")


class TicketCancelRequest(Model):
    reason: FreeText = Field(min_length=1, max_length=200)


class TicketQuery(Model):
    """Tickets of one visitor today, looked up by identity in a request body (never in the URL)."""

    identity: IdentityIn


class IdentityCheckOut(OutModel):
    """An identity card read at a counter, checked against the window's current ticket. The server compares
    the identity's keyed hash, never masked strings; only masked data comes back."""

    visitor: IdentityOut = Field(description="the card, masked")
    tickets_today: list[TicketOut] = Field(description="this visitor's tickets today, in issue order")
    current_ticket_no: str | None = Field(description="the window's current (called or served) ticket")
    matches_current: bool | None = Field(
        description="None when the window serves no one or its current ticket carries no identity"
    )
    message: str = Field(description="Chinese, for the clerk")


class ClerkDayOut(OutModel):
    """The signed-in clerk's own figures today (their window work and the ratings they received)."""

    service_date: date
    served: int = Field(description="window services the clerk completed today, parts for other windows too")
    avg_service_seconds: float | None
    no_shows: int
    transferred: int = 0
    parked_now: int = 0
    ratings: dict[str, int] = Field(default_factory=dict, description="evaluations by level name (Level)")
    not_evaluated: int = 0
