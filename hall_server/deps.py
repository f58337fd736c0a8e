"""What every route depends on: the application state and the caller, checked against an allow-list."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hall_server.auth.principal import Principal
from hall_server.auth.service import authenticate, require
from hall_server.contract.auth import DeviceKind, Role
from hall_server.core.context import Ctx, UnitOfWork
from hall_server.core.errors import Unauthorized

T = TypeVar("T")

STAFF = frozenset({Role.CLERK, Role.BACK_OFFICE, Role.MANAGER})
DESK = frozenset({Role.CLERK, Role.MANAGER})
MANAGERS = frozenset({Role.MANAGER})
ADMINS: frozenset[Role] = frozenset()  # admins pass every check
ALL_DEVICES = frozenset(DeviceKind)
NO_DEVICES: frozenset[DeviceKind] = frozenset()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass
class Api:
    """One request's access to the services: authenticates and authorises inside the same transaction."""

    uow: UnitOfWork
    token: str | None

    def run(
        self,
        work: Callable[[Ctx], T],
        *,
        roles: Iterable[Role],
        devices: Iterable[DeviceKind] = NO_DEVICES,
    ) -> T:
        return self.uow.run(self._guarded(work, roles, devices))

    def read(
        self,
        work: Callable[[Ctx], T],
        *,
        roles: Iterable[Role],
        devices: Iterable[DeviceKind] = NO_DEVICES,
    ) -> T:
        """Like run, for requests that change nothing (GET): no write lock, nothing committed."""
        return self.uow.read(self._guarded(work, roles, devices))

    def _guarded(
        self, work: Callable[[Ctx], T], roles: Iterable[Role], devices: Iterable[DeviceKind]
    ) -> Callable[[Ctx], T]:
        """The work, preceded by the caller's authentication and authorisation in the same transaction."""
        if self.token is None:
            raise Unauthorized("AUTH_REQUIRED", "请先登录或使用设备凭证")
        token, allowed_roles, allowed_devices = self.token, frozenset(roles), frozenset(devices)

        def guarded(ctx: Ctx) -> T:
            ctx.principal = require(authenticate(ctx, token), allowed_roles, allowed_devices)
            return work(ctx)

        return guarded

    def run_public(self, work: Callable[[Ctx], T]) -> T:
        return self.uow.run(work)

    def read_public(self, work: Callable[[Ctx], T]) -> T:
        return self.uow.read(work)


# Declares the bearer scheme in the OpenAPI document, on exactly the operations that take ApiDep.
BEARER = HTTPBearer(scheme_name="bearer", auto_error=False, description="登录令牌或设备令牌")


def get_api(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)]
) -> Api:
    """Refuses a request without credentials before its body is even validated."""
    token = credentials.credentials.strip() if credentials else None
    if not token:
        raise Unauthorized("AUTH_REQUIRED", "请先登录或使用设备凭证")
    return Api(request.app.state.yimen.uow, token)


def get_public_api(request: Request) -> Api:
    return Api(request.app.state.yimen.uow, None)


ApiDep = Annotated[Api, Depends(get_api)]
PublicApiDep = Annotated[Api, Depends(get_public_api)]


def principal_of(ctx: Ctx) -> Principal:
    assert ctx.principal is not None
    return ctx.principal


# Path parameters: out-of-range numbers are a 422, never a database overflow.
IdParam = Annotated[int, Path(ge=1, le=2_147_483_647)]
WindowParam = Annotated[int, Path(ge=1, le=999)]
