"""Follow the live feed from an app's background thread: connect, hand every message on, reconnect after a
drop (or at once when asked), stop when told. Qt-free; the kiosk and the counter client share it."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import httpx
import websockets

from hall_server.client.http import ApiError
from hall_server.client.live import LiveFeed
from hall_server.contract.live import ServerMessage

log = logging.getLogger(__name__)


def offline_reason(error: Exception) -> str:
    """Why the app is offline, in words for the screen."""
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return "大厅服务器响应超时"
    if isinstance(error, ApiError):
        return "大厅服务器暂时无法处理，请稍后再试"
    return "无法连接大厅服务器"


class LiveFollower:
    """`connect()` gives the feed to follow now (None: nothing to follow yet, try again later). Every message
    goes to `on_message`, every failure to `on_offline(reason)`; both are called on the follower's thread, so
    the app posts them to its own. `run(stop)` is the thread's body; `reconnect()` works from any thread."""

    def __init__(
        self,
        connect: Callable[[], LiveFeed | None],
        on_message: Callable[[ServerMessage], None],
        on_offline: Callable[[str], None],
        retry_seconds: float,
    ) -> None:
        self.connect = connect
        self.on_message = on_message
        self.on_offline = on_offline
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._task: tuple[asyncio.AbstractEventLoop, asyncio.Task[None]] | None = None

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                asyncio.run(self._follow(stop))
            except asyncio.CancelledError:
                continue  # asked to reconnect (a call failed) or to stop: at once, no wait
            except (OSError, websockets.WebSocketException, TimeoutError) as exc:
                if not stop.is_set():
                    self.on_offline(offline_reason(exc))
            except Exception as exc:  # an unreadable message: log it, keep following
                log.error("live feed failed: %s", type(exc).__name__, exc_info=exc)
                self.on_offline(offline_reason(exc))
            stop.wait(self.retry_seconds)

    def reconnect(self) -> None:
        """Drop the connection; the loop connects again, or ends when its stop is set."""
        with self._lock:
            if self._task is not None:
                loop, task = self._task
                loop.call_soon_threadsafe(task.cancel)

    async def _follow(self, stop: threading.Event) -> None:
        task = asyncio.current_task()
        assert task is not None
        with self._lock:
            if stop.is_set():
                return
            self._task = (asyncio.get_running_loop(), task)
        try:
            await self._receive(stop)
        finally:
            with self._lock:
                self._task = None

    async def _receive(self, stop: threading.Event) -> None:
        feed = self.connect()
        if feed is None:
            return
        async with feed:
            async for message in feed:
                if stop.is_set():
                    return
                self.on_message(message)
        raise ConnectionError("实时推送连接已关闭")
