"""投诉 API: recording (window, kiosk, follow page, 12345 import), the lifecycle, the list and its CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from hall_server.complaints import export, service
from hall_server.contract.auth import DeviceKind
from hall_server.contract.complaints import (
    AnswerIn,
    ComplaintCloseIn,
    ComplaintIn,
    ComplaintOut,
    ComplaintQuery,
    ComplaintSettingsIn,
    ComplaintSettingsOut,
    FollowComplaintIn,
    HotlineBatchIn,
    HotlineImportOut,
    PublicComplaintOut,
    ReopenIn,
    RouteIn,
)
from hall_server.core.context import Ctx
from hall_server.deps import DESK, MANAGERS, STAFF, ApiDep, IdempotentApiDep, IdParam, PublicApiDep

router = APIRouter(tags=["complaints"])
KIOSK = frozenset({DeviceKind.KIOSK})
Filters = Annotated[ComplaintQuery, Query()]


@router.post("/complaints", response_model=ComplaintOut, status_code=201)
def record(body: ComplaintIn, api: IdempotentApiDep) -> ComplaintOut:
    """A clerk or manager records it at the window (channel WINDOW); a kiosk sends its own (KIOSK)."""
    return api.run(
        lambda ctx: service.complaint_out(ctx, service.record_at_desk(ctx, body)), roles=DESK, devices=KIOSK
    )


@router.post(
    "/public/tickets/{code}/complaints", response_model=PublicComplaintOut, status_code=201, tags=["public"]
)
def record_from_follow_page(code: str, body: FollowComplaintIn, api: PublicApiDep) -> PublicComplaintOut:
    """From the follow page: the follow code is the credential; at most 3 per ticket. The answer names no
    member of staff."""
    return api.run_public(
        lambda ctx: PublicComplaintOut.model_validate(
            service.complaint_out(ctx, service.record_from_follow_page(ctx, code, body)), from_attributes=True
        )
    )


@router.post("/complaints/import-12345", response_model=HotlineImportOut)
def import_hotline(body: HotlineBatchIn, api: IdempotentApiDep) -> HotlineImportOut:
    """A batch of 12345 工单; a 工单号 imported before is reported ALREADY_THERE and left as it is."""
    return api.run(lambda ctx: service.import_hotline(ctx, body.complaints), roles=MANAGERS)


@router.get("/complaints", response_model=list[ComplaintOut])
def list_complaints(query: Filters, api: ApiDep) -> list[ComplaintOut]:
    """Newest first, at most 1000; `warning`/`overdue` against today's deadline state. Managers see all;
    other staff those routed to their department or to them."""
    return api.read(
        lambda ctx: [service.complaint_out(ctx, c) for c in service.search(ctx, query)], roles=STAFF
    )


@router.get(
    "/complaints/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the file"}},
)
def export_complaints(query: Filters, api: ApiDep) -> Response:
    """The same list as a CSV (UTF-8 with BOM, Chinese headers)."""

    def work(ctx: Ctx) -> bytes:
        found = [service.complaint_out(ctx, c) for c in service.search(ctx, query)]
        return export.render(found, ctx.clock.local)

    content = api.read(work, roles=MANAGERS)
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="complaints.csv"'},
    )


@router.get("/complaints/settings", response_model=ComplaintSettingsOut)
def get_settings(api: ApiDep) -> ComplaintSettingsOut:
    return api.read(service.settings_out, roles=MANAGERS)


@router.put("/complaints/settings", response_model=ComplaintSettingsOut)
def put_settings(body: ComplaintSettingsIn, api: ApiDep) -> ComplaintSettingsOut:
    """The answer deadline in working days, for complaints recorded (or reopened) from now on."""
    return api.run(lambda ctx: service.save_settings(ctx, body), roles=MANAGERS)


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut)
def get_complaint(complaint_id: IdParam, api: ApiDep) -> ComplaintOut:
    return api.read(lambda ctx: service.complaint_out(ctx, service.readable(ctx, complaint_id)), roles=STAFF)


@router.post("/complaints/{complaint_id}/route", response_model=ComplaintOut)
def route(complaint_id: IdParam, body: RouteIn, api: IdempotentApiDep) -> ComplaintOut:
    return api.run(
        lambda ctx: service.complaint_out(ctx, service.route(ctx, complaint_id, body)), roles=MANAGERS
    )


@router.post("/complaints/{complaint_id}/answer", response_model=ComplaintOut)
def answer(complaint_id: IdParam, body: AnswerIn, api: IdempotentApiDep) -> ComplaintOut:
    """By a manager or the staff member it was routed to."""
    return api.run(
        lambda ctx: service.complaint_out(ctx, service.answer(ctx, complaint_id, body)), roles=STAFF
    )


@router.post("/complaints/{complaint_id}/close", response_model=ComplaintOut)
def close(complaint_id: IdParam, body: ComplaintCloseIn, api: IdempotentApiDep) -> ComplaintOut:
    return api.run(
        lambda ctx: service.complaint_out(ctx, service.close(ctx, complaint_id, body)), roles=MANAGERS
    )


@router.post("/complaints/{complaint_id}/reopen", response_model=ComplaintOut)
def reopen(complaint_id: IdParam, body: ReopenIn, api: IdempotentApiDep) -> ComplaintOut:
    return api.run(
        lambda ctx: service.complaint_out(ctx, service.reopen(ctx, complaint_id, body)), roles=MANAGERS
    )
