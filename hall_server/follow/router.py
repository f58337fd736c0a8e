"""The follow page (跟踪号票): /f/{code}, opened from the QR code printed on the ticket. No sign-in.

A static page and script in this package (no CDN: the hall may have no internet): it reads the ticket's
public view from /api/v1/public/tickets/{code} and then follows the `ticket:{code}` topic of /ws. An
unknown or expired code answers a friendly page with status 404. The code is a bearer secret, so the
access log shows only its first characters.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from hall_server.core.errors import DomainError
from hall_server.core.pages import PAGE_HEADERS
from hall_server.follow.service import masked, rateable_ticket

STATIC = Path(__file__).with_name("static")
CODE_IN_PATH = re.compile(r"(/f/|/public/tickets/|ticket:)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]*")

router = APIRouter(include_in_schema=False)
log = logging.getLogger("yimen.follow")


@cache
def _page(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


@router.get("/f/{code}")
async def follow_page(code: str, request: Request) -> HTMLResponse:
    uow = request.app.state.yimen.uow
    try:
        await run_in_threadpool(uow.read, lambda ctx: rateable_ticket(ctx, code))
    except DomainError:
        log.info("follow page for unknown code %s", masked(code))
        return HTMLResponse(_page("missing.html"), status_code=404, headers=PAGE_HEADERS)
    return HTMLResponse(_page("index.html"), headers=PAGE_HEADERS)


@router.get("/c/{case_no}")
async def case_page(case_no: str) -> HTMLResponse:
    """The case progress page (the 受理回执's QR: public base + /c/ + case number). The same page for any
    number: whether a number exists is told only with its query password (no enumeration)."""
    return HTMLResponse(_page("case.html"), headers=PAGE_HEADERS)


class MaskFollowCodes(logging.Filter):
    """Access-log lines keep 4 characters of a follow code: enough to correlate, not enough to open."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                CODE_IN_PATH.sub(r"\1\2…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/f/static", StaticFiles(directory=STATIC), name="follow-static")
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, MaskFollowCodes) for f in access.filters):
        access.addFilter(MaskFollowCodes())
