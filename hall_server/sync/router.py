from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from hall_server.contract.sync import DeliveryInfo, ReconcileReport, ReplayRequest, SyncStatus
from hall_server.core.context import Ctx
from hall_server.core.errors import NotFound, Unavailable
from hall_server.deps import MANAGERS, ApiDep, IdempotentApiDep
from hall_server.sync import service
from hall_server.sync.reconcile import reconcile
from hall_server.sync.targets import TransientFailure, build_target

router = APIRouter(prefix="/sync", tags=["sync"])


@router.get("/status", response_model=SyncStatus)
def sync_status(api: ApiDep) -> SyncStatus:
    return api.read(lambda ctx: SyncStatus(targets=service.status(ctx, ctx.targets)), roles=MANAGERS)


@router.get("/dead", response_model=list[DeliveryInfo])
def dead_letters(
    api: ApiDep,
    target: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[DeliveryInfo]:
    """Refused deliveries, oldest first, each with its hall (来源大厅); the status's `dead` count says how
    many there are in all. An account bound to a hall sees (and replays) its own hall's only; a regional
    account every hall's."""
    return api.read(
        lambda ctx: [
            service.delivery_info(row, hall)
            for row, hall in service.dead_letters_with_hall(ctx, target, limit)
        ],
        roles=MANAGERS,
    )


@router.post("/replay", response_model=dict[str, int])
def replay(body: ReplayRequest, api: IdempotentApiDep) -> dict[str, int]:
    return api.run(
        lambda ctx: {
            "requeued": service.replay(
                ctx, event_ids=body.event_ids, target=body.target, all_dead=body.all_dead
            )
        },
        roles=MANAGERS,
    )


@router.post("/reconcile", response_model=ReconcileReport)
def reconcile_day(
    api: IdempotentApiDep,
    target: Annotated[str, Query(max_length=32)],
    day: Annotated[date | None, Query(description="local day; the hall's today when left out")] = None,
) -> ReconcileReport:
    def work(ctx: Ctx) -> ReconcileReport:
        config = next((t for t in ctx.targets if t.name == target), None)
        if config is None:
            raise NotFound("TARGET_NOT_FOUND", f"没有名为 {target} 的同步目标")
        adapter = build_target(config)
        try:
            return reconcile(ctx, adapter, day or ctx.clock.today())
        except TransientFailure as exc:
            raise Unavailable("TARGET_UNREACHABLE", "无法连接省级平台，请稍后再试", str(exc)[:200]) from exc
        finally:
            adapter.close()

    return api.run(work, roles=MANAGERS)
