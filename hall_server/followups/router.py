"""差评整改 API: managers run the follow-ups; the assignee works their own, the window's clerk may appeal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from hall_server.contract.base import DB_ID_MAX, HallDate
from hall_server.contract.departments import DepartmentCode
from hall_server.contract.followups import (
    AppealIn,
    AssignIn,
    CloseIn,
    FollowupOut,
    FollowupSettingsIn,
    FollowupSettingsOut,
    FollowupStatus,
    RectifyIn,
    ReplyIn,
    ReviewIn,
    RevisitIn,
    VerifyIn,
    WarningLevel,
)
from hall_server.core.context import Ctx
from hall_server.deps import MANAGERS, STAFF, ApiDep, IdempotentApiDep, IdParam
from hall_server.followups import export, service
from hall_server.followups.models import Followup

router = APIRouter(tags=["followups"])


async def filters(
    status: Annotated[FollowupStatus | None, Query()] = None,
    overdue: Annotated[bool, Query(description="only those past a deadline (red)")] = False,
    warning: Annotated[WarningLevel | None, Query(description="none, yellow or red now")] = None,
    window_no: Annotated[int | None, Query(ge=1, le=999)] = None,
    staff_id: Annotated[int | None, Query(ge=1, le=DB_ID_MAX, description="the clerk evaluated")] = None,
    department_code: Annotated[DepartmentCode | None, Query(description="责任部门")] = None,
    date_from: Annotated[HallDate | None, Query(description="first evaluation day")] = None,
    date_to: Annotated[HallDate | None, Query(description="last evaluation day, inclusive")] = None,
) -> service.Filters:
    return service.Filters(status, overdue, warning, window_no, staff_id, department_code, date_from, date_to)


FiltersDep = Annotated[service.Filters, Depends(filters)]


@router.get("/followups/settings", response_model=FollowupSettingsOut)
def get_settings(api: ApiDep) -> FollowupSettingsOut:
    """The hall's deadlines in working days from the evaluation date (defaults: standards.md §2.5)."""
    return api.read(service.settings, roles=MANAGERS)


@router.put("/followups/settings", response_model=FollowupSettingsOut)
def save_settings(body: FollowupSettingsIn, api: ApiDep) -> FollowupSettingsOut:
    """Applies to follow-ups opened from now on; open ones keep their deadlines."""
    return api.run(lambda ctx: service.save_settings(ctx, body), roles=MANAGERS)


@router.get("/followups", response_model=list[FollowupOut])
def list_followups(api: ApiDep, found: FiltersDep) -> list[FollowupOut]:
    """Newest first, each with its deadlines and warning (none/yellow/red) as of now. Managers see all;
    other staff those of their department, assigned to them or about their own service."""
    return api.read(lambda ctx: service.search(ctx, found), roles=STAFF)


@router.get(
    "/followups/export",
    response_class=Response,
    responses={200: {"content": {"text/csv; charset=utf-8": {}}, "description": "the file"}},
)
def export_followups(api: ApiDep, found: FiltersDep) -> Response:
    """The same list as a CSV (UTF-8 with BOM, Chinese headers)."""

    def work(ctx: Ctx) -> tuple[bytes, date]:
        return export.to_csv(service.search(ctx, found), ctx.clock.tz), ctx.clock.today()

    content, today = api.read(work, roles=MANAGERS)
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="followups-{today.isoformat()}.csv"'},
    )


@router.get("/followups/{followup_id}", response_model=FollowupOut)
def get_followup(followup_id: IdParam, api: ApiDep) -> FollowupOut:
    return api.read(lambda ctx: service.out(ctx, service.readable(ctx, followup_id)), roles=STAFF)


def _step(api: IdempotentApiDep, step: Callable[[Ctx], Followup]) -> FollowupOut:
    return api.run(lambda ctx: service.out(ctx, step(ctx)), roles=STAFF)


@router.post("/followups/{followup_id}/assign", response_model=FollowupOut)
def assign(followup_id: IdParam, body: AssignIn, api: IdempotentApiDep) -> FollowupOut:
    """分派 to the responsible department and/or person (managers; again to reassign before 核实)."""
    return _step(api, lambda ctx: service.assign(ctx, followup_id, body))


@router.post("/followups/{followup_id}/verify", response_model=FollowupOut)
def verify(followup_id: IdParam, body: VerifyIn, api: IdempotentApiDep) -> FollowupOut:
    """核实: 属实 / 不属实 / 误评 / 恶意."""
    return _step(api, lambda ctx: service.verify(ctx, followup_id, body))


@router.post("/followups/{followup_id}/rectify", response_model=FollowupOut)
def rectify(followup_id: IdParam, body: RectifyIn, api: IdempotentApiDep) -> FollowupOut:
    """整改记录 (only when the 差评 is 属实)."""
    return _step(api, lambda ctx: service.rectify(ctx, followup_id, body))


@router.post("/followups/{followup_id}/reply", response_model=FollowupOut)
def reply(followup_id: IdParam, body: ReplyIn, api: IdempotentApiDep) -> FollowupOut:
    """答复办事人: after 整改, or straight after 核实 when not 属实 (解释说明)."""
    return _step(api, lambda ctx: service.reply(ctx, followup_id, body))


@router.post("/followups/{followup_id}/revisit", response_model=FollowupOut)
def revisit(followup_id: IdParam, body: RevisitIn, api: IdempotentApiDep) -> FollowupOut:
    """回访: the visitor's view of the outcome."""
    return _step(api, lambda ctx: service.revisit(ctx, followup_id, body))


@router.post("/followups/{followup_id}/appeal", response_model=FollowupOut)
def appeal(followup_id: IdParam, body: AppealIn, api: IdempotentApiDep) -> FollowupOut:
    """申诉 by the window's department or the clerk who served, once, before 整改; managers review it."""
    return _step(api, lambda ctx: service.appeal(ctx, followup_id, body))


@router.post("/followups/{followup_id}/review", response_model=FollowupOut)
def review(followup_id: IdParam, body: ReviewIn, api: IdempotentApiDep) -> FollowupOut:
    """复核 (managers): UPHELD keeps the 差评, OVERTURNED excludes it and closes the follow-up."""
    return _step(api, lambda ctx: service.review(ctx, followup_id, body))


@router.post("/followups/{followup_id}/close", response_model=FollowupOut)
def close(followup_id: IdParam, body: CloseIn, api: IdempotentApiDep) -> FollowupOut:
    """办结 after 回访 (managers)."""
    return _step(api, lambda ctx: service.close(ctx, followup_id, body))
