"""The HTTP side of idempotency: the header, the request's identity, and the replayed response."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute

from hall_server.idempotency.service import (
    KEY_HEADER,
    MAX_KEY_LENGTH,
    REPLAYED_HEADER,
    IdempotentCall,
    Replayed,
    parse_key,
    request_hash,
)

_RENDERER = "_yimen_renderer"

KeyHeader = Annotated[
    str | None,
    Header(
        alias=KEY_HEADER,
        description=(
            "幂等键：同一操作超时或断线后重试时原样重发，服务器返回第一次的结果而不会重复办理（重复出号、"
            "重复叫号、重复预约）。A fresh UUID per operation, 1–255 printable ASCII characters; kept "
            "24 hours (YIMEN_IDEMPOTENCY_TTL_HOURS) per caller. A repeat gets the first answer with "
            f"`{REPLAYED_HEADER}: true`; the same key with another request is 422 IDEMPOTENCY_KEY_REUSED."
        ),
        json_schema_extra={"minLength": 1, "maxLength": MAX_KEY_LENGTH},
    ),
]


async def idempotent_call(request: Request, raw_key: str) -> IdempotentCall:
    key = parse_key(raw_key)
    route = request.scope["route"]
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body = await request.body()
    return IdempotentCall(
        key=key,
        method=request.method,
        path=path,
        request_hash=request_hash(request.method, path, body),
        status_code=route.status_code or 200,
        render=route_renderer(route),
    )


def route_renderer(route: APIRoute) -> Callable[[object], bytes]:
    """The route's own serialisation (its response model, as FastAPI validates and serialises it), so that a
    replay is byte for byte the first answer; made once per route and kept on it (routes are unhashable)."""
    made: Callable[[object], bytes] | None = getattr(route, _RENDERER, None)
    if made is None:
        made = _renderer(route)
        setattr(route, _RENDERER, made)
    return made


def _renderer(route: APIRoute) -> Callable[[object], bytes]:
    field = route.response_field
    if field is None:
        return lambda result: json.dumps(
            jsonable_encoder(result), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode()

    def render(result: object) -> bytes:
        value, errors = field.validate(result, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors)
        return field.serialize_json(
            value,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
        )

    return render


def install(app: FastAPI) -> None:
    @app.exception_handler(Replayed)
    async def replayed(_: Request, answer: Replayed) -> Response:
        return Response(
            answer.body,
            status_code=answer.status_code,
            media_type="application/json",
            headers={REPLAYED_HEADER: "true"},
        )
