from __future__ import annotations

from fastapi import APIRouter

from hall_server.contract.devicehealth import DeviceHealthOut, HealthReport
from hall_server.deps import ALL_DEVICES, MANAGERS, ApiDep, IdempotentApiDep
from hall_server.devicehealth import service

router = APIRouter(tags=["devices"])


@router.post("/devices/health", response_model=DeviceHealthOut)
def report(body: HealthReport, api: IdempotentApiDep) -> DeviceHealthOut:
    """Each device, periodically: its app version and the state of its parts (latest report kept)."""
    return api.run(lambda ctx: service.report(ctx, body), roles=frozenset(), devices=ALL_DEVICES)


@router.get("/devices/health", response_model=list[DeviceHealthOut])
def list_health(api: ApiDep) -> list[DeviceHealthOut]:
    """Every registered device with its last report; `stale` when it has gone silent."""
    return api.read(service.list_health, roles=MANAGERS)
