"""The receiver as an ASGI app, and the uvicorn server that runs it (which the fault injection needs to
drop connections)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from hall_server.platform.config import PlatformSettings
from hall_server.platform.faults import ConnectionDropper, FaultMiddleware, FaultState
from hall_server.platform.router import PlatformError, admin, router
from hall_server.platform.service import Receiver
from hall_server.sync.wire import WireError


def _error(status: int, code: str, reason: str) -> JSONResponse:
    return JSONResponse(WireError(code=code, reason=reason).model_dump(), status_code=status)


def create_app(settings: PlatformSettings) -> FastAPI:
    receiver = Receiver(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        receiver.close()

    app = FastAPI(title="Yimen platform: hall-sync/1 reference receiver", lifespan=lifespan)
    app.state.receiver = receiver
    app.state.faults = FaultState(settings.faults)
    app.state.dropper = ConnectionDropper()
    app.include_router(router)
    app.include_router(admin)
    app.add_middleware(FaultMiddleware, state=app.state.faults, dropper=app.state.dropper)

    @app.exception_handler(PlatformError)
    async def platform_error(_: Request, exc: PlatformError) -> JSONResponse:
        return JSONResponse(exc.error.model_dump(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        return _error(422, "REQUEST_INVALID", where)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, f"HTTP_{exc.status_code}", str(exc.detail))

    return app


def build_server(
    settings: PlatformSettings, host: str, port: int, *, log_level: str = "info"
) -> uvicorn.Server:
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # the fault middleware finds a request's connection by its client address
        timeout_graceful_shutdown=3,  # held and slow requests do not keep a stopping server alive
        lifespan="on",
    )
    server = uvicorn.Server(config)
    app.state.dropper.server_state = server.server_state
    return server
