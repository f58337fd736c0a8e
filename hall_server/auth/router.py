from __future__ import annotations

from fastapi import APIRouter, Request

from hall_server.auth import service
from hall_server.auth.address import client_address
from hall_server.auth.models import Device, Staff
from hall_server.contract.auth import (
    DeviceIn,
    DeviceOut,
    DeviceRegistered,
    LoginRequest,
    StaffHallsIn,
    StaffHallsOut,
    StaffIn,
    StaffOut,
    TokenOut,
    WhoAmI,
)
from hall_server.core.context import Ctx
from hall_server.core.errors import DomainError
from hall_server.deps import ADMINS, ALL_DEVICES, STAFF, ApiDep, IdempotentApiDep, PublicApiDep, principal_of

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=TokenOut)
def login(body: LoginRequest, api: PublicApiDep, request: Request) -> TokenOut:
    proxies = request.app.state.yimen.settings.trusted_proxies
    address = client_address(request.client.host if request.client else None, request.headers, proxies)

    def work(ctx: Ctx) -> TokenOut | DomainError:
        outcome = service.login(ctx, body.login, body.password, address)
        if isinstance(outcome, DomainError):
            return outcome
        token, auth, staff = outcome
        return TokenOut(token=token, expires_at=auth.expires_at, staff=StaffOut.model_validate(staff))

    result = api.run_public(work)
    if isinstance(result, DomainError):
        raise result
    return result


@router.post("/logout", status_code=204)
def logout(api: ApiDep) -> None:
    token = api.token or ""
    api.run(lambda ctx: service.logout(ctx, token), roles=STAFF)


@router.get("/me", response_model=WhoAmI)
def whoami(api: ApiDep) -> WhoAmI:
    def work(ctx: Ctx) -> WhoAmI:
        principal = principal_of(ctx)
        if principal.is_staff:
            staff = ctx.session.get_one(Staff, principal.staff_id)
            return WhoAmI(kind="staff", staff=StaffOut.model_validate(staff))
        device = ctx.session.get_one(Device, principal.device_id)
        return WhoAmI(kind="device", device=DeviceOut.model_validate(device))

    return api.read(work, roles=STAFF, devices=ALL_DEVICES)


@router.post("/staff", response_model=StaffOut, status_code=201)
def create_staff(body: StaffIn, api: IdempotentApiDep) -> StaffOut:
    return api.run(lambda ctx: StaffOut.model_validate(service.create_staff(ctx, body)), roles=ADMINS)


@router.get("/staff/{login}/halls", response_model=StaffHallsOut)
def get_staff_halls(login: str, api: ApiDep) -> StaffHallsOut:
    """The halls a regional account covers (regional admins only)."""

    def work(ctx: Ctx) -> StaffHallsOut:
        staff, codes = service.staff_halls(ctx, login)
        return StaffHallsOut(login=staff.login, halls=codes)

    return api.read(work, roles=ADMINS)


@router.put("/staff/{login}/halls", response_model=StaffHallsOut)
def put_staff_halls(login: str, body: StaffHallsIn, api: ApiDep) -> StaffHallsOut:
    """Replace the halls a regional account covers (empty: every hall); takes effect at its next call."""

    def work(ctx: Ctx) -> StaffHallsOut:
        staff, codes = service.set_staff_halls(ctx, login, body.halls)
        return StaffHallsOut(login=staff.login, halls=codes)

    return api.run(work, roles=ADMINS)


@router.post("/devices", response_model=DeviceRegistered, status_code=201)
def register_device(body: DeviceIn, api: ApiDep) -> DeviceRegistered:
    def work(ctx: Ctx) -> DeviceRegistered:
        device, token = service.register_device(ctx, body)
        return DeviceRegistered(device=DeviceOut.model_validate(device), token=token)

    return api.run(work, roles=ADMINS)
