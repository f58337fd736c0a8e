"""Request body cap: a body larger than the limit is refused with 413 before anything parses it.

A pure ASGI middleware: it refuses at once on a declared Content-Length over the limit and otherwise counts
the bytes as the application reads them, so a chunked body without Content-Length is cut off at the limit too
(the application never holds more than `max_bytes` of it). Past the limit, reading raises BodyTooLarge, an
HTTPException(413): FastAPI passes it on to the app's HTTP error handler, which answers with the ErrorBody
(code PAYLOAD_TOO_LARGE); anything that lets it escape gets the same answer from here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAYLOAD_TOO_LARGE = 413
CODE = "PAYLOAD_TOO_LARGE"
MESSAGE = "提交的数据过大"


@dataclass(frozen=True)
class Wider:
    """A route that takes a larger body than the general cap (a scanned material): its own cap and error."""

    method: str
    path: re.Pattern[str]
    max_bytes: int
    code: str
    message: str


class BodyTooLarge(HTTPException):
    """Raised inside the application's receive() once the body passes the limit."""

    def __init__(self, max_bytes: int, code: str = CODE, message: str = MESSAGE) -> None:
        super().__init__(PAYLOAD_TOO_LARGE)
        self.max_bytes = max_bytes
        self.code = code
        self.message = message


def detail_of(exc: Exception) -> dict[str, int] | None:
    """The ErrorBody detail of a 413 raised here; None for any other HTTP error."""
    return {"max_bytes": exc.max_bytes} if isinstance(exc, BodyTooLarge) else None


def _error_body(limit: BodyTooLarge) -> bytes:
    body = {"code": limit.code, "message": limit.message, "detail": detail_of(limit)}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, wider: Sequence[Wider] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.wider = tuple(wider)

    def _limit(self, scope: Scope) -> BodyTooLarge:
        for route in self.wider:
            if scope.get("method") == route.method and route.path.match(scope.get("path", "")):
                return BodyTooLarge(route.max_bytes, route.code, route.message)
        return BodyTooLarge(self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        max_bytes = limit.max_bytes
        if self._declared_length(scope) > max_bytes:
            await self._refuse(send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(max_bytes, limit.code, limit.message)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if received > max_bytes:  # stop the server reading (and discarding) the rest
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:  # the application already answered without reading it all: nothing to add
                return
            await self._refuse(send, limit)

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    return int(value.decode("latin-1").strip())
                except ValueError:
                    return 0
        return 0

    async def _refuse(self, send: Send, limit: BodyTooLarge) -> None:
        body = _error_body(limit)
        await send(
            {
                "type": "http.response.start",
                "status": PAYLOAD_TOO_LARGE,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
