"""The working-day calendar (工作日历) of one year: the State Council's holidays and make-up working days
(调休上班). Shipped with the server for the current and next year; a hall's edit replaces a year."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from hall_server.contract.base import HallDate, Model, OutModel
from hall_server.contract.privacy import FreeText


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


class HolidayRange(Model):
    first: HallDate
    last: HallDate
    name: FreeText = Field(min_length=1, max_length=50, description="e.g. 春节")

    _name = field_validator("name")(_not_blank)

    @model_validator(mode="after")
    def _ordered(self) -> HolidayRange:
        if self.last < self.first:
            raise ValueError("假期结束日不能早于开始日")
        return self


class MakeUpDay(Model):
    day: HallDate
    name: FreeText = Field(min_length=1, max_length=50, description="e.g. 春节调休上班")

    _name = field_validator("name")(_not_blank)


class WorkdaysYearIn(Model):
    holidays: list[HolidayRange] = Field(max_length=60)
    workdays: list[MakeUpDay] = Field(default_factory=list, max_length=60, description="调休上班")
    provisional: bool = Field(default=False, description="not yet the official arrangement")
    source: FreeText = Field(default="", max_length=300, description="the notice it follows")


class CalendarSource(StrEnum):
    SHIPPED = "SHIPPED"  # the file shipped with the server
    EDITED = "EDITED"  # saved by the hall (PUT /workdays/{year}); wins over the shipped file


class WorkdaysYearOut(OutModel):
    year: int
    holidays: list[HolidayRange]
    workdays: list[MakeUpDay]
    provisional: bool
    source: str
    origin: CalendarSource
    updated_at: datetime | None
    working_days: int = Field(description="working days in the year under this arrangement")
