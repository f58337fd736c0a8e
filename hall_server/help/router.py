from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hall_server.contract.auth import DeviceKind, Role
from hall_server.contract.help import HelpRequestIn, HelpRequestOut, HelpResolveIn
from hall_server.core.context import Ctx
from hall_server.deps import DESK, STAFF, ApiDep, IdempotentApiDep, IdParam
from hall_server.help import service

router = APIRouter(tags=["help"])


@router.post("/help-requests", response_model=HelpRequestOut, status_code=201)
def raise_request(api: IdempotentApiDep, body: HelpRequestIn | None = None) -> HelpRequestOut:
    """请工作人员帮助: from a kiosk (its name is the place) or staff on a visitor's behalf."""
    request = body or HelpRequestIn()
    return api.run(
        lambda ctx: service.help_out(ctx, service.raise_request(ctx, request)),
        roles=STAFF,
        devices=frozenset({DeviceKind.KIOSK, DeviceKind.COUNTER}),
    )


@router.post("/help-requests/{help_id}/resolve", response_model=HelpRequestOut)
def resolve(help_id: IdParam, api: IdempotentApiDep, body: HelpResolveIn | None = None) -> HelpRequestOut:
    note = (body or HelpResolveIn()).note
    return api.run(
        lambda ctx: service.help_out(ctx, service.resolve(ctx, service.get_request(ctx, help_id), note)),
        roles=DESK,
    )


@router.get("/help-requests", response_model=list[HelpRequestOut])
def list_requests(
    api: ApiDep, open_only: Annotated[bool, Query(alias="open")] = False
) -> list[HelpRequestOut]:
    """Newest first (at most 200); `open=true` for those nobody has resolved yet. A clerk is shown the open
    ones only (what the live feed brings every window's staff: a counter loads them when it connects), a
    manager every one."""

    def listed(ctx: Ctx) -> list[HelpRequestOut]:
        clerk = ctx.principal is not None and ctx.principal.role is Role.CLERK
        return [service.help_out(ctx, h) for h in service.list_requests(ctx, open_only or clerk)]

    return api.read(listed, roles=DESK)
