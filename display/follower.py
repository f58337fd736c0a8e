"""Follows the hall server's `display` live topic: connect, apply the snapshot, apply events; when the
connection drops, mark the state stale (the page says since when) and reconnect with exponential backoff;
the next snapshot catches the screen up without announcing anything in it.

The display profile is fetched over REST at each (re)connection and again when the feed says profiles
changed. Only calls received live, and fresh (state.is_fresh), are handed to `on_call` for the voice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import httpx

from display.config import DisplayConfig
from display.state import CallShown, DisplayState, is_fresh, whole_hall
from hall_server.client import ApiError, HallClient, LiveFeed
from hall_server.contract.displays import WHOLE_HALL, DisplayProfileOut
from hall_server.contract.events import EventType
from hall_server.contract.live import ErrorMessage, EventMessage, SnapshotMessage

log = logging.getLogger("yimen.display.follower")

TOPIC = "display"
KEEPALIVE_S = 20.0  # no message for this long: ping; no answer within another period: reconnect
BACKOFF_START_S = 0.5


def local_now() -> datetime:
    return datetime.now().astimezone()


class Follower:
    def __init__(
        self,
        config: DisplayConfig,
        state: DisplayState,
        *,
        on_change: Callable[[], None],
        on_call: Callable[[CallShown], None],
        now: Callable[[], datetime] = local_now,
    ) -> None:
        self.config = config
        self.state = state
        self.on_change = on_change
        self.on_call = on_call
        self.now = now
        self.connected = False
        self.connections = 0  # successful snapshots after a (re)connection
        self.last_error = ""
        self.backoff_s = BACKOFF_START_S

    async def run(self) -> None:
        while True:
            try:
                await self._follow_once()
            except asyncio.CancelledError:
                raise
            except ApiError as exc:
                self.last_error = f"{exc.status} {exc.code}: {exc}"
            except Exception as exc:  # refused, reset, timed out, bad answer: all mean "try again"
                self.last_error = f"{type(exc).__name__}: {exc}"
            if self.connected:
                log.warning("lost the hall server: %s", self.last_error)
            self.connected = False
            self.state.mark_stale(self.now())
            self.on_change()
            await asyncio.sleep(self.backoff_s)
            self.backoff_s = min(self.backoff_s * 2, self.config.backoff_max_s)

    async def _follow_once(self) -> None:
        async with LiveFeed(self.config.ws_url, self.config.token, [TOPIC]) as feed:
            profile = await self._fetch_profile()
            if profile is not None:
                self.state.set_profile(profile)
            pinged = False
            while True:
                try:
                    message = await asyncio.wait_for(feed.receive(), KEEPALIVE_S)
                except TimeoutError:
                    if pinged:
                        raise ConnectionError("the hall server stopped answering pings") from None
                    await feed.ping()
                    pinged = True
                    continue
                pinged = False
                if isinstance(message, SnapshotMessage):
                    self.state.apply_snapshot(message)
                    self.connected = True
                    self.connections += 1
                    self.backoff_s = BACKOFF_START_S
                    self.last_error = ""
                    self.on_change()
                elif isinstance(message, EventMessage):
                    await self._apply_event(feed, message)
                elif isinstance(message, ErrorMessage):
                    raise ConnectionError(f"{message.code}: {message.message}")

    async def _apply_event(self, feed: LiveFeed, message: EventMessage) -> None:
        event = message.event
        seen = self.state.server_time
        shown = self.state.apply_event(message)
        self.on_change()
        if shown is not None:
            if is_fresh(event.occurred_at, event.recorded_at, seen, self.config.max_call_age_s):
                self.on_call(shown)
            else:
                log.info("call %s → %s is old news: shown, not announced", shown.ticket, shown.window)
        if event.event_type is EventType.DISPLAY_PROFILE_SAVED and event.data.get("profile") in (
            None,
            self.config.profile,
        ):
            profile = await self._fetch_profile()
            if profile is not None:
                self.state.set_profile(profile)
                self.on_change()
        elif event.event_type is EventType.NOTICE_POSTED and "notice" not in event.data:
            await feed.resync(TOPIC)  # the snapshot carries the notice line

    async def _fetch_profile(self) -> DisplayProfileOut | None:
        """This screen's profile; the whole hall if the server has no profiles at all (older server).
        None if it could not be fetched now: the screen keeps the profile it had."""
        name = self.config.profile

        def fetch() -> DisplayProfileOut:
            with HallClient(self.config.server, self.config.token, timeout=5.0) as client:
                return client.display_profile(name)

        try:
            return await asyncio.to_thread(fetch)
        except ApiError as exc:
            if exc.status == 404 and name == WHOLE_HALL:
                return whole_hall()
            log.error("display profile %r: %s %s", name, exc.code, exc)
            self.last_error = f"显示配置 {name}：{exc}"
            return None
        except (httpx.HTTPError, OSError) as exc:
            log.warning("display profile %r not fetched: %s", name, exc)
            return None
