from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hall_server.core.config import Settings
from tests.conftest import make_settings
from tests.factories import PASSWORD

REFRESH_SECONDS = 0.3


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path, manage_refresh_seconds=REFRESH_SECONDS)


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    """A 1920×1080 page in the hall's time zone; an uncaught script error fails the test."""
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    # The browser's own lines about a request or a WebSocket that failed (the server is down in the restart
    # tests; a panel whose endpoint is missing) are not script errors.
    browser_noise = ("Failed to load resource", "WebSocket connection to")
    opened.on(
        "console",
        lambda m: m.type == "error" and not any(n in m.text for n in browser_noise) and errors.append(m.text),
    )
    yield opened
    context.close()
    assert errors == [], errors


def sign_in(page: Page, base_url: str, login: str = "manager", password: str = PASSWORD) -> None:
    if not page.url.startswith(f"{base_url}/manage"):
        page.goto(f"{base_url}/manage")
    expect(page.locator("#login")).to_be_visible()
    page.fill("#login-name", login)
    page.fill("#login-password", password)
    page.click("#login-submit")
