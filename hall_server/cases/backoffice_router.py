"""办件 back office API (后台分类审批): the department's queue, steps, 退回补正, special procedures, 办结."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hall_server.cases import backoffice
from hall_server.contract.auth import Role
from hall_server.contract.cases import (
    BackofficeCaseOut,
    CaseStatus,
    ConcludeIn,
    QueuePage,
    ReturnForCorrectionIn,
    SpecialEndIn,
    SpecialStartIn,
    StepIn,
    Warning,
)
from hall_server.deps import ApiDep, IdempotentApiDep, IdParam

router = APIRouter(tags=["cases"])
BACK_OFFICE = frozenset({Role.BACK_OFFICE, Role.MANAGER})


@router.get("/backoffice/cases", response_model=QueuePage)
def queue(
    api: ApiDep,
    status: Annotated[CaseStatus | None, Query()] = None,
    warning: Annotated[Warning | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=32, description="部门编码（仅管理员）")] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=backoffice.PAGE_MAX)] = 50,
    after: Annotated[
        str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}\.\d{1,12}$", description="上一页的 next_after")
    ] = None,
) -> QueuePage:
    """The department's open cases, most urgent first, with the working days left and yellow/red marks."""
    return api.read(
        lambda ctx: backoffice.queue(
            ctx,
            status=status,
            warning=warning,
            department_code=department,
            offset=offset,
            limit=limit,
            after=after,
        ),
        roles=BACK_OFFICE,
    )


@router.get("/backoffice/cases/{case_id}", response_model=BackofficeCaseOut)
def detail(case_id: IdParam, api: ApiDep) -> BackofficeCaseOut:
    return api.read(lambda ctx: backoffice.detail(ctx, case_id), roles=BACK_OFFICE)


@router.post("/backoffice/cases/{case_id}/steps", response_model=BackofficeCaseOut)
def complete_step(case_id: IdParam, body: StepIn, api: IdempotentApiDep) -> BackofficeCaseOut:
    """承办 / 审核 / 批准, in order, with the opinion; RETURN sends the case back one step."""
    return api.run(
        lambda ctx: backoffice.detail_out(ctx, backoffice.complete_step(ctx, case_id, body)),
        roles=BACK_OFFICE,
    )


@router.post("/backoffice/cases/{case_id}/return", response_model=BackofficeCaseOut)
def return_for_correction(
    case_id: IdParam, body: ReturnForCorrectionIn, api: IdempotentApiDep
) -> BackofficeCaseOut:
    """退回窗口补正: the case waits at the window (补齐补正) for the listed materials."""
    return api.run(
        lambda ctx: backoffice.detail_out(ctx, backoffice.return_for_correction(ctx, case_id, body)),
        roles=BACK_OFFICE,
    )


@router.post("/backoffice/cases/{case_id}/special-procedures", response_model=BackofficeCaseOut)
def start_special(case_id: IdParam, body: SpecialStartIn, api: IdempotentApiDep) -> BackofficeCaseOut:
    """特别程序 (听证、公示、现场核查、专家评审、延长审批、挂起): the clock stops."""
    return api.run(
        lambda ctx: backoffice.detail_out(ctx, backoffice.start_special(ctx, case_id, body)),
        roles=BACK_OFFICE,
    )


@router.post("/backoffice/cases/{case_id}/special-procedures/end", response_model=BackofficeCaseOut)
def end_special(case_id: IdParam, body: SpecialEndIn, api: IdempotentApiDep) -> BackofficeCaseOut:
    """特别程序 ends with its result: the dates move by the working days it took."""
    return api.run(
        lambda ctx: backoffice.detail_out(ctx, backoffice.end_special(ctx, case_id, body)), roles=BACK_OFFICE
    )


@router.post("/backoffice/cases/{case_id}/conclusion", response_model=BackofficeCaseOut)
def conclude(case_id: IdParam, body: ConcludeIn, api: IdempotentApiDep) -> BackofficeCaseOut:
    """办结: 准予 (certificate identifier checked, MOD 37,36), 不予许可 (reason), 转报 (target)."""
    return api.run(
        lambda ctx: backoffice.detail_out(ctx, backoffice.conclude(ctx, case_id, body)), roles=BACK_OFFICE
    )
