"""The display service: one process with the follower (asyncio, in uvicorn's loop), the voice thread and
the page server on localhost.

    GET /               the big-screen page (static, no CDN, local CJK fonts)
    GET /state          the view model as JSON
    WS  /live           the view model pushed on every change (the latest one only: a slow page skips
                        intermediate versions, it never makes the service queue up)
    GET /healthz        ok, this process's boot id (the page reloads itself when it changes), connection
    GET /announcements  the announcement log (queued/started/ended, outcome, loudness)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from devices.transport import parse_device_url
from devices.voice.calls import Call
from devices.voice.player import AudioOut, RecordingAudioOut, SystemAudioOut
from devices.voice.plugin import open_device
from display.config import DisplayConfig
from display.follower import Follower, local_now
from display.state import CallShown, DisplayState
from display.voice import VoiceQueue

log = logging.getLogger("yimen.display")

STATIC = Path(__file__).parent / "static"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; connect-src 'self'; img-src 'self' data:",
}


def audio_out_for(config: DisplayConfig) -> AudioOut:
    if config.sound_device == "record":
        return RecordingAudioOut()
    return SystemAudioOut(config.sound_device)


class DisplayService:
    def __init__(self, config: DisplayConfig, *, audio_out: AudioOut | None = None) -> None:
        self.config = config
        self.boot_id = uuid.uuid4().hex
        self.started_at = local_now()
        self.state = DisplayState()
        self.voice: VoiceQueue | None = None
        if config.voice:
            announcer = open_device(parse_device_url(config.voice))
            announcer.repeat = config.voice_repeat
            self.voice = VoiceQueue(
                announcer, audio_out or audio_out_for(config), volume=config.volume, quiet=config.quiet
            )
        self.follower = Follower(config, self.state, on_change=self._changed, on_call=self._announce)
        self._pages: set[asyncio.Event] = set()

    # --- wiring -------------------------------------------------------------------------------------------

    def _changed(self) -> None:
        for wake in self._pages:
            wake.set()

    def _announce(self, call: CallShown) -> None:
        if self.voice is not None:
            self.voice.submit(Call(call.ticket, call.window, call.recall))

    def view(self) -> dict[str, Any]:
        view = self.state.view()
        view["boot_id"] = self.boot_id
        view["connected"] = self.follower.connected
        return view

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        if self.voice is not None:
            self.voice.start()
        task = asyncio.create_task(self.follower.run(), name="display-follower")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            for wake in self._pages:
                wake.set()
            if self.voice is not None:
                await asyncio.to_thread(self.voice.stop)

    # --- the web side -------------------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self.page),
                Route("/state", self.state_json),
                Route("/healthz", self.healthz),
                Route("/announcements", self.announcements),
                WebSocketRoute("/live", self.live),
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
            ],
            lifespan=self.lifespan,
        )

    async def page(self, _request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    async def state_json(self, _request: Request) -> Response:
        return JSONResponse(self.view(), headers={"Cache-Control": "no-store"})

    async def healthz(self, _request: Request) -> Response:
        return JSONResponse(
            {
                "ok": True,
                "boot_id": self.boot_id,
                "started_at": self.started_at.isoformat(),
                "connected": self.follower.connected,
                "stale_since": self.view()["stale_since"],
                "last_error": self.follower.last_error,
                "profile": self.state.profile.name,
            },
            headers={"Cache-Control": "no-store"},
        )

    async def announcements(self, _request: Request) -> Response:
        entries = self.voice.log() if self.voice is not None else []
        return JSONResponse({"announcements": entries}, headers={"Cache-Control": "no-store"})

    async def live(self, websocket: WebSocket) -> None:
        """Send the view model now and after every change; only the newest version is ever sent."""
        await websocket.accept()
        wake = asyncio.Event()
        self._pages.add(wake)
        receiver = asyncio.create_task(self._drain(websocket))
        sent = -1
        try:
            while not receiver.done():
                view = self.view()
                marker = hash((view["version"], view["connected"]))
                if marker != sent:
                    await websocket.send_json(view)
                    sent = marker
                wake.clear()
                waiter = asyncio.create_task(wake.wait())
                await asyncio.wait({waiter, receiver}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self._pages.discard(wake)
            receiver.cancel()

    @staticmethod
    async def _drain(websocket: WebSocket) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                await websocket.receive_text()


def serve(config: DisplayConfig) -> int:
    service = DisplayService(config)
    log.info("display page on http://%s:%d/ (boot %s)", config.host, config.port, service.boot_id)
    uvicorn.Server(
        uvicorn.Config(service.app(), host=config.host, port=config.port, log_level="warning", lifespan="on")
    ).run()
    return 0
