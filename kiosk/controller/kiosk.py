"""The kiosk as a whole: which screen is shown, the hall's live waiting counts, whether the hall server
answers, the idle timer, and the flows (take a ticket, check in, guides, my tickets) that hang off it.

State lives here and in the flows; views subscribe and re-render on `changed()`. All methods run on the
owner's thread (see runner.py); blocking work goes through `call_server` or the runner.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Protocol, TypeVar

import httpx
import websockets

from hall_server.client import ApiError, HallClient
from hall_server.client.live import LiveFeed
from hall_server.contract.live import EventMessage, SnapshotMessage
from hall_server.contract.load import CategoryWaiting, Snapshot
from kiosk.config import KioskConfig, Language
from kiosk.controller.devices import CardEvent, DeviceHub
from kiosk.controller.runner import Runner

log = logging.getLogger(__name__)
T = TypeVar("T")

RECONNECT_SECONDS = 2.0
ELDER_IDLE_FACTOR = 2.0


class Screen(StrEnum):
    HOME = "home"
    IDENTIFY = "identify"  # 请将身份证放在感应区 / typed number
    MATTERS = "matters"  # 高频事项, categories, search
    GUIDE = "guide"  # one matter's guide, before confirming
    ISSUE = "issue"  # the ticket being issued, or why it could not be
    TICKET = "ticket"  # the issued ticket: printed, or kept on screen
    CHECKIN = "checkin"  # 预约签到
    GUIDES = "guides"  # 办事指南 browsing
    LOOKUP = "lookup"  # 我的排队/办件


class Flow(Protocol):
    def reset(self) -> None:
        """Forget everything about the visitor (idle timeout, back home)."""

    def on_card(self, event: CardEvent) -> bool:
        """A reader event while this flow's screen shows; True if the flow used it."""


@dataclass(frozen=True)
class Waiting:
    code: str
    name: str
    waiting: int
    open_windows: int


class KioskController:
    def __init__(
        self,
        config: KioskConfig,
        client: HallClient,
        devices: DeviceHub,
        runner: Runner,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.client = client
        self.devices = devices
        self.runner = runner
        self.monotonic = monotonic
        self.screen = Screen.HOME
        self.language = config.language
        self.elder = config.elder
        self.online = False  # until the hall server has answered once
        self.offline_reason = ""
        self.hall_name = ""
        self.waiting: list[Waiting] = []
        self.queue_closed = False
        self.flows: dict[Screen, Flow] = {}
        self._listeners: list[Callable[[], None]] = []
        self._last_touch = monotonic()
        self._stop = threading.Event()
        self._add_flows()

    def _add_flows(self) -> None:
        # Imported here: each flow's module imports Screen and this class from this module.
        from kiosk.controller.checkin import CheckInFlow
        from kiosk.controller.handout import HandoutFlow
        from kiosk.controller.identify import IdentifyFlow
        from kiosk.controller.ticket import TicketFlow

        self.identify = IdentifyFlow(self)
        self.handout = HandoutFlow(self)
        self.checkin = CheckInFlow(self)
        self.ticket = TicketFlow(self)

    # -- observers ----------------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def changed(self) -> None:
        if self._stop.is_set():  # a worker's late answer after stop(): the window may be gone
            return
        for listener in list(self._listeners):
            listener()

    # -- navigation and the idle wipe ---------------------------------------------------------------------

    def go(self, screen: Screen) -> None:
        self.touch()
        self.screen = screen
        self.changed()

    def go_home(self) -> None:
        """Back to the start, every flow's personal data dropped (names, numbers, tickets)."""
        for flow in self.flows.values():
            flow.reset()
        self.screen = Screen.HOME
        self.changed()

    def touch(self) -> None:
        self._last_touch = self.monotonic()

    @property
    def idle_seconds(self) -> float:
        return self.config.idle_seconds * (ELDER_IDLE_FACTOR if self.elder else 1.0)

    def idle_left(self) -> float:
        return self.idle_seconds - (self.monotonic() - self._last_touch)

    def tick(self) -> None:
        """Called every second by the view's timer (or by a test)."""
        if self.screen is not Screen.HOME and self.idle_left() <= 0:
            log.info("kiosk: idle on %s, back home", self.screen.value)
            self.go_home()

    def set_language(self, language: Language) -> None:
        self.touch()
        self.language = language
        self.changed()

    def set_elder(self, elder: bool) -> None:
        self.touch()
        self.elder = elder
        self.changed()

    # -- the hall server ----------------------------------------------------------------------------------

    def call_server(
        self,
        work: Callable[[HallClient], T],
        done: Callable[[T], None],
        failed: Callable[[ApiError], None] | None = None,
        lost: Callable[[Exception], None] | None = None,
    ) -> bool:
        """Run a hall server call in a worker. A transport failure marks the server offline (the banner) and
        goes to `lost` (else the call is dropped); an ApiError (the server answered 4xx/5xx) goes to
        `failed`. False if offline now."""
        if not self.online:
            return False

        def answered(result: T) -> None:
            self._set_online(True)
            done(result)

        def went_wrong(error: Exception) -> None:
            if isinstance(error, ApiError) and error.status < 500:
                self._set_online(True)
                if failed is not None:
                    failed(error)
                return
            self._set_online(False, _reason(error))
            if isinstance(error, ApiError) and failed is not None:
                failed(error)
            elif not isinstance(error, ApiError) and lost is not None:
                lost(error)

        self.runner.submit(lambda: work(self.client), answered, went_wrong)
        return True

    def _set_online(self, online: bool, reason: str = "") -> None:
        if online == self.online and reason == self.offline_reason:
            return
        self.online = online
        self.offline_reason = "" if online else reason
        self.changed()

    # -- start and stop -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the devices and the live feed in the background; the home screen shows at once."""
        self.runner.start_thread(self._live_loop, "kiosk-live")
        self.runner.start_thread(self._card_loop, "kiosk-cards")

    def stop(self) -> None:
        self._stop.set()
        self.checkin.reset()  # ends the camera thread
        self.devices.close()
        self.client.close()

    def _card_loop(self) -> None:
        self.devices.open_reader()
        self.devices.open_printer()
        self.runner.post(self.changed)
        self.devices.watch_cards(lambda event: self.runner.post(partial(self._on_card, event)))

    def _on_card(self, event: CardEvent) -> None:
        flow = self.flows.get(self.screen)
        if flow is not None and flow.on_card(event):
            self.touch()
        self.changed()

    # -- the live feed: waiting counts, and the first sign that the server is back -----------------------

    def _live_loop(self) -> None:
        while not self._stop.is_set():
            try:
                asyncio.run(self._follow_display())
            except (OSError, websockets.WebSocketException, TimeoutError) as exc:
                self.runner.post(partial(self._set_online, False, _reason(exc)))
            self._stop.wait(RECONNECT_SECONDS)

    async def _follow_display(self) -> None:
        async with LiveFeed(self.config.ws_url, self.config.token, ["display"]) as feed:
            async for message in feed:
                if self._stop.is_set():
                    return
                if isinstance(message, SnapshotMessage):
                    self.runner.post(partial(self._apply_snapshot, message.snapshot))
                elif isinstance(message, EventMessage):
                    self.runner.post(partial(self._apply_waiting, message.waiting))
        raise ConnectionError("实时推送连接已关闭")

    def _apply_snapshot(self, snapshot: Snapshot) -> None:
        self.hall_name = snapshot.hall_name
        self.queue_closed = snapshot.queue_closed_today
        self._set_online(True)
        self._apply_waiting(snapshot.waiting)

    def _apply_waiting(self, waiting: list[CategoryWaiting]) -> None:
        self.waiting = [Waiting(w.code, w.name, w.waiting, w.open_windows) for w in waiting]
        self.changed()


def _reason(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return "大厅服务器响应超时"
    if isinstance(error, ApiError):
        return f"大厅服务器暂时无法处理（{error.code}）"
    return "无法连接大厅服务器"
