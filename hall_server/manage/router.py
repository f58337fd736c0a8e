"""The managers' dashboard (大厅管理), served by the hall server at /manage.

A static page and script: it signs in through /api/v1/auth/login and reads the same REST API as every other
client. Everything it needs is in this package, so it works in a hall without internet access.
"""

from __future__ import annotations

from functools import cache
from html import escape
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from hall_server.core.pages import PAGE_HEADERS

STATIC = Path(__file__).with_name("static")

router = APIRouter(include_in_schema=False)


@cache
def _template() -> str:
    return (STATIC / "index.html").read_text(encoding="utf-8")


@router.get("/manage")
def dashboard(request: Request) -> HTMLResponse:
    settings = request.app.state.yimen.settings
    page = _template()
    values = {
        "refresh_ms": str(round(settings.manage_refresh_seconds * 1000)),
        "lag_warn_seconds": str(settings.sync_lag_warn_seconds),
        "timezone": settings.timezone,
    }
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", escape(value))
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.get("/manage/")
def dashboard_slash() -> RedirectResponse:
    return RedirectResponse("/manage")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/manage/static", StaticFiles(directory=STATIC), name="manage-static")
