"""scripts/device-tokens, the part of ./scripts/hall that keeps the demo kiosk's and display's device
tokens: real `yimen` commands on a temporary SQLite database, the tokens checked against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hall_server.client import HallClient
from tests.conftest import TEST_KEYS, make_settings, start_server

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "device-tokens"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=True)


def device_name(base_url: str, token: str) -> str:
    with HallClient(base_url, token) as client:
        who = client.whoami()
    assert who.device is not None
    return who.device.name


def test_the_device_tokens_are_kept_and_made_again_when_lost(tmp_path: Path, clock):
    database_url = f"sqlite:///{tmp_path / 'hall.db'}"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "YIMEN_DATABASE_URL": database_url,
        "YIMEN_KEY_FILE": str(tmp_path / "keys.json"),
        "YIMEN_DATA_KEY": TEST_KEYS["data_key"],
        "YIMEN_LOOKUP_KEY": TEST_KEYS["lookup_key"],
        "YIMEN_PASSWORD_TIME_COST": "1",
        "YIMEN_PASSWORD_MEMORY_KIB": "1024",
    }
    run(env, "yimen", "db", "upgrade")
    var = tmp_path / "var"
    run(env, str(SCRIPT), str(var))
    token_file = var / "kiosk-token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    first = token_file.read_text().strip()
    display_file = var / "display-token"
    display_token = display_file.read_text().strip()
    assert display_file.stat().st_mode & 0o777 == 0o600
    assert not list(var.glob("*.json"))  # the demo accounts (passwords) are not left behind

    again = run(env, str(SCRIPT), str(var))  # the hall exists, the token too: nothing changes
    assert "已为本机登记" not in again.stdout and token_file.read_text().strip() == first

    token_file.unlink()
    lost = run(env, str(SCRIPT), str(var))
    assert "已为本机登记设备 kiosk-" in lost.stdout and "display" not in lost.stdout
    second = token_file.read_text().strip()
    assert second != first and token_file.stat().st_mode & 0o777 == 0o600

    server = start_server(make_settings(database_url, tmp_path), clock)
    try:
        assert device_name(server.base_url, first) == "kiosk-1"
        assert device_name(server.base_url, display_token) == "display-1"
        assert device_name(server.base_url, second).startswith("kiosk-")
    finally:
        server.stop()
