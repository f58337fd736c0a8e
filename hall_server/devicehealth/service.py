"""Device health reports: the latest per device (upsert); an event only when a part's state changes, so a
kiosk reporting every minute does not flood the event log; the managers' list marks silent devices stale."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hall_server.auth.models import Device
from hall_server.auth.service import register_device
from hall_server.contract.auth import DeviceIn, DeviceKind
from hall_server.contract.devicehealth import DeviceHealthOut, HealthReport, PartOut, PartState
from hall_server.contract.events import AggregateType, EventType
from hall_server.core.context import Ctx
from hall_server.core.db import upsert_statement
from hall_server.core.errors import Forbidden
from hall_server.devicehealth.models import DeviceHealth
from hall_server.events.service import record
from hall_server.queueing.windows import operable_window


def report(ctx: Ctx, health: HealthReport) -> DeviceHealthOut:
    device_id = ctx.principal.device_id if ctx.principal else None
    if device_id is None:
        raise Forbidden("DEVICE_ONLY", "只有设备可以报告设备状态")
    return _store(ctx, device_id, health)


def report_for_window(ctx: Ctx, number: int, health: HealthReport) -> DeviceHealthOut:
    """The counter app reports its window's devices (LED screen, pad, reader) with the clerk's sign-in: they
    are kept under the window's terminal, device `counter-N`, registered on its first report (its token is
    thrown away: a counter PC that should call with a token of its own is registered by an admin)."""
    window = operable_window(ctx, number)
    return _store(ctx, _window_terminal(ctx, window.number).id, health)


def _window_terminal(ctx: Ctx, number: int) -> Device:
    name = f"counter-{number}"
    device = ctx.session.scalars(select(Device).where(Device.name == name)).first()
    if device is not None:
        return device
    try:
        with ctx.session.begin_nested():
            device, _token = register_device(ctx, DeviceIn(kind=DeviceKind.COUNTER, name=name))
    except IntegrityError:  # the window's other report of the same moment registered it
        device = ctx.session.scalars(select(Device).where(Device.name == name)).one()
    return device


def _store(ctx: Ctx, device_id: int, health: HealthReport) -> DeviceHealthOut:
    row = _locked_row(ctx, device_id)
    before = {(p["kind"], p["url_or_name"]): p for p in row.parts}
    parts = [part.model_dump(mode="json") for part in health.devices]
    for part in parts:
        _record_change(ctx, device_id, before.get((part["kind"], part["url_or_name"])), part)
    row.app_version = health.app_version
    row.reported_at = ctx.clock.now()
    row.parts = parts
    row.signed_off = health.signing_off
    ctx.session.flush()
    device = ctx.session.get(Device, device_id)
    assert device is not None
    return _health_out(ctx, device, row)


def _locked_row(ctx: Ctx, device_id: int) -> DeviceHealth:
    """The device's row, created empty if new (two first reports at once cannot both insert), locked."""
    table = DeviceHealth.__table__
    ctx.session.execute(
        upsert_statement(ctx.session, table)
        .values(
            hall_id=ctx.hall_id, device_id=device_id, app_version="", reported_at=ctx.clock.now(), parts=[]
        )
        .on_conflict_do_nothing(index_elements=["device_id"])
    )
    row = ctx.session.get(DeviceHealth, device_id, with_for_update=True)
    assert row is not None
    return row


def _record_change(ctx: Ctx, device_id: int, before: dict[str, Any] | None, part: dict[str, Any]) -> None:
    """A part going wrong (or from FAULT to ABSENT) is a fault; a part coming back to OK is a recovery.
    A part first seen OK is no news."""
    was = PartState(before["state"]) if before else PartState.OK
    now = PartState(part["state"])
    if was == now:
        return
    event = EventType.DEVICE_RECOVERED if now is PartState.OK else EventType.DEVICE_FAULT
    record(
        ctx,
        event,
        AggregateType.DEVICE,
        device_id,
        {
            "part": part["kind"],
            "url_or_name": part["url_or_name"],
            "state": now.value,
            "previous_state": was.value,
            "code": part["code"],
            "message": part["message"],
        },
    )


def is_stale(ctx: Ctx, reported_at: datetime | None) -> bool:
    """Silent: no report within YIMEN_DEVICE_HEALTH_STALE_SECONDS (or never one)."""
    limit = timedelta(seconds=ctx.settings.device_health_stale_seconds)
    return reported_at is None or ctx.clock.now() - reported_at > limit


def list_health(ctx: Ctx) -> list[DeviceHealthOut]:
    rows = ctx.session.execute(
        select(Device, DeviceHealth)
        .outerjoin(DeviceHealth, DeviceHealth.device_id == Device.id)
        .order_by(Device.kind, Device.name)
    ).all()
    return [_health_out(ctx, device, health) for device, health in rows]


def _health_out(ctx: Ctx, device: Device, health: DeviceHealth | None) -> DeviceHealthOut:
    parts = [PartOut.model_validate(p) for p in (health.parts if health else [])]
    return DeviceHealthOut(
        device_id=device.id,
        name=device.name,
        kind=DeviceKind(device.kind),
        active=device.active,
        app_version=health.app_version if health else None,
        reported_at=health.reported_at if health else None,
        stale=is_stale(ctx, health.reported_at if health else None),
        signed_off=bool(health and health.signed_off),
        faults=sum(1 for p in parts if p.state is not PartState.OK),
        devices=parts,
    )
