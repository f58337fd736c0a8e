"""The OpenAPI document as the server really behaves: bearer security on the operations that need a
credential, the error responses with the real ErrorBody (no FastAPI HTTPValidationError, which this server
never sends), and the Allow header of a 405."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import Match

from hall_server.contract.base import ErrorBody
from hall_server.deps import get_api

BEARER = "bearer"
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
ERRORS = {
    "401": "未登录或凭证无效 (AUTH_REQUIRED, TOKEN_INVALID, …)",
    "403": "无权进行此操作 (FORBIDDEN, …)",
    "404": "对象不存在 (…_NOT_FOUND)",
    "409": "与当前状态冲突 (CONFLICT, WINDOW_BUSY, SLOT_FULL, …)",
    "413": "请求体过大 (PAYLOAD_TOO_LARGE)",
    "422": "数据不完整或格式不正确 (VALIDATION_ERROR, ID_CHECKSUM, …)",
    "429": "请求过于频繁或已锁定 (LOGIN_LOCKED, …)",
}
ANONYMOUS_ERRORS = ("404", "409", "422", "429")
BODY_ERRORS = ("413",)
SIGNED_IN_ERRORS = ("401", "403")


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build_openapi(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(title=app.title, version=app.version, routes=app.routes, description=app.description)
    components = spec.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "登录令牌 (POST /api/v1/auth/login) 或设备令牌 (yimen device add)",
    }
    schemas = components.setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema()
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    signed_in = {
        (method.lower(), route.path_format)
        for route in app.routes
        if isinstance(route, APIRoute) and _needs_credential(route.dependant)
        for method in route.methods or ()
    }
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            _document_operation(operation, (method, path) in signed_in)
    return spec


def _needs_credential(dependant: Dependant) -> bool:
    return dependant.call is get_api or any(_needs_credential(d) for d in dependant.dependencies)


def _document_operation(operation: dict[str, Any], signed_in: bool) -> None:
    codes = list(ANONYMOUS_ERRORS)
    if "requestBody" in operation:
        codes.extend(BODY_ERRORS)
    if signed_in:
        operation["security"] = [{BEARER: []}]
        codes.extend(SIGNED_IN_ERRORS)
    responses = operation.setdefault("responses", {})
    for code in sorted(codes):
        responses[code] = {
            "description": ERRORS[code],
            "content": {"application/json": {"schema": ERROR_REF}},
        }


def allowed_methods(request: Request) -> str:
    """The Allow header of a 405: the methods of every route on this path (one route per method here)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "__none__"})
        if match is Match.PARTIAL:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))
