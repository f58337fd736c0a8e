"""What every route depends on: the application state and the caller, checked against an allow-list."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Request, Response, Security
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from hall_server.auth.principal import Principal
from hall_server.auth.service import authenticate, require
from hall_server.contract.auth import DeviceKind, Role
from hall_server.core.context import Ctx, UnitOfWork
from hall_server.core.errors import Forbidden, NotFound, Unauthorized
from hall_server.core.tenancy import current_hall_id
from hall_server.halls.models import Hall
from hall_server.idempotency.http import KeyHeader, idempotent_call, route_renderer
from hall_server.idempotency.service import IdempotentCall, once

T = TypeVar("T")

HALL_HEADER = "X-Yimen-Hall"

STAFF = frozenset({Role.CLERK, Role.BACK_OFFICE, Role.MANAGER})
DESK = frozenset({Role.CLERK, Role.MANAGER})
MANAGERS = frozenset({Role.MANAGER})
ADMINS: frozenset[Role] = frozenset()  # admins pass every check
ALL_DEVICES = frozenset(DeviceKind)
NO_DEVICES: frozenset[DeviceKind] = frozenset()


@dataclass
class Api:
    """One request's access to the services: authenticates and authorises inside the same transaction."""

    uow: UnitOfWork
    token: str | None
    idempotency: IdempotentCall | None = None  # the request's Idempotency-Key, if it sent one
    hall_code: str | None = None  # X-Yimen-Hall: the hall a regional account acts in (else the default)
    route: APIRoute | None = None  # the request's route: its response model and status, for answer()

    def run(
        self,
        work: Callable[[Ctx], T],
        *,
        roles: Iterable[Role],
        devices: Iterable[DeviceKind] = NO_DEVICES,
    ) -> T:
        return self.uow.run(self._guarded(work, roles, devices, self.idempotency))

    def read(
        self,
        work: Callable[[Ctx], T],
        *,
        roles: Iterable[Role],
        devices: Iterable[DeviceKind] = NO_DEVICES,
    ) -> T:
        """Like run, for requests that change nothing (GET): no write lock, nothing committed."""
        return self.uow.read(self._guarded(work, roles, devices))

    def answer(
        self,
        work: Callable[[Ctx], object],
        *,
        roles: Iterable[Role],
        devices: Iterable[DeviceKind] = NO_DEVICES,
    ) -> Response:
        """Like run, answered as the route declares (response model, status) with the body rendered here, in
        the endpoint's worker thread. Returned as a plain result, FastAPI would validate and serialise it
        again in a second thread hop (a sync endpoint's serialize_response runs in the thread pool), and a
        keyed request's answer would be serialised twice: the idempotency record's bytes are the answer."""
        render = self._renderer()
        if self.idempotency is None:
            return self._response(render(self.run(work, roles=roles, devices=devices)))
        call = replace(self.idempotency, render=_as_is)
        rendered = self._guarded(lambda ctx: render(work(ctx)), roles, devices, call)
        return self._response(self.uow.run(rendered))

    def answer_read(
        self,
        work: Callable[[Ctx], object],
        *,
        roles: Iterable[Role],
        devices: Iterable[DeviceKind] = NO_DEVICES,
    ) -> Response:
        """read, answered as answer() does."""
        return self._response(self._renderer()(self.read(work, roles=roles, devices=devices)))

    def _renderer(self) -> Callable[[object], bytes]:
        return route_renderer(self._route())

    def _response(self, body: bytes) -> Response:
        return Response(body, status_code=self._route().status_code or 200, media_type="application/json")

    def _route(self) -> APIRoute:
        if self.route is None:
            raise RuntimeError("answer() needs the request's route (get_api sets it)")
        return self.route

    def _guarded(
        self,
        work: Callable[[Ctx], T],
        roles: Iterable[Role],
        devices: Iterable[DeviceKind],
        call: IdempotentCall | None = None,
    ) -> Callable[[Ctx], T]:
        """The work, preceded by the caller's authentication and authorisation in the same transaction;
        with a key (`call`), done at most once for that caller and key."""
        if self.token is None:
            raise Unauthorized("AUTH_REQUIRED", "请先登录或使用设备凭证")
        token, allowed_roles, allowed_devices = self.token, frozenset(roles), frozenset(devices)
        hall_code = self.hall_code

        def guarded(ctx: Ctx) -> T:
            ctx.principal = require(authenticate(ctx, token), allowed_roles, allowed_devices)
            enter_principal_hall(ctx, ctx.principal, hall_code)
            return work(ctx) if call is None else once(ctx, call, work)

        return guarded

    def run_public(self, work: Callable[[Ctx], T]) -> T:
        return self.uow.run(work)

    def read_public(self, work: Callable[[Ctx], T]) -> T:
        return self.uow.read(work)


# Declares the bearer scheme in the OpenAPI document, on exactly the operations that take ApiDep.
BEARER = HTTPBearer(scheme_name="bearer", auto_error=False, description="登录令牌或设备令牌")


async def get_api(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)]
) -> Api:
    """Refuses a request without credentials before its body is even validated. Async although it does no
    I/O: FastAPI runs a plain function in the thread pool, a hop per request for nothing."""
    token = credentials.credentials.strip() if credentials else None
    if not token:
        raise Unauthorized("AUTH_REQUIRED", "请先登录或使用设备凭证")
    hall_code = request.headers.get(HALL_HEADER, "").strip() or None
    return Api(request.app.state.yimen.uow, token, hall_code=hall_code, route=request.scope.get("route"))


async def get_idempotent_api(
    request: Request, api: Annotated[Api, Depends(get_api)], idempotency_key: KeyHeader = None
) -> Api:
    """For state-changing POSTs: like get_api, and a repeat of a key gets the first answer."""
    if idempotency_key is not None:
        api.idempotency = await idempotent_call(request, idempotency_key)
    return api


async def get_public_api(request: Request) -> Api:
    return Api(request.app.state.yimen.uow, None)


def _as_is(body: object) -> bytes:
    assert isinstance(body, bytes)
    return body


ApiDep = Annotated[Api, Depends(get_api)]
IdempotentApiDep = Annotated[Api, Depends(get_idempotent_api)]
PublicApiDep = Annotated[Api, Depends(get_public_api)]


def enter_principal_hall(ctx: Ctx, principal: Principal, hall_code: str | None = None) -> None:
    """The caller's own hall; a regional account (no hall of its own) the hall it names, else the
    deployment's default hall (entered lazily, core/tenancy.py) — for a regional manager covering some halls
    only (staff_hall), the default hall if covered, else the first hall it covers. Naming a hall outside
    the cover is 403 HALL_NOT_COVERED."""
    if hall_code is None:
        if principal.hall_id is not None:
            ctx.enter_hall(principal.hall_id)
        elif principal.halls:
            default = current_hall_id(ctx.session, required=False)
            ctx.enter_hall(default if default in principal.halls else min(principal.halls))
        return
    hall = ctx.session.scalars(select(Hall).where(Hall.code == hall_code)).first()
    if hall is None:
        raise NotFound("HALL_NOT_FOUND", "没有这个大厅")
    if principal.hall_id is not None and principal.hall_id != hall.id:
        raise Forbidden("FORBIDDEN", "无权操作其他大厅")
    if not principal.covers(hall.id):
        raise Forbidden("HALL_NOT_COVERED", "您无权管理该大厅")
    ctx.enter_hall(hall.id)


def principal_of(ctx: Ctx) -> Principal:
    assert ctx.principal is not None
    return ctx.principal


# Path parameters: out-of-range numbers are a 422, never a database overflow.
IdParam = Annotated[int, Path(ge=1, le=2_147_483_647)]
WindowParam = Annotated[int, Path(ge=1, le=999)]
