"""A real display service (in-process uvicorn on a free port, with a recording sound output) against the
real hall server of tests/conftest.py, and a page in Debian's Chromium."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Page

from devices.voice.player import RecordingAudioOut
from display.config import DisplayConfig
from display.service import DisplayService
from tests.conftest import RunningServer, free_port, serve_in_thread
from tests.factories import SeededHall

SHOTS_DIR = "YIMEN_SCREENSHOTS"


@dataclass
class RunningDisplay:
    base_url: str
    service: DisplayService
    audio: RecordingAudioOut
    server: uvicorn.Server
    thread: threading.Thread
    port: int

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def announcements(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = httpx.get(f"{self.base_url}/announcements").json()["announcements"]
        return entries

    def state(self) -> dict[str, Any]:
        view: dict[str, Any] = httpx.get(f"{self.base_url}/state").json()
        return view


def start_display(config: DisplayConfig, port: int | None = None) -> RunningDisplay:
    port = port or free_port()
    config = config.model_copy(update={"port": port})
    audio = RecordingAudioOut()
    service = DisplayService(config, audio_out=audio)
    app_config = uvicorn.Config(
        service.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server, thread = serve_in_thread(uvicorn.Server(app_config), "the display service")
    return RunningDisplay(f"http://127.0.0.1:{port}", service, audio, server, thread, port)


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def display_config(server: RunningServer, hall: SeededHall) -> DisplayConfig:
    return DisplayConfig(server=server.base_url, token=hall.tokens["display"], backoff_max_s=0.5)


@pytest.fixture
def display(display_config: DisplayConfig) -> Iterator[RunningDisplay]:
    running = start_display(display_config)
    wait_for(lambda: running.state()["synced"], what="the first snapshot")
    yield running
    running.stop()


@pytest.fixture
def screen(browser: Any) -> Iterator[Callable[..., Page]]:
    """screen(width, height) → a page of that size; an uncaught script error fails the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_page(width: int = 1920, height: int = 1080, timezone_id: str = "Asia/Shanghai") -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", timezone_id=timezone_id
        )
        contexts.append(context)
        page: Page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], errors


def screenshot(page: Page, name: str) -> None:
    """With YIMEN_SCREENSHOTS=docs/screenshots, keep the page as <name>.png there."""
    import os

    directory = os.environ.get(SHOTS_DIR)
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"))
