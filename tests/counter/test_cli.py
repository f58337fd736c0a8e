"""`yimen counter` as an installer runs it: a fresh process against a real hall server, offscreen."""

from __future__ import annotations

import argparse
from pathlib import Path

from counter_client.cli import config_from, register
from tests.kiosk.test_cli import free_port, png_size, run_kiosk


def run_counter(*args: str):
    return run_kiosk(*args, command="counter")


def test_the_command_is_listed_with_its_device_options():
    done = run_counter("--help")
    assert done.returncode == 0
    for option in ("--window", "--ledscreen", "--evalpad", "--idcard", "--printer", "--screenshot"):
        assert option in done.stdout


def test_the_printer_comes_from_the_option_or_the_environment(monkeypatch):
    def parse(*args: str) -> argparse.Namespace:
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers())
        return parser.parse_args(["counter", *args])

    assert config_from(parse()).printer == "sim://printer"
    monkeypatch.setenv("YIMEN_COUNTER_PRINTER", "tcp://10.0.5.30:9100")
    monkeypatch.setenv("YIMEN_PUBLIC_BASE_URL", "https://hall.example.cn")
    config = config_from(parse())
    assert (config.printer, config.public_base_url) == ("tcp://10.0.5.30:9100", "https://hall.example.cn")
    assert config_from(parse("--printer", "")).printer == ""


def test_screenshot_of_the_sign_in_page_once_the_server_answered(demo_hall, tmp_path: Path):
    shot = tmp_path / "sign-in.png"
    done = run_counter(
        "--server", demo_hall.base_url, "--screenshot", str(shot), "--exit-after", "60",
        "--ledscreen", "", "--evalpad", "", "--idcard", "",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert png_size(shot) == (1366, 768)


def test_an_unreachable_server_exits_2_after_the_wait(tmp_path: Path):
    server = f"http://127.0.0.1:{free_port()}"
    done = run_counter("--server", server, "--screenshot", str(tmp_path / "x.png"), "--exit-after", "3",
                       "--ledscreen", "", "--evalpad", "", "--idcard", "")  # fmt: skip
    assert done.returncode == 2
    assert "没有应答" in done.stderr and server in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_a_window_number_out_of_range_is_a_clear_error():
    done = run_counter("--window", "0")
    assert done.returncode != 0 and "窗口号应为 1-999" in done.stderr
