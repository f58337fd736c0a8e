"""The `yimen display` options and the command as a real process (its token: scripts/device-tokens, tested
in tests/kiosk/test_device_tokens.py)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from display.cli import config_from, register
from tests.conftest import free_port
from tests.display.conftest import wait_for


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(["display", *argv])


def test_options_come_from_the_command_line_a_file_or_the_environment(tmp_path: Path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text("display-token-123\n")
    config = config_from(
        parse("--token-file", str(token_file), "--quiet-hours", "22:00-07:00", "--port", "0")
    )
    assert config.token == "display-token-123" and str(config.quiet) == "22:00-07:00" and config.port == 0
    assert config.ws_url == "ws://127.0.0.1:8000/ws"

    monkeypatch.setenv("YIMEN_DISPLAY_TOKEN", "from-the-environment")
    monkeypatch.setenv("YIMEN_DISPLAY_PROFILE", "enterprise")
    monkeypatch.setenv("YIMEN_DISPLAY_SERVER", "https://hall.example:8443")
    config = config_from(parse())
    assert (config.token, config.profile) == ("from-the-environment", "enterprise")
    assert config.ws_url == "wss://hall.example:8443/ws"

    for bad in (["--volume", "150"], ["--quiet-hours", "22"], ["--profile", "Bad Name"]):
        with pytest.raises(SystemExit, match="参数有误"):
            config_from(parse("--token", "display-token-123", *bad))
    monkeypatch.delenv("YIMEN_DISPLAY_TOKEN")
    with pytest.raises(SystemExit, match="需要设备令牌"):
        config_from(parse())


def yimen_display(*args: str) -> subprocess.Popen[str]:
    yimen = str(Path(sys.executable).with_name("yimen"))
    return subprocess.Popen(
        [yimen, "display", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_the_command_refuses_a_wrong_token_at_once(server, hall):
    process = yimen_display("--server", server.base_url, "--token", "not-a-display-token", "--port", "0")
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 2 and "不接受这个设备令牌" in errors


def test_the_command_refuses_a_voice_that_is_not_one(server, hall):
    process = yimen_display(
        "--server", server.base_url, "--token", hall.tokens["display"], "--port", "0", "--voice", "sim://voice?engine=x"
    )  # fmt: skip
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 2 and "unknown voice engine" in errors


def test_the_command_serves_the_page_and_follows_the_hall(server, hall):
    port = free_port()
    process = yimen_display(
        "--server", server.base_url, "--token", hall.tokens["display"], "--port", str(port),
        "--sound-device", "null",
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"

        def synced() -> bool:
            try:
                return bool(httpx.get(f"{url}/state").json()["synced"])
            except httpx.TransportError:
                return False

        wait_for(synced, timeout=30, what="the display process to follow the hall")
        health = httpx.get(f"{url}/healthz").json()
        assert health["ok"] and health["connected"] and len(health["boot_id"]) == 32
        page = httpx.get(url)
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert '<script src="/static/display.js"' in page.text and "http" not in page.text.split("<body>")[0]
    finally:
        process.terminate()
        process.wait(timeout=15)
