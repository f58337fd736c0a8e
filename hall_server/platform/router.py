"""HTTP only: read the body, verify the signature and nonce, hand over to the receiver, answer.

Database work runs in the thread pool (SQLAlchemy is synchronous), so the event loop stays free for the
fault middleware and for other requests.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from hall_server.platform.faults import FaultPlan, FaultState
from hall_server.platform.schemas import AggregateEvents, PlatformStats
from hall_server.platform.service import Receiver
from hall_server.sync import wire

log = logging.getLogger("yimen.platform")
router = APIRouter()
admin = APIRouter(prefix="/_admin")


class PlatformError(Exception):
    """A whole-request refusal, answered as a WireError with its HTTP status."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.status = status
        self.error = wire.WireError(code=code, reason=reason)


def _receiver(request: Request) -> Receiver:
    receiver: Receiver = request.app.state.receiver
    return receiver


def signed_path(request: Request) -> str:
    """The path exactly as sent (percent-encoding kept), without the query string."""
    raw: bytes | None = request.scope.get("raw_path")
    return raw.decode("latin-1") if raw else request.url.path


async def authenticate(request: Request, body: bytes) -> str:
    receiver = _receiver(request)
    try:
        app_id, nonce = wire.verify(
            receiver.settings.apps, request.method, signed_path(request), request.headers, body, time.time()
        )
    except wire.SignatureError as exc:
        log.info("refused", extra={"path": request.url.path, "code": exc.code})
        raise PlatformError(401, exc.code, exc.reason) from exc
    if not await run_in_threadpool(receiver.remember_nonce, app_id, nonce):
        log.info("refused", extra={"path": request.url.path, "code": "NONCE_REPLAYED", "app_id": app_id})
        raise PlatformError(
            401,
            "NONCE_REPLAYED",
            f"nonce already used in the last {wire.NONCE_TTL_SECONDS}s / 随机数重复使用",
        )
    return app_id


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlatformError(400, "BODY_NOT_JSON", "the body is not UTF-8 JSON / 请求体不是 JSON") from exc


def _answer(results: list[wire.EventResult]) -> JSONResponse:
    """standards.md §6.4: the items decide; the response status is theirs when shared, else 207."""
    batch = wire.BatchResult(results=results)
    return JSONResponse(batch.model_dump(mode="json"), status_code=batch.http_status())


@router.post(wire.EVENTS_PATH, response_model=wire.BatchResult)
async def post_event(request: Request) -> JSONResponse:
    body = await request.body()
    app_id = await authenticate(request, body)
    envelope = _json(body)
    if not isinstance(envelope, dict):
        raise PlatformError(
            422, "BODY_INVALID", "the body must be one envelope object / 请求体应为一个事件对象"
        )
    key = request.headers.get(wire.IDEMPOTENCY_HEADER, "")
    results = await run_in_threadpool(_receiver(request).receive, app_id, [envelope], key)
    return _answer(results)


@router.post(wire.BATCH_PATH, response_model=wire.BatchResult)
async def post_batch(request: Request) -> JSONResponse:
    body = await request.body()
    app_id = await authenticate(request, body)
    payload = _json(body)
    events = payload.get("events") if isinstance(payload, dict) and set(payload) == {"events"} else None
    if not isinstance(events, list) or not 1 <= len(events) <= wire.MAX_BATCH:
        raise PlatformError(
            422,
            "BATCH_INVALID",
            f'the body must be {{"events": [1..{wire.MAX_BATCH} envelopes]}} / 批量请求体格式不符',
        )
    results = await run_in_threadpool(_receiver(request).receive, app_id, events, None)
    return _answer(results)


@router.post(wire.CASE_NUMBERS_PATH, response_model=wire.CaseNumberAnswer)
async def post_case_number(request: Request) -> wire.CaseNumberAnswer:
    """获取办件编号: idempotent per (source hall, local case number)."""
    body = await request.body()
    app_id = await authenticate(request, body)
    try:
        asked = wire.CaseNumberRequest.model_validate(_json(body))
    except ValidationError as exc:
        where = "; ".join(".".join(map(str, e["loc"])) for e in exc.errors()[:3])
        raise PlatformError(
            422, "CASE_NUMBER_REQUEST_INVALID", f"invalid fields: {where} / 获取办件编号请求字段不符"
        ) from exc
    return await run_in_threadpool(_receiver(request).case_number, app_id, asked)


@router.get(wire.AGGREGATE_PATH.format(type="{aggregate_type}", id="{aggregate_id}"))
async def get_aggregate(
    request: Request, aggregate_type: str, aggregate_id: str, after_seq: int = 0
) -> AggregateEvents:
    await authenticate(request, b"")
    return await run_in_threadpool(_receiver(request).aggregate, aggregate_type, aggregate_id, after_seq)


@router.get(wire.DAY_PATH.format(day="{day}"))
async def get_day(request: Request, day: date, ids: bool = False) -> wire.DaySummary:
    await authenticate(request, b"")
    return await run_in_threadpool(_receiver(request).day, day, ids)


@router.get(wire.STATS_PATH)
async def get_stats(request: Request) -> PlatformStats:
    await authenticate(request, b"")
    return await run_in_threadpool(_receiver(request).stats)


@router.get("/healthz")
async def health(request: Request) -> dict[str, object]:
    faults: FaultState = request.app.state.faults
    return {"status": "ok", "faults": faults.plan.model_dump(mode="json")}


def _check_admin(request: Request) -> FaultState:
    token = _receiver(request).settings.admin_token
    if token is None:
        raise PlatformError(404, "NOT_FOUND", "admin endpoints are off (no --admin-token) / 未启用管理接口")
    given = request.headers.get("authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise PlatformError(401, "ADMIN_TOKEN_INVALID", "wrong admin token / 管理令牌错误")
    faults: FaultState = request.app.state.faults
    return faults


@admin.get("/faults")
async def get_faults(request: Request) -> FaultPlan:
    return _check_admin(request).plan


@admin.post("/faults")
async def set_faults(request: Request) -> FaultPlan:
    state = _check_admin(request)
    try:
        plan = FaultPlan.model_validate_json(await request.body())
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        raise PlatformError(422, "FAULTS_INVALID", where) from exc
    state.set(plan)
    log.info("faults set", extra={"faults": plan.model_dump(mode="json")})
    return state.plan
