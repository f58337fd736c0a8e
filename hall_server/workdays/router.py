"""工作日历 API: staff read a year (deadlines count on it); managers replace a year's arrangement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hall_server.contract.workdays import WorkdaysYearIn, WorkdaysYearOut
from hall_server.deps import MANAGERS, STAFF, ApiDep
from hall_server.workdays import service

router = APIRouter(tags=["workdays"])
YearParam = Annotated[int, Path(ge=2000, le=2099)]


@router.get("/workdays/{year}", response_model=WorkdaysYearOut)
def get_year(year: YearParam, api: ApiDep) -> WorkdaysYearOut:
    """The year's holidays and make-up working days: the hall's edit, else the file shipped with the server"""
    return api.read(lambda ctx: service.year_out(ctx, year), roles=STAFF)


@router.put("/workdays/{year}", response_model=WorkdaysYearOut)
def save_year(year: YearParam, body: WorkdaysYearIn, api: ApiDep) -> WorkdaysYearOut:
    """Replaces the year (e.g. when the State Council publishes next year's notice). Deadlines already set
    keep their dates; new deadlines and every warning use it at once."""
    return api.run(lambda ctx: service.save_year(ctx, year, body), roles=MANAGERS)
