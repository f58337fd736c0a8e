"""The hall's working-day calendar: the shipped years, each replaced by the hall's own edit when there is one.
Deadlines are fixed with the calendar of the day they are set; warnings use the calendar of today."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.workdays import CalendarSource, WorkdaysYearIn, WorkdaysYearOut
from hall_server.core.context import Ctx
from hall_server.core.errors import Forbidden, Invalid, NotFound
from hall_server.events.service import record
from hall_server.halls.service import current_hall
from hall_server.workdays.calendar import WorkCalendar, is_working_day, merge, parse_year, shipped_years
from hall_server.workdays.models import WorkdayYear


def calendar(ctx: Ctx) -> WorkCalendar:
    if ctx.workdays is None:
        years = dict(shipped_years())
        years.update({row.year: row.data for row in ctx.session.scalars(select(WorkdayYear))})
        ctx.workdays = merge(*(parse_year(data) for data in years.values()))
    return ctx.workdays


def year_out(ctx: Ctx, year: int) -> WorkdaysYearOut:
    row = ctx.session.get(WorkdayYear, year)
    data = row.data if row else shipped_years().get(year)
    if data is None:
        raise NotFound("WORKDAYS_YEAR_UNKNOWN", f"没有 {year} 年的节假日安排：该年按周一至周五计算工作日")
    return WorkdaysYearOut(
        year=year,
        holidays=[{"first": first, "last": last, "name": name} for first, last, name in data["holidays"]],
        workdays=[{"day": day, "name": name} for day, name in data["workdays"]],
        provisional=bool(data.get("provisional")),
        source=data.get("source", ""),
        origin=CalendarSource.EDITED if row else CalendarSource.SHIPPED,
        updated_at=row.updated_at if row else None,
        working_days=_working_days(parse_year(data), year),
    )


def _working_days(calendar_: WorkCalendar, year: int) -> int:
    return sum(is_working_day(calendar_, day) for day in _span(date(year, 1, 1), date(year, 12, 31)))


def save_year(ctx: Ctx, year: int, body: WorkdaysYearIn) -> WorkdaysYearOut:
    # The calendar is shared by every hall of the deployment: a hall's account may read it, only a regional
    # one (no hall of its own) may change it for all.
    if ctx.principal is not None and ctx.principal.hall_id is not None:
        raise Forbidden("WORKDAYS_REGIONAL", "工作日历由各大厅共用，请由区域管理员修改")
    _check(year, body)
    data: dict[str, Any] = {
        "year": year,
        "provisional": body.provisional,
        "source": body.source,
        "holidays": [[h.first.isoformat(), h.last.isoformat(), h.name] for h in body.holidays],
        "workdays": [[w.day.isoformat(), w.name] for w in body.workdays],
    }
    row = ctx.session.get(WorkdayYear, year)
    if row is None:
        row = WorkdayYear(year=year)
        ctx.session.add(row)
    row.data, row.updated_at = data, ctx.clock.now()
    ctx.session.flush()
    ctx.workdays = None
    summary = {"year": year, "holidays": len(body.holidays), "workdays": len(body.workdays)}
    record(ctx, EventType.WORKDAYS_SAVED, AggregateType.HALL, current_hall(ctx).code, summary)
    return year_out(ctx, year)


def _check(year: int, body: WorkdaysYearIn) -> None:
    # A year's notice may reach into the neighbouring December or January (元旦 2022-12-31 to 2023-01-02).
    earliest, latest = date(year - 1, 12, 1), date(year + 1, 1, 31)
    days = [d for h in body.holidays for d in (h.first, h.last)] + [w.day for w in body.workdays]
    outside = sorted({d.isoformat() for d in days if not earliest <= d <= latest})
    if outside:
        message = f"日期不在 {year} 年的安排范围内：{'、'.join(outside)}"
        raise Invalid("WORKDAYS_OUTSIDE_YEAR", message, {"dates": outside})
    weekdays = sorted(w.day.isoformat() for w in body.workdays if w.day.weekday() < 5)
    if weekdays:
        message = f"调休上班日应为周六或周日：{'、'.join(weekdays)}"
        raise Invalid("WORKDAYS_NOT_WEEKEND", message, {"dates": weekdays})
    holidays = {d for h in body.holidays for d in _span(h.first, h.last)}
    clash = sorted(w.day.isoformat() for w in body.workdays if w.day in holidays)
    if clash:
        message = f"调休上班日不能在假期内：{'、'.join(clash)}"
        raise Invalid("WORKDAYS_OVERLAP", message, {"dates": clash})


def _span(first: date, last: date) -> list[date]:
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
