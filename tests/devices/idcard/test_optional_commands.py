"""Readers without the optional commands (30 03 appended address, 30 10 read with fingerprint): the reader
answers SW3 21, and that is a missing feature, not a broken reader."""

from __future__ import annotations

import select
import signal
import subprocess
from collections.abc import Callable, Iterator

import pytest

from devices.idcard import protocol
from devices.idcard.cards import CARDS, NEW_ADDRESSES, sim_card
from devices.idcard.errors import CommandNotSupportedError
from devices.idcard.reader import SamReader
from devices.idcard.simulator import IdCardSimulator
from devices.transport import start_pty_simulator
from tests.devices.idcard.conftest import MakeRig
from tests.devices.idcard.test_cli import YIMEN, yimen

NO_OPTIONAL = frozenset[protocol.Cmd]()
FAST = "timeout=0.3&read_timeout=0.5"


@pytest.fixture
def basic_reader() -> Iterator[tuple[IdCardSimulator, SamReader]]:
    """A reader without either optional command, a card with fingerprint and appended address on it."""
    simulator = IdCardSimulator(sim_card("resident_minority"), pace=False, optional=NO_OPTIONAL)
    running = start_pty_simulator(simulator, "idcard-basic")
    reader = SamReader(running.endpoint, timeout=0.3, read_timeout=0.5)
    reader.open()
    yield simulator, reader
    reader.close()
    running.stop()


def test_a_reader_without_them_reads_the_card_and_says_what_it_lacks(
    basic_reader: tuple[IdCardSimulator, SamReader],
) -> None:
    simulator, reader = basic_reader
    assert reader.find_card()
    reader.select_card()
    card = reader.read_card(with_fingerprint=True)
    assert card.id_number == CARDS["resident_minority"].id_number and card.fingerprint is None
    with pytest.raises(CommandNotSupportedError) as raised:
        reader.read_new_address()
    assert raised.value.code == "IDCARD_HOST_COMMAND" and raised.value.sw3 == 0x21
    assert reader.unsupported == {protocol.READ_WITH_FINGERPRINT, protocol.READ_NEW_ADDRESS}
    reader.read_card(with_fingerprint=True)  # remembered: straight to 30 01
    sent = [request.command for request in simulator.requests()]
    assert sent.count(protocol.READ_WITH_FINGERPRINT) == 1
    assert sent.count(protocol.READ) == 2


def test_a_full_reader_reads_fingerprint_and_address(make_rig: MakeRig) -> None:
    rig = make_rig("resident_minority")
    assert rig.reader.find_card()
    rig.reader.select_card()
    card = rig.reader.read_card(with_fingerprint=True)
    assert card.fingerprint == CARDS["resident_minority"].fingerprint is not None
    assert rig.reader.read_new_address() == NEW_ADDRESSES["resident_minority"]
    assert rig.reader.unsupported == set()


@pytest.mark.parametrize(
    ("optional", "fingerprint", "address"),
    [
        ("none", "指纹: 不可用：本阅读器不支持此功能（命令 30 10），已读文字和相片", "不可用"),
        ("fingerprint", "指纹: 1024 字节", "不可用"),
        ("address", "指纹: 不可用", "示例路8号"),
        ("all", "指纹: 1024 字节", "示例路8号"),
    ],
)
def test_selftest_of_a_sim_url_reports_missing_features_and_exits_0(
    optional: str, fingerprint: str, address: str
) -> None:
    result = yimen(
        "devices", "selftest", f"sim://idcard?card=resident_minority&pace=0&optional={optional}&{FAST}"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert any(line.startswith(fingerprint) for line in lines)
    assert any(line.startswith("最新住址: ") and address in line for line in lines)
    assert f"公民身份号码: {CARDS['resident_minority'].id_number}" in lines
    assert lines[-1] == "自检结论：设备就绪"


StartSim = Callable[..., str]


@pytest.fixture
def standalone_sim() -> Iterator[StartSim]:
    """`yimen devices sim idcard` in its own process: the selftest reaches it over the pty it prints."""
    processes: list[subprocess.Popen[str]] = []

    def start(*options: str) -> str:
        args = [str(YIMEN), "devices", "sim", "idcard", "-o", "pace=0"]
        for option in options:
            args += ["-o", option]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        processes.append(process)
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 15)
        assert ready, "the simulator printed no endpoint"
        endpoint = process.stdout.readline().strip()
        assert endpoint.startswith("serial:///dev/pts/")
        return endpoint

    yield start
    for process in processes:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_selftest_over_a_pty_to_a_reader_without_optional_commands(standalone_sim: StartSim) -> None:
    endpoint = standalone_sim("card=resident_minority", "optional=none")
    result = yimen("devices", "selftest", f"{endpoint}?{FAST}", "--kind", "idcard")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stderr == ""
    lines = result.stdout.splitlines()
    assert "安全模块状态: 正常" in lines
    assert f"姓名: {CARDS['resident_minority'].name}" in lines
    assert "指纹: 不可用：本阅读器不支持此功能（命令 30 10），已读文字和相片" in lines
    assert "最新住址: 不可用：本阅读器不支持此功能（命令 30 03）" in lines
    assert lines[-1] == "自检结论：设备就绪"


def test_sam_failure_over_a_pty_is_still_a_fault(standalone_sim: StartSim) -> None:
    endpoint = standalone_sim("card=resident_male", "optional=none", "sam=fail")
    result = yimen("devices", "selftest", f"{endpoint}?{FAST}", "--kind", "idcard")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "IDCARD_SAM_SELFTEST_FAILED" in result.stderr
    assert "自检结论" not in result.stdout


def test_an_unknown_optional_feature_is_a_usage_error() -> None:
    result = yimen("devices", "selftest", "sim://idcard?optional=photo")
    assert result.returncode == 2
    assert "optional=photo" in result.stderr and "Traceback" not in result.stderr
