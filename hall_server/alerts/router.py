from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from hall_server.alerts import service, thresholds
from hall_server.contract.alerts import AlertAcknowledgeIn, AlertOut, ThresholdIn, ThresholdOut
from hall_server.deps import MANAGERS, ApiDep, IdempotentApiDep, IdParam

router = APIRouter(tags=["alerts"])
ScopeParam = Annotated[
    str, Path(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,19}$", description="'hall' or a category code")
]


@router.get("/thresholds", response_model=list[ThresholdOut])
def list_thresholds(api: ApiDep) -> list[ThresholdOut]:
    """The hall's limits, then every category's as stored (empty: the hall's applies)."""
    return api.read(thresholds.list_thresholds, roles=MANAGERS)


@router.put("/thresholds/{scope}", response_model=ThresholdOut)
def save_threshold(scope: ScopeParam, body: ThresholdIn, api: ApiDep) -> ThresholdOut:
    return api.run(lambda ctx: thresholds.save_threshold(ctx, scope, body), roles=MANAGERS)


@router.get("/alerts", response_model=list[AlertOut])
def list_alerts(api: ApiDep, open_only: Annotated[bool, Query(alias="open")] = False) -> list[AlertOut]:
    """Newest first (at most 200); `open=true`: those whose condition still holds."""
    return api.read(
        lambda ctx: [service.alert_out(ctx, a) for a in service.list_alerts(ctx, open_only)], roles=MANAGERS
    )


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(alert_id: IdParam, api: IdempotentApiDep, body: AlertAcknowledgeIn | None = None) -> AlertOut:
    note = (body or AlertAcknowledgeIn()).note
    return api.run(
        lambda ctx: service.alert_out(ctx, service.acknowledge(ctx, alert_id, note)), roles=MANAGERS
    )
