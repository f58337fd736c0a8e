from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from hall_server.appointments import service
from hall_server.contract.appointments import (
    AppointmentCancelRequest,
    AppointmentOut,
    AppointmentSearch,
    BookRequest,
    CheckInRequest,
    CheckInResult,
    RescheduleRequest,
    SlotGenerateIn,
    SlotIn,
    SlotOut,
)
from hall_server.contract.auth import DeviceKind
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict
from hall_server.deps import ALL_DEVICES, DESK, MANAGERS, STAFF, ApiDep, IdempotentApiDep, IdParam
from hall_server.queueing.tickets import ticket_out

router = APIRouter(prefix="/appointments", tags=["appointments"])
FRONT = frozenset({DeviceKind.KIOSK, DeviceKind.COUNTER})


@router.post("/slots", response_model=SlotOut, status_code=201)
def create_slot(body: SlotIn, api: IdempotentApiDep) -> SlotOut:
    def work(ctx: Ctx) -> SlotOut:
        slot = service.create_slot(ctx, body)
        if slot is None:
            raise Conflict("SLOT_EXISTS", "该类别在此时间已有预约时段")
        return service.slot_out(slot)

    return api.run(work, roles=MANAGERS)


@router.post("/slots/generate", response_model=list[SlotOut], status_code=201)
def generate_slots(body: SlotGenerateIn, api: IdempotentApiDep) -> list[SlotOut]:
    return api.run(
        lambda ctx: [service.slot_out(s) for s in service.generate_slots(ctx, body)], roles=MANAGERS
    )


@router.get("/slots", response_model=list[SlotOut])
def list_slots(
    api: ApiDep, category: Annotated[str, Query(max_length=32)], on: Annotated[date, Query()]
) -> list[SlotOut]:
    return api.read(
        lambda ctx: [service.slot_out(s) for s in service.list_slots(ctx, category, on)],
        roles=STAFF,
        devices=ALL_DEVICES,
    )


@router.post("", response_model=AppointmentOut, status_code=201)
def book(body: BookRequest, api: IdempotentApiDep) -> AppointmentOut:
    return api.run(
        lambda ctx: service.appointment_out(ctx, service.book(ctx, body)), roles=DESK, devices=FRONT
    )


@router.post("/search", response_model=list[AppointmentOut])
def search(body: AppointmentSearch, api: ApiDep) -> list[AppointmentOut]:
    return api.run(
        lambda ctx: [
            service.appointment_out(ctx, a) for a in service.search(ctx, body.identity, body.on_date)
        ],
        roles=STAFF,
        devices=FRONT,
    )


@router.post("/check-in", response_model=CheckInResult)
def check_in(body: CheckInRequest, api: IdempotentApiDep) -> CheckInResult:
    def work(ctx: Ctx) -> CheckInResult:
        appointment, ticket, message = service.check_in(ctx, body)
        return CheckInResult(
            appointment=service.appointment_out(ctx, appointment),
            ticket=ticket_out(ctx, ticket),
            message=message,
        )

    return api.run(work, roles=DESK, devices=FRONT)


@router.get("/{appointment_id}", response_model=AppointmentOut)
def get_appointment(appointment_id: IdParam, api: ApiDep) -> AppointmentOut:
    return api.read(
        lambda ctx: service.appointment_out(ctx, service.get_appointment(ctx, appointment_id)),
        roles=STAFF,
        devices=FRONT,
    )


@router.post("/{appointment_id}/reschedule", response_model=AppointmentOut)
def reschedule(appointment_id: IdParam, body: RescheduleRequest, api: IdempotentApiDep) -> AppointmentOut:
    return api.run(
        lambda ctx: service.appointment_out(
            ctx, service.reschedule(ctx, service.get_appointment(ctx, appointment_id), body.slot_id)
        ),
        roles=DESK,
        devices=FRONT,
    )


@router.post("/{appointment_id}/cancel", response_model=AppointmentOut)
def cancel(appointment_id: IdParam, body: AppointmentCancelRequest, api: IdempotentApiDep) -> AppointmentOut:
    return api.run(
        lambda ctx: service.appointment_out(
            ctx, service.cancel(ctx, service.get_appointment(ctx, appointment_id), body.reason)
        ),
        roles=DESK,
        devices=FRONT,
    )
