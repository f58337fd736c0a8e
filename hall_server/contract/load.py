"""Live load for managers and the snapshot every live-feed client starts from."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from hall_server.contract.base import OutModel
from hall_server.contract.queue import TicketOut, WindowOut


class CategoryWaiting(OutModel):
    code: str
    name: str
    prefix: str
    waiting: int
    longest_wait_seconds: int = Field(description="of the tickets waiting now")
    open_windows: int


class CategoryLoad(CategoryWaiting):
    issued_today: int
    served_today: int
    no_show_today: int
    avg_wait_seconds_today: float | None = Field(description="issue → first call, tickets called today")
    avg_service_seconds_today: float | None = Field(description="start → complete, tickets served today")


class HallTotals(OutModel):
    issued_today: int
    waiting: int
    served_today: int
    no_show_today: int
    cancelled_today: int
    avg_wait_seconds_today: float | None
    avg_service_seconds_today: float | None
    longest_wait_seconds: int
    windows_open: int
    windows_paused: int


class LoadOut(OutModel):
    as_of: datetime
    service_date: date
    queue_closed_today: bool
    totals: HallTotals
    categories: list[CategoryLoad]
    windows: list[WindowOut]


class CallRecord(OutModel):
    ticket_number: str
    window_no: int
    category_code: str
    called_at: datetime
    call_count: int


class Snapshot(OutModel):
    """The state a live-feed client starts from; events with a higher seq are applied on top of it."""

    as_of: datetime
    service_date: date
    queue_closed_today: bool
    hall_name: str
    time_zone: str = Field(
        default="Asia/Shanghai",
        description="the hall's IANA time zone: a hall screen shows its clock in it, not in its PC's zone",
    )
    notice: str = Field(default="", description="the notice line of the hall screens (通知栏)")
    waiting: list[CategoryWaiting]
    windows: list[WindowOut]
    recent_calls: list[CallRecord] = Field(description="newest first, at most 10")
    window_tickets: list[TicketOut] = Field(
        default_factory=list, description="window topics only: tickets waiting for this window's categories"
    )
