from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from hall_server.contract.stats import ExportFormat, HourlyOut, StatsGroup, StatsOut
from hall_server.deps import MANAGERS, ApiDep
from hall_server.stats import chart, export, service

router = APIRouter(tags=["stats"])

DateFrom = Annotated[date | None, Query(description="first service day (default: 1st of date_to's month)")]
DateTo = Annotated[date | None, Query(description="last service day, inclusive (default: today)")]
Group = Annotated[StatsGroup, Query()]
Day = Annotated[date | None, Query(description="the service day (default: today)")]


@router.get("/stats", response_model=StatsOut)
def statistics(
    api: ApiDep, date_from: DateFrom = None, date_to: DateTo = None, group: Group = StatsGroup.DAY
) -> StatsOut:
    """统计: figures by day, category, window, clerk or matter, with their definitions and the targets."""
    return api.read(lambda ctx: service.statistics(ctx, group, date_from, date_to), roles=MANAGERS)


@router.get(
    "/stats/export",
    response_class=Response,
    responses={200: {"content": {m: {} for m in export.MEDIA_TYPES.values()}, "description": "the file"}},
)
def export_statistics(
    api: ApiDep,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    group: Group = StatsGroup.DAY,
    format: Annotated[ExportFormat, Query()] = ExportFormat.CSV,
) -> Response:
    """The statistics as a CSV (UTF-8 with BOM) or XLSX download for the monthly report."""
    stats = api.read(lambda ctx: service.statistics(ctx, group, date_from, date_to), roles=MANAGERS)
    return Response(
        export.render(stats, format),
        media_type=export.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{export.filename(stats, format)}"'},
    )


@router.get("/stats/hourly", response_model=HourlyOut)
def hourly(api: ApiDep, day: Day = None) -> HourlyOut:
    """One day by local hour: arrivals, first calls, served, no-shows, average wait."""
    return api.read(lambda ctx: service.hourly(ctx, day), roles=MANAGERS)


@router.get(
    "/stats/hourly.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "the chart"}},
)
def hourly_svg(api: ApiDep, day: Day = None) -> Response:
    """The same day as an SVG chart (no script, no style element): bars and a wait line."""
    data = api.read(lambda ctx: service.hourly(ctx, day), roles=MANAGERS)
    return Response(chart.render(data), media_type="image/svg+xml")
