"""`yimen devices`, run as the installed console script against sim:// URLs."""

from __future__ import annotations

import argparse
import select
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices import cli, registry
from devices.idcard.cards import CARDS
from devices.idcard.plugin import card_lines
from devices.idcard.reader import SamReader

YIMEN = Path(sys.executable).with_name("yimen")
if not YIMEN.exists():  # not a venv: the console script is wherever pip put it
    YIMEN = Path(shutil.which("yimen") or "yimen")
FAST = "pace=0&timeout=0.3&read_timeout=0.5"


def yimen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(YIMEN), *args], capture_output=True, text=True, timeout=30, check=False)


def test_list_shows_kinds_and_serial_ports() -> None:
    result = yimen("devices", "list")
    assert result.returncode == 0, result.stderr
    assert "idcard     身份证阅读器 (GA 467)  [可用]" in result.stdout
    for kind in registry.KINDS:
        assert kind in result.stdout
    assert "串口:" in result.stdout


@pytest.mark.parametrize("name", sorted(CARDS))
def test_selftest_prints_every_decoded_field_in_full(name: str) -> None:
    result = yimen("devices", "selftest", f"sim://idcard?card={name}&{FAST}")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "安全模块状态: 正常" in lines
    assert "安全模块号: 05.01-20230615-0000123456-0987654321" in result.stdout
    card = CARDS[name]
    for line in card_lines(card):
        assert line in lines
    for value in (card.name, card.id_number, card.address, card.name_en, card.pass_number):
        if value:
            assert value in result.stdout


def test_selftest_of_a_failed_sam_exits_non_zero() -> None:
    result = yimen("devices", "selftest", f"sim://idcard?sam=fail&{FAST}")
    assert result.returncode == 1
    assert "安全模块状态: 自检失败" in result.stdout
    assert "IDCARD_SAM_SELFTEST_FAILED" in result.stderr
    assert "Traceback" not in result.stderr


def test_selftest_with_no_card() -> None:
    result = yimen("devices", "selftest", f"sim://idcard?{FAST}")
    assert result.returncode == 0
    assert result.stdout.splitlines()[-2:] == ["阅读区无证件：放上证件后再运行一次", "自检结论：设备就绪"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["selftest", "serial:///dev/ttyUSB0"], "--kind"),
        (["selftest", "sim://idcard", "--kind", "printer"], "不一致"),
        (["selftest", "sim://idcard?colour=blue"], "colour"),
        (["selftest", "serial:///dev/ttyUSB0", "--kind", "toaster"], "unknown device kind"),
        (["sim", "idcard", "--option", "card"], "KEY=VALUE"),
        (["selftest", "gopher://x"], "unknown scheme"),
    ],
)
def test_mistakes_are_one_line_errors(args: list[str], message: str) -> None:
    result = yimen("devices", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_port_is_no_answer() -> None:
    result = yimen("devices", "selftest", "serial:///dev/yimen-no-such-port", "--kind", "idcard")
    assert result.returncode == 3
    assert "IDCARD_UNAVAILABLE" in result.stderr


@pytest.fixture
def standalone_simulator() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [str(YIMEN), "devices", "sim", "idcard", "-o", "card=foreign_pr_2023", "-o", "pace=0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As a non-interactive shell starts a background job: SIGINT ignored. Ctrl-C must still stop it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 15)
    assert ready, "the simulator printed no endpoint"
    endpoint = process.stdout.readline().strip()
    yield process, endpoint
    if process.poll() is None:
        process.kill()
        process.wait(5)


def test_sim_serves_the_real_driver_until_ctrl_c(
    standalone_simulator: tuple[subprocess.Popen[str], str],
) -> None:
    process, endpoint = standalone_simulator
    assert endpoint.startswith("serial:///dev/pts/")
    with SamReader(endpoint.removeprefix("serial://"), timeout=0.3, read_timeout=0.5) as reader:
        assert reader.find_card()
        reader.select_card()
        assert reader.read_card() == CARDS["foreign_pr_2023"]
    result = yimen("devices", "selftest", f"{endpoint}?timeout=0.3", "--kind", "idcard")
    assert result.returncode == 0, result.stderr
    assert "英文姓名: GONZALEZ RODRIGUEZ, MARIA DE LA FUENTE" in result.stdout
    process.send_signal(signal.SIGINT)
    assert process.wait(15) == 0
    assert process.stderr is not None
    assert "模拟器已停止" in process.stderr.read()


@pytest.fixture
def devices_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yimen")
    cli.register(parser.add_subparsers(dest="command", required=True))
    return parser


def run(parser: argparse.ArgumentParser, *args: str) -> int:
    namespace = parser.parse_args(["devices", *args])
    status: int = namespace.run(namespace)
    return status


def test_a_kind_whose_plugin_is_not_there_yet_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    devices_parser: argparse.ArgumentParser,
) -> None:
    monkeypatch.setitem(
        registry.KINDS, "ghost", registry.DeviceKind("ghost", "幽灵设备", "devices.ghost.plugin")
    )
    assert run(devices_parser, "selftest", "sim://ghost") == 2
    assert run(devices_parser, "sim", "ghost") == 2
    errors = capsys.readouterr().err.splitlines()
    assert (
        errors
        == [
            "yimen devices: 设备类型 ghost（幽灵设备）的驱动尚未安装：没有模块 devices.ghost.plugin",
        ]
        * 2
    )
    assert run(devices_parser, "list") == 0
    assert "ghost      幽灵设备  [驱动未安装]" in capsys.readouterr().out


def test_a_plugin_missing_a_dependency_names_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    devices_parser: argparse.ArgumentParser,
) -> None:
    module = "tests.devices.idcard.missing_dependency_plugin"
    monkeypatch.setitem(registry.KINDS, "needy", registry.DeviceKind("needy", "缺依赖的设备", module))
    assert run(devices_parser, "sim", "needy") == 2
    assert "缺少依赖模块 yimen_test_dependency_that_is_not_installed" in capsys.readouterr().err


def test_printer_test_page_through_the_simulator() -> None:
    printed = yimen("devices", "testpage", "sim://printer")
    assert printed.returncode == 0, printed.stderr
    assert "已发送测试页" in printed.stdout
    picture = Path(printed.stdout.split("模拟打印机输出图片：")[1].strip())
    assert picture.stat().st_size > 1000
    paper_out = yimen("devices", "testpage", "sim://printer?paper=out")
    assert paper_out.returncode == 1 and "缺纸" in paper_out.stdout
    wrong = yimen("devices", "testpage", "sim://idcard")
    assert wrong.returncode == 2 and "不是打印机" in wrong.stderr
