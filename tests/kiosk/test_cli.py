"""`yimen kiosk` as an installer runs it: a fresh process against a real hall server, offscreen."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hall_server.alerts.service import desired
from hall_server.contract.devicehealth import DeviceHealthOut
from hall_server.devicehealth.service import list_health


def run_kiosk(*args: str, timeout: float = 90, command: str = "kiosk") -> subprocess.CompletedProcess[str]:
    """`yimen kiosk ARGS` (or another app's command) in a fresh process, offscreen."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command_line = [sys.executable, "-m", "hall_server.cli", command, *args]
    return subprocess.run(command_line, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_screenshot_of_the_home_screen_once_the_server_answered(demo_hall, tmp_path: Path):
    token_file = tmp_path / "kiosk-token"
    token_file.write_text(demo_hall.tokens["kiosk-1"] + "\n", encoding="utf-8")
    shot = tmp_path / "home.png"
    done = run_kiosk(
        "--server", demo_hall.base_url, "--token-file", str(token_file), "--screenshot", str(shot),
        "--exit-after", "60", "--camera", "", "--voice", "",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert png_size(shot) == (1080, 1920)


def test_a_refused_token_exits_2_at_once_with_the_reason(demo_hall, tmp_path: Path):
    done = run_kiosk("--server", demo_hall.base_url, "--token", "dev_not-a-token", "--exit-after", "60")
    assert done.returncode == 2
    assert "不接受这个设备令牌" in done.stderr


def test_an_unreachable_server_exits_2_after_the_wait(tmp_path: Path):
    server = f"http://127.0.0.1:{free_port()}"
    done = run_kiosk("--server", server, "--token", "dev_x", "--screenshot", str(tmp_path / "x.png"),
                     "--exit-after", "3", "--camera", "", "--voice", "")  # fmt: skip
    assert done.returncode == 2
    assert "没有应答" in done.stderr and server in done.stderr
    assert not (tmp_path / "x.png").exists()


def kiosk_health(demo_hall: Any) -> DeviceHealthOut:
    devices = demo_hall.server.state.uow.read(list_health)
    return next(d for d in devices if d.name == "kiosk-1")


def silent_alerts(demo_hall: Any) -> list[str]:
    return [w.key for w in demo_hall.server.state.uow.read(desired) if w.kind == "DEVICE_SILENT"]


def start_kiosk(demo_hall: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command_line = [sys.executable, "-m", "hall_server.cli", "kiosk", "--server", demo_hall.base_url,
                    "--token", demo_hall.tokens["kiosk-1"], "--camera", "", "--voice", ""]  # fmt: skip
    return subprocess.Popen(command_line, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def test_a_kiosk_switched_off_at_closing_time_raises_no_silence_alarm(demo_hall, clock):
    """SIGTERM (the PC shutting down) stops the kiosk in order: its last report says so, and the night's
    silence is no 设备失联; a kiosk that dies without a word is still reported silent."""
    kiosk = start_kiosk(demo_hall)
    try:
        wait_for(lambda: kiosk_health(demo_hall).reported_at is not None)
        kiosk.send_signal(signal.SIGTERM)
        assert kiosk.wait(timeout=60) == 0, kiosk.stderr.read() if kiosk.stderr else ""
    finally:
        kiosk.kill()
    switched_off = kiosk_health(demo_hall)
    assert switched_off.signed_off
    clock.advance(hours=14)
    assert kiosk_health(demo_hall).stale and silent_alerts(demo_hall) == []

    crashed = start_kiosk(demo_hall)  # the next morning it reports again, then dies without a word
    try:
        wait_for(lambda: not kiosk_health(demo_hall).signed_off)
    finally:
        crashed.kill()
        crashed.wait(timeout=30)
    clock.advance(minutes=10)
    assert silent_alerts(demo_hall) == [f"DEVICE_SILENT:{switched_off.device_id}"]
