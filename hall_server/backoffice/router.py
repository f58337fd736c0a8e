"""The back office's page (后台分类审批), served by the hall server at /backoffice.

Like /manage: a static page and script that sign in through /api/v1/auth/login and read the same REST API as
every other client (/api/v1/backoffice/cases…). Nothing is fetched from outside the hall.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from hall_server.core.pages import PAGE_HEADERS

STATIC = Path(__file__).with_name("static")

router = APIRouter(include_in_schema=False)


@router.get("/backoffice")
def page() -> HTMLResponse:
    return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"), headers=PAGE_HEADERS)


@router.get("/backoffice/")
def page_slash() -> RedirectResponse:
    return RedirectResponse("/backoffice")


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/backoffice/static", StaticFiles(directory=STATIC), name="backoffice-static")
