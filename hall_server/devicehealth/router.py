from __future__ import annotations

from fastapi import APIRouter

from hall_server.contract.devicehealth import DeviceHealthOut, HealthReport
from hall_server.deps import ALL_DEVICES, DESK, MANAGERS, ApiDep, IdempotentApiDep, WindowParam
from hall_server.devicehealth import service

router = APIRouter(tags=["devices"])


@router.post("/devices/health", response_model=DeviceHealthOut)
def report(body: HealthReport, api: IdempotentApiDep) -> DeviceHealthOut:
    """Each device, periodically: its app version and the state of its parts (latest report kept)."""
    return api.run(lambda ctx: service.report(ctx, body), roles=frozenset(), devices=ALL_DEVICES)


@router.post("/windows/{number}/devices/health", response_model=DeviceHealthOut)
def report_for_window(number: WindowParam, body: HealthReport, api: IdempotentApiDep) -> DeviceHealthOut:
    """The counter app, for its window's devices (LED screen, evaluation pad, card reader), with the
    clerk's sign-in; kept under the window's terminal `counter-N`."""
    return api.run(lambda ctx: service.report_for_window(ctx, number, body), roles=DESK)


@router.get("/devices/health", response_model=list[DeviceHealthOut])
def list_health(api: ApiDep) -> list[DeviceHealthOut]:
    """Every registered device with its last report; `stale` when it has gone silent."""
    return api.read(service.list_health, roles=MANAGERS)
