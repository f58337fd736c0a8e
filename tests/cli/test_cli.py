"""The `yimen` command as an operator uses it: a real process, a real database, a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hall_server.client import HallClient
from tests.conftest import free_port

YIMEN = str(Path(sys.executable).with_name("yimen"))


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([YIMEN, *args], env=env, capture_output=True, text=True, check=check, timeout=120)


@pytest.fixture
def env(database_url, tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "YIMEN_DATABASE_URL": database_url,
        "YIMEN_KEY_FILE": str(tmp_path / "keys.json"),
        "YIMEN_PASSWORD_TIME_COST": "1",
        "YIMEN_PASSWORD_MEMORY_KIB": "1024",
    }


def test_upgrade_demo_data_staff_and_serve(env, tmp_path):
    assert "数据库已升级" in run(env, "db", "upgrade").stdout
    assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600
    accounts = tmp_path / "accounts.json"
    assert "已导入演示大厅" in run(env, "demo-data", "--accounts", str(accounts)).stdout
    assert "未导入" in run(env, "demo-data", "--if-empty").stdout
    run(env, "staff", "add", "--login", "night", "--role", "clerk", "--password", "night-shift-1")
    duplicate = run(
        env, "staff", "add", "--login", "night", "--role", "clerk", "--password", "x" * 9, check=False
    )
    assert duplicate.returncode == 2 and "STAFF_LOGIN_TAKEN" in duplicate.stderr
    token = run(env, "device", "add", "--kind", "kiosk", "--name", "kiosk-9").stdout.strip()
    demo = json.loads(accounts.read_text())
    assert {s["role"] for s in demo["staff"]} == {"admin", "manager", "back_office", "clerk"}

    port = free_port()
    server = subprocess.Popen(
        [YIMEN, "server", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base)
        with HallClient(base, token) as kiosk:
            assert kiosk.whoami().device.name == "kiosk-9"
            categories = kiosk.categories()
            assert [c.prefix for c in categories] == ["A", "B", "C", "D", "E", "F", "G"]
            matters = [kiosk.matter(m.id) for m in kiosk.matters(q="", category=None)]
            assert len(matters) >= 40
            assert all(m.legal_basis and m.process_steps and m.conditions and m.result.name for m in matters)
            assert kiosk.matters(q="jhdj")  # 结婚登记 by pinyin initials
        with HallClient.login(base, "night", "night-shift-1") as clerk:
            assert clerk.whoami().staff.role == "clerk"
            assert len(clerk.windows()) == 12
        with HallClient.login(base, "manager", demo["staff"][1]["password"]) as manager:
            assert manager.load().categories
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    lines = [line for line in output.splitlines() if line.strip()]
    assert any('"POST /api/v1/auth/login' in line for line in lines)
    for line in lines:  # structured logs: every line is one JSON object
        assert json.loads(line)["level"]


def _wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become healthy")


def test_server_refuses_to_start_without_its_keys(env, tmp_path):
    run(env, "db", "upgrade")
    (tmp_path / "keys.json").unlink()
    port = free_port()
    result = subprocess.run(
        [YIMEN, "server", "--port", str(port)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "yimen db upgrade" in result.stderr + result.stdout
