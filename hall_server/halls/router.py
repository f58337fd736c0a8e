from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hall_server.contract.displays import NoticeIn
from hall_server.contract.halls import HallIn, HallOut, HallSummary
from hall_server.contract.load import LoadOut
from hall_server.core.context import Ctx
from hall_server.deps import ADMINS, ALL_DEVICES, MANAGERS, STAFF, ApiDep, IdempotentApiDep
from hall_server.halls import service
from hall_server.queueing import day, load

router = APIRouter(tags=["hall"])


@router.get("/hall", response_model=HallOut)
def get_hall(api: ApiDep) -> HallOut:
    return api.read(
        lambda ctx: service.hall_out(ctx, service.current_hall(ctx)), roles=STAFF, devices=ALL_DEVICES
    )


@router.get("/halls", response_model=list[HallSummary])
def list_halls(api: ApiDep) -> list[HallSummary]:
    """The halls the caller may see (its own; a regional account those it covers), with live load."""
    return api.read(load.hall_summaries, roles=STAFF)


@router.put("/hall", response_model=HallOut)
def configure_hall(body: HallIn, api: ApiDep) -> HallOut:
    return api.run(lambda ctx: service.hall_out(ctx, service.configure_hall(ctx, body)), roles=ADMINS)


@router.put("/hall/notice", response_model=HallOut)
def post_notice(body: NoticeIn, api: ApiDep) -> HallOut:
    """The notice line of every hall screen (empty takes it down); displays see it live."""
    return api.run(lambda ctx: service.hall_out(ctx, service.post_notice(ctx, body.text)), roles=MANAGERS)


@router.post("/hall/end-day", response_model=dict[str, int])
def end_day(api: IdempotentApiDep) -> dict[str, int]:
    return api.run(day.end_day, roles=MANAGERS)


@router.post("/hall/reopen-day", response_model=HallOut)
def reopen_day(api: IdempotentApiDep) -> HallOut:
    def work(ctx: Ctx) -> HallOut:
        day.reopen_day(ctx)
        return service.hall_out(ctx, service.current_hall(ctx))

    return api.run(work, roles=MANAGERS)


@router.get("/load", response_model=LoadOut)
def get_load(request: Request, api: ApiDep) -> Response:
    """At most a second old (`as_of`), and never older than the last change."""
    recent: load.RecentLoad = request.app.state.yimen.recent_load
    return api.answer_read(recent.get, roles=MANAGERS)
