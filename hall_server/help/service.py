"""Help requests: a kiosk's "请工作人员帮助" (or staff on a visitor's behalf) becomes a stored request and a
`hall.help.requested` event that the managers' dashboard and the window staff see live; staff resolve it."""

from __future__ import annotations

from sqlalchemy import select

from hall_server.auth.models import Device, Staff
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.help import HelpRequestIn, HelpRequestOut
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, Invalid, NotFound
from hall_server.events.service import record
from hall_server.help.models import HelpRequest

LIST_LIMIT = 200


def raise_request(ctx: Ctx, request: HelpRequestIn) -> HelpRequest:
    principal = ctx.principal
    assert principal is not None
    place = principal.device_name if principal.device_id is not None else request.place.strip()
    if not place:
        raise Invalid("PLACE_REQUIRED", "请填写需要帮助的位置（如：自助机旁、3号窗口前）")
    help_request = HelpRequest(
        device_id=principal.device_id,
        staff_id=principal.staff_id,
        place=place,
        reason=request.reason.strip(),
        requested_at=ctx.clock.now(),
        resolution="",
    )
    ctx.session.add(help_request)
    ctx.session.flush()
    record(
        ctx,
        EventType.HELP_REQUESTED,
        AggregateType.HELP_REQUEST,
        help_request.id,
        {"help_id": help_request.id, "place": place, "reason": help_request.reason},
    )
    return help_request


def get_request(ctx: Ctx, help_id: int) -> HelpRequest:
    help_request = ctx.session.get(HelpRequest, help_id)
    if help_request is None:
        raise NotFound("HELP_NOT_FOUND", "没有找到该求助")
    return help_request


def resolve(ctx: Ctx, help_request: HelpRequest, note: str) -> HelpRequest:
    if help_request.resolved_at is not None:
        raise Conflict("HELP_ALREADY_RESOLVED", "该求助已处理")
    assert ctx.principal is not None
    help_request.resolved_at = ctx.clock.now()
    help_request.resolved_by_staff_id = ctx.principal.staff_id
    help_request.resolution = note.strip()
    ctx.session.flush()
    record(
        ctx,
        EventType.HELP_RESOLVED,
        AggregateType.HELP_REQUEST,
        help_request.id,
        {"help_id": help_request.id, "place": help_request.place, "note": help_request.resolution},
    )
    return help_request


def list_requests(ctx: Ctx, open_only: bool) -> list[HelpRequest]:
    query = select(HelpRequest).order_by(HelpRequest.requested_at.desc(), HelpRequest.id.desc())
    if open_only:
        query = query.where(HelpRequest.resolved_at.is_(None))
    return list(ctx.session.scalars(query.limit(LIST_LIMIT)))


def _staff_name(ctx: Ctx, staff_id: int | None) -> str | None:
    staff = ctx.session.get(Staff, staff_id) if staff_id is not None else None
    return staff.name if staff else None


def help_out(ctx: Ctx, help_request: HelpRequest) -> HelpRequestOut:
    device = ctx.session.get(Device, help_request.device_id) if help_request.device_id else None
    return HelpRequestOut(
        id=help_request.id,
        place=help_request.place,
        reason=help_request.reason,
        requested_by=device.name if device else _staff_name(ctx, help_request.staff_id) or "",
        requested_at=help_request.requested_at,
        open=help_request.resolved_at is None,
        resolved_at=help_request.resolved_at,
        resolved_by=_staff_name(ctx, help_request.resolved_by_staff_id),
        resolution=help_request.resolution,
    )
