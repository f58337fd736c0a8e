"""Appointments (排队预约): bookable slots per category, bookings, check-in at the kiosk."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from pydantic import Field, model_validator

from hall_server.contract.base import FIRST_DAY, LAST_DAY, DbId, HallDate, Model, OutModel
from hall_server.contract.identity import IdentityIn, IdentityOut
from hall_server.contract.privacy import FreeText
from hall_server.contract.queue import TicketDelivery, TicketOut


class AppointmentStatus(StrEnum):
    BOOKED = "BOOKED"  # 已预约
    CANCELLED = "CANCELLED"  # 已取消
    CHECKED_IN = "CHECKED_IN"  # 已签到
    NO_SHOW = "NO_SHOW"  # 爽约


class SlotIn(Model):
    category_code: str
    start: datetime = Field(description="timezone-aware")
    end: datetime
    capacity: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _ordered(self) -> SlotIn:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start and end need a timezone offset, e.g. 2026-11-25T09:00:00+08:00")
        if not (self.start.date() > FIRST_DAY and self.end.date() < LAST_DAY):
            raise ValueError(f"start and end must lie between {FIRST_DAY} and {LAST_DAY}")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class SlotGenerateIn(Model):
    """Make slots for every working day in [date_from, date_to] from `day_start` to `day_end`.

    The times are the hall's local wall-clock times (YIMEN_TIMEZONE) and carry no offset: a time with one
    (`09:00:00+08:00`, `09:00:00Z`) is refused, since a clock time with an offset means a different local
    time on different days wherever the zone keeps daylight saving."""

    category_code: str
    date_from: HallDate
    date_to: HallDate
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)
    slot_minutes: int = Field(default=30, ge=5, le=240)
    capacity: int = Field(default=4, ge=1, le=1000)
    skip_weekends: bool = True
    lunch_break: tuple[time, time] | None = (time(12, 0), time(13, 30))

    @model_validator(mode="after")
    def _ordered(self) -> SlotGenerateIn:
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        if (self.date_to - self.date_from).days > 92:
            raise ValueError("at most 93 days at once")
        times = [self.day_start, self.day_end, *(self.lunch_break or ())]
        if any(moment.tzinfo is not None for moment in times):
            raise ValueError("times are the hall's local times, without an offset: 09:00, not 09:00+08:00")
        if self.day_end <= self.day_start:
            raise ValueError("day_end must be after day_start")
        if self.lunch_break is not None and self.lunch_break[1] <= self.lunch_break[0]:
            raise ValueError("the lunch break must end after it starts")
        return self


class SlotOut(OutModel):
    id: int
    category_code: str
    start: datetime
    end: datetime
    capacity: int
    booked: int
    available: int


class BookRequest(Model):
    slot_id: DbId
    identity: IdentityIn
    matter_id: DbId | None = None
    mobile: str | None = Field(default=None, pattern=r"^1[0-9]{10}$")


class AppointmentOut(OutModel):
    id: int
    code: str = Field(description="预约码: shown as QR on the visitor's phone, typed or scanned at the kiosk")
    status: AppointmentStatus
    category_code: str
    category_name: str
    matter_id: int | None
    matter_name: str | None
    slot_id: int
    slot_start: datetime
    slot_end: datetime
    visitor: IdentityOut
    mobile_masked: str | None
    booked_at: datetime
    checked_in_at: datetime | None
    ticket_id: int | None


class AppointmentSearch(Model):
    identity: IdentityIn
    on_date: HallDate | None = None


class CheckInRequest(Model):
    """Check in by the appointment code (QR) or by the identity on the card."""

    code: str | None = Field(default=None, pattern=r"^[0-9]{8}$")
    identity: IdentityIn | None = None
    delivery: TicketDelivery | None = Field(
        default=None,
        description="PENDING (kiosks only): as in POST /tickets, the priority ticket queues once its print "
        "is confirmed (POST /tickets/{id}/delivery); without it the ticket is HANDED",
    )

    @model_validator(mode="after")
    def _one_key(self) -> CheckInRequest:
        if (self.code is None) == (self.identity is None):
            raise ValueError("give exactly one of code and identity")
        return self


class CheckInResult(OutModel):
    appointment: AppointmentOut
    ticket: TicketOut
    message: str


class RescheduleRequest(Model):
    slot_id: DbId


class AppointmentCancelRequest(Model):
    reason: FreeText = Field(default="申请人取消", min_length=1, max_length=200)
