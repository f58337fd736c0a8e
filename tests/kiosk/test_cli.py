"""`yimen kiosk` as an installer runs it: a fresh process against a real hall server, offscreen."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
from pathlib import Path


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
