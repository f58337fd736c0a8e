"""The FastAPI application: state, error mapping, routers, health and metrics, background sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hall_server.alerts import service as alerts
from hall_server.alerts.router import router as alerts_router
from hall_server.appointments.router import router as appointments_router
from hall_server.auth.router import router as auth_router
from hall_server.backoffice import router as backoffice_page
from hall_server.cases.attachments_router import router as attachments_router
from hall_server.cases.attachments_router import upload_limit
from hall_server.cases.backoffice_router import router as backoffice_router
from hall_server.cases.joint_router import router as joint_router
from hall_server.cases.results_router import router as case_results_router
from hall_server.cases.router import router as cases_router
from hall_server.catalogue.router import router as catalogue_router
from hall_server.complaints.router import router as complaints_router
from hall_server.contract.base import ErrorBody
from hall_server.contract.events import Envelope
from hall_server.contract.load import LoadOut
from hall_server.contract.sync import TargetStatus
from hall_server.core import limits
from hall_server.core.clock import Clock
from hall_server.core.config import Settings, get_settings
from hall_server.core.context import Ctx, UnitOfWork, WriterLimit
from hall_server.core.db import make_engine, make_session_factory
from hall_server.core.errors import DomainError, TooMany, Unavailable
from hall_server.core.tenancy import HallNotConfigured
from hall_server.departments.router import router as departments_router
from hall_server.devicehealth.router import router as device_health_router
from hall_server.displays.router import router as displays_router
from hall_server.evaluation import rules as evaluation_rules
from hall_server.evaluation.manager_router import router as evaluation_manager_router
from hall_server.evaluation.router import router as evaluation_router
from hall_server.events import chain
from hall_server.events.router import router as events_router
from hall_server.follow import router as follow
from hall_server.follow.feed import FollowFeed
from hall_server.follow.notify import NoNotifier, Notifier, make_notifier
from hall_server.followups.router import router as followups_router
from hall_server.halls.current import hall_ids
from hall_server.halls.models import Hall
from hall_server.halls.router import router as halls_router
from hall_server.help.router import router as help_router
from hall_server.idempotency import http as idempotency_http
from hall_server.idempotency.service import purge_expired
from hall_server.identity.crypto import Keys, decrypt, load_keys, self_test
from hall_server.identity.models import Visitor
from hall_server.identity.service import ID_AAD
from hall_server.live.feed import Publisher
from hall_server.live.hub import Hub
from hall_server.live.listener import EventListener
from hall_server.live.router import router as live_router
from hall_server.manage import router as manage
from hall_server.metrics import Metrics, RequestMetrics, metrics_refusal
from hall_server.openapi import allowed_methods, install_openapi
from hall_server.queueing import day, load
from hall_server.queueing.router import router as queue_router
from hall_server.stats.router import router as stats_router
from hall_server.sync import service as sync_service
from hall_server.sync.router import router as sync_router
from hall_server.sync.worker import DeliveryWorker
from hall_server.workdays.router import router as workdays_router

log = logging.getLogger("yimen.app")
API_PREFIX = "/api/v1"
# Events after which alerts are evaluated at once rather than at the next periodic check.
ALERT_WAKE_PREFIXES = ("hall.help.", "hall.device.", "hall.window.", "hall.threshold.")
HEALTH_TIMEOUT_S = 2.0


@dataclass
class AppState:
    settings: Settings
    clock: Clock
    engine: Engine
    factory: sessionmaker[Session]
    keys: Keys
    uow: UnitOfWork
    hub: Hub
    publisher: Publisher
    metrics: Metrics
    worker: DeliveryWorker | None = None
    read_engine: Engine | None = None
    notifier: Notifier = field(default_factory=NoNotifier)
    alerts_due: asyncio.Event = field(default_factory=asyncio.Event)  # evaluate alerts now, not later
    loop: asyncio.AbstractEventLoop | None = None
    recent_load: load.RecentLoad = field(default_factory=load.RecentLoad)  # /load and /metrics
    listener: EventListener | None = None  # PostgreSQL: every process's events reach this one's feed

    def wake_alerts(self) -> None:
        """From any thread: have the alert loop evaluate at once (a help request shows within a second)."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.alerts_due.set)

    @contextmanager
    def read_ctx(self) -> Iterator[Ctx]:
        """A read-only context for the live feed and metrics (not a request: no caller)."""
        with (self.uow.read_factory or self.factory)() as session:
            yield Ctx(session, self.clock, self.settings, self.keys, targets=self.uow.targets)
            session.rollback()


def build_state(settings: Settings, clock: Clock | None = None) -> AppState:
    self_test()
    pools: dict[str, Any] = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
    engine = make_engine(settings.database_url, **pools)
    factory = make_session_factory(engine, settings.hall_code)
    keys = load_keys(settings.data_key, settings.lookup_key, settings.key_file)
    check_keys_match(factory, keys)
    clock = clock or Clock(settings.tz)
    hub = Hub(settings.ws_queue_size)
    metrics = Metrics()
    state = AppState(settings, clock, engine, factory, keys, None, hub, None, metrics)  # type: ignore[arg-type]
    state.notifier = make_notifier(settings.follow_notifier)
    state.publisher = Publisher(hub, state.read_ctx, FollowFeed(hub, state.notifier))

    def react(events: list[Envelope]) -> None:
        """Committed events, whichever process wrote them (on SQLite: this one)."""
        state.recent_load.changed(e.source.hall_code for e in events)
        state.publisher.submit(events)
        if any(e.event_type.value.startswith(ALERT_WAKE_PREFIXES) for e in events):
            state.wake_alerts()
        if state.worker is not None:
            state.worker.wake()

    if engine.dialect.name == "postgresql":  # several processes: through LISTEN/NOTIFY, one path for all
        state.listener = EventListener(settings.database_url, react, engine)
        state.publisher.upstream = state.listener.wait_caught_up

    def publish(events: list[Envelope]) -> None:
        """Events this process committed."""
        for envelope in events:
            metrics.events.labels(envelope.event_type.value).inc()
        if state.listener is None:
            react(events)

    state.read_engine = make_engine(settings.database_url, reader=True, **pools)
    state.uow = UnitOfWork(
        factory,
        clock,
        settings,
        keys,
        publish,
        targets=settings.targets(),
        read_factory=make_session_factory(state.read_engine, settings.hall_code),
        writers=WriterLimit(settings.db_writers) if engine.dialect.name == "postgresql" else None,
    )
    if state.uow.targets and settings.sync_in_server:
        state.worker = DeliveryWorker(state.uow)
    metrics.watch_queue(lambda: _read_loads(state))
    metrics.watch_sync(lambda: _read_sync(state))
    return state


def check_keys_match(factory: sessionmaker[Session], keys: Keys) -> None:
    """Refuse to start with keys that cannot read the identities already stored."""
    with factory() as session:
        sample = session.scalars(select(Visitor).limit(1)).first()
        if sample is not None:
            decrypt(keys, sample.id_cipher, ID_AAD)


def _read_sync(state: AppState) -> list[TargetStatus]:
    with state.read_ctx() as ctx:
        return sync_service.status(ctx, state.uow.targets)


def _read_loads(state: AppState) -> list[tuple[str, LoadOut]]:
    """Every hall's load, by hall code, for /metrics (the operator's: every hall, each labelled)."""
    loads: list[tuple[str, LoadOut]] = []
    with state.read_ctx() as ctx:
        halls = ctx.session.execute(select(Hall.id, Hall.code).order_by(Hall.id)).all()
    for hall_id, code in halls:
        try:
            with state.read_ctx() as ctx:
                ctx.enter_hall(hall_id)
                loads.append((code, state.recent_load.get(ctx)))
        except DomainError:
            continue
    return loads


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("select 1"))


async def _sweep_forever(state: AppState) -> None:
    while True:
        try:
            result = await run_in_threadpool(day.sweep_once, state.uow)
            if any(result.values()):
                log.info("sweep", extra=result)
            if purged := await run_in_threadpool(state.uow.across_halls().run, purge_expired):
                log.info("idempotency keys purged", extra={"purged": purged})
            await run_in_threadpool(state.uow.across_halls().run, chain.checkpoint)
            if defaulted := await run_in_threadpool(evaluation_rules.sweep_once, state.uow):
                log.info("default evaluations", extra={"defaulted": defaulted})
        except Exception:
            log.exception("sweep failed; will try again")
        await asyncio.sleep(state.settings.sweep_seconds)


def check_alerts(state: AppState) -> alerts.Evaluation:
    """One evaluation of every hall; read only when it would change nothing (no write lock taken every
    few seconds)."""
    total = alerts.Evaluation()
    for hall_id in hall_ids(state.uow):
        if not state.uow.read(alerts.plan, hall_id=hall_id).changed:
            continue
        done = state.uow.run(alerts.evaluate_alerts, hall_id=hall_id)
        total.raised, total.cleared = total.raised + done.raised, total.cleared + done.cleared
        total.updated += done.updated
    return total


async def _alerts_forever(state: AppState) -> None:
    """Evaluate alerts every YIMEN_ALERT_CHECK_SECONDS, and at once after a help request, a device fault, a
    window change or a threshold change (ALERT_WAKE_PREFIXES). One loop: evaluations never overlap."""
    while True:
        state.alerts_due.clear()
        try:
            result = await run_in_threadpool(check_alerts, state)
            if result.raised or result.cleared:
                log.info("alerts", extra={"raised": result.raised, "cleared": result.cleared})
        except Exception:
            log.exception("alert evaluation failed; will try again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.alerts_due.wait(), state.settings.alert_check_seconds)


def error_response(status: int, code: str, message: str, detail: object | None = None) -> JSONResponse:
    body = ErrorBody(code=code, message=message, detail=detail)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        response = error_response(exc.status, exc.code, exc.message, exc.detail)
        if isinstance(exc, TooMany) and exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The offending input is left out on purpose: it may hold an identity number.
        fields = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return error_response(422, "VALIDATION_ERROR", "提交的数据不完整或格式不正确", fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            404: ("NOT_FOUND", "请求的地址不存在"),
            405: ("METHOD_NOT_ALLOWED", "不支持该请求方法"),
            413: (limits.CODE, limits.MESSAGE),
        }
        code, message = codes.get(exc.status_code, ("HTTP_ERROR", "请求无法处理"))
        if isinstance(exc, limits.BodyTooLarge):  # a route's own cap names its own error
            code, message = exc.code, exc.message
        response = error_response(exc.status_code, code, message, limits.detail_of(exc))
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request, (exc.headers or {}).get("Allow", ""))
        return response

    @app.exception_handler(HallNotConfigured)
    async def hall_not_configured(_: Request, exc: HallNotConfigured) -> JSONResponse:
        return error_response(404, "HALL_NOT_CONFIGURED", "大厅尚未配置，请先导入大厅信息")

    @app.exception_handler(IntegrityError)
    async def integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity conflict", extra={"error": type(exc.orig).__name__})
        return error_response(409, "CONFLICT", "数据冲突，请刷新后重试")

    @app.exception_handler(DataError)
    async def data_error(_: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot hold (a NUL character in text, a number out of range): bad input.
        log.warning("data refused by the database", extra={"error": type(exc.orig).__name__})
        return error_response(422, "VALIDATION_ERROR", "提交的数据包含无法保存的字符或数值")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(500, "INTERNAL_ERROR", "服务器内部错误，请联系管理员")


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    state = build_state(settings or get_settings(), clock)
    # The health probe reads on the read engine, in threads of its own: it queues neither behind writers
    # waiting for the SQLite write lock nor behind requests waiting for a worker thread.
    health_threads = ThreadPoolExecutor(2, thread_name_prefix="healthz")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.hub.bind(asyncio.get_running_loop())
        state.publisher.start()
        if state.listener is not None:
            await run_in_threadpool(state.listener.start)
        if state.worker is not None:
            state.worker.start()
        state.loop = asyncio.get_running_loop()
        sweeper = asyncio.create_task(_sweep_forever(state))
        alerter = asyncio.create_task(_alerts_forever(state))
        try:
            yield
        finally:
            state.loop = None
            for task in (sweeper, alerter):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if state.listener is not None:
                await run_in_threadpool(state.listener.stop)
            state.publisher.stop()
            if state.worker is not None:
                await run_in_threadpool(state.worker.stop)
            state.engine.dispose()
            if state.read_engine is not None:
                state.read_engine.dispose()
            health_threads.shutdown(wait=False)

    app = FastAPI(
        title="Yimen hall server (一门 政务服务大厅)",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.yimen = state
    install_error_handlers(app)
    idempotency_http.install(app)
    install_openapi(app)
    app.add_middleware(
        limits.BodyLimit,
        max_bytes=state.settings.max_body_bytes,
        wider=[upload_limit(state.settings.attachment_max_bytes)],
    )
    app.add_middleware(RequestMetrics, metrics=state.metrics)
    for router in (
        auth_router,
        halls_router,
        catalogue_router,
        queue_router,
        appointments_router,
        events_router,
        sync_router,
        help_router,
        device_health_router,
        displays_router,
        alerts_router,
        stats_router,
        evaluation_router,
        followups_router,
        evaluation_manager_router,
        complaints_router,
        cases_router,
        attachments_router,
        case_results_router,
        backoffice_router,
        joint_router,
        departments_router,
        workdays_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(live_router)
    manage.install(app)
    backoffice_page.install(app)
    follow.install(app)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        engine = state.read_engine or state.engine
        probe = asyncio.get_running_loop().run_in_executor(health_threads, _ping, engine)
        try:
            await asyncio.wait_for(probe, HEALTH_TIMEOUT_S)
        except Exception as exc:
            log.warning("health check failed", extra={"error": type(exc).__name__})
            raise Unavailable("DATABASE_UNAVAILABLE", "数据库暂时无法访问") from exc
        return {"status": "ok", "database": engine.dialect.name}

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def metrics(request: Request) -> object:
        client = request.client.host if request.client else None
        refused = metrics_refusal(client, request.headers, state.settings.metrics_token)
        return error_response(*refused) if refused else state.metrics.render()

    return app
