"""The OpenAPI document as the server really behaves: the error responses with the real ErrorBody (no FastAPI
HTTPValidationError, which this server never sends), and the Allow header of a 405. The bearer security
scheme and each operation's security requirement come from the dependency that reads the credential
(hall_server.deps.BEARER)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi

from hall_server.contract.base import ErrorBody

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
    """FastAPI's document plus the error responses; the bearer scheme comes from deps.BEARER."""
    spec = get_openapi(title=app.title, version=app.version, routes=app.routes, description=app.description)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema()
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            _document_errors(operation)
    return spec


def _document_errors(operation: dict[str, Any]) -> None:
    codes = list(ANONYMOUS_ERRORS)
    if "requestBody" in operation:
        codes.extend(BODY_ERRORS)
    if operation.get("security"):
        codes.extend(SIGNED_IN_ERRORS)
    responses = operation.setdefault("responses", {})
    for code in sorted(codes):
        responses[code] = {
            "description": ERRORS[code],
            "content": {"application/json": {"schema": ERROR_REF}},
        }


def allowed_methods(request: Request, fallback: str) -> str:
    """The Allow header of a 405: every documented method on this path (each method is a route of its own,
    so the router's own header names only the first); `fallback` for paths outside the document."""
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in item}
    return ", ".join(sorted(methods)) or fallback
