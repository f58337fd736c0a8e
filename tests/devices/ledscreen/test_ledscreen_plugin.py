"""The `ledscreen` kind through the registry: URLs, the technician's selftest, the standalone simulator."""

from __future__ import annotations

import os

import pytest

from devices import registry
from devices.errors import DeviceFault, DeviceUnavailable
from devices.evalpad.keypad import KeypadRater
from devices.evalpad.keypad_sim import KeypadSim
from devices.hallbus.simulator import HallBusLine
from devices.ledscreen.driver import LedScreen
from devices.ledscreen.simulator import LedScreenSim
from devices.transport import DeviceUrlError, start_pty_simulator


def test_sim_url_opens_the_real_driver_on_a_simulated_screen() -> None:
    screen = registry.open_device("ledscreen", "sim://ledscreen?addr=7&lines=3&timeout=0.1&retries=1")
    try:
        assert isinstance(screen, LedScreen)
        assert (screen.address, screen.timeout, screen.retries) == (7, 0.1, 1)
        screen.show("请 A012 号", line=2)
        assert screen.simulator is not None
        simulated = screen.simulator.simulator
        assert isinstance(simulated, LedScreenSim)
        assert simulated.shown_text(2) == "请 A012 号"
    finally:
        screen.close()


def test_selftest_reports_status_and_round_trips_a_test_text() -> None:
    lines: list[str] = []
    with pytest.raises(DeviceFault) as raised:  # every line first, then the fault the screen reported
        lines.extend(registry.selftest("ledscreen", "sim://ledscreen?addr=5&fault=1&crc=1"))
    assert raised.value.code == "LEDSCREEN_MODULE_FAULT"
    assert lines[0].startswith("窗口屏 sim://ledscreen")
    assert "LED_SCREEN" in lines[1] and "YM-LED-SIM" in lines[1]
    assert "模组故障" in lines[2]
    assert "测试文字往返：一致" in lines
    assert lines[-1] == "请求 5 次，重发 1 次，校验错误 1 次"


def test_standalone_simulator_serves_a_serial_url() -> None:
    running = registry.start_simulator("ledscreen", {"addr": "3"})
    try:
        screen = registry.open_device(
            "ledscreen", f"serial://{running.endpoint}?baud=9600&addr=3&timeout=0.1"
        )
        screen.show("欢迎光临", mode="scroll")
        screen.close()
        assert isinstance(running.simulator, LedScreenSim)
        assert running.simulator.shown_text(0) == "欢迎光临"
    finally:
        running.stop()


def test_a_screen_and_a_keypad_on_one_adapter_share_its_master() -> None:
    line = HallBusLine([LedScreenSim(3), KeypadSim(4)])
    running = start_pty_simulator(line)
    try:
        screen = registry.open_device("ledscreen", f"serial://{running.endpoint}?addr=3&timeout=0.1")
        keypad = registry.open_device("evalpad", f"serial://{running.endpoint}?addr=4&timeout=0.1")
        assert isinstance(keypad, KeypadRater)
        assert screen.master is keypad.master
        with pytest.raises(DeviceUnavailable, match="9600"):
            registry.open_device("ledscreen", f"serial://{running.endpoint}?addr=5&baud=115200")
        screen.close()
        screen.close()  # closing twice lets go once
        assert keypad.status().connected  # the port stays open for the keypad
        keypad.close()
        assert not keypad.master.port.is_open
    finally:
        running.stop()


@pytest.mark.parametrize(
    "url",
    ["sim://ledscreen?addr=0", "sim://ledscreen?addr=255", "tcp://127.0.0.1:9?addr=3", "file:///dev/null"],
)
def test_urls_that_cannot_name_a_screen(url: str) -> None:
    with pytest.raises(DeviceUrlError):
        registry.open_device("ledscreen", url)


def test_a_missing_port_is_unavailable() -> None:
    with pytest.raises(DeviceUnavailable):
        registry.open_device("ledscreen", "serial:///dev/ttyNOSUCHPORT?addr=3")


@pytest.mark.hardware
def test_real_screen_selftest() -> None:
    """Run with --hardware and YIMEN_TEST_LEDSCREEN_URL=serial:///dev/ttyUSB0?baud=9600&addr=3."""
    url = os.environ.get("YIMEN_TEST_LEDSCREEN_URL")
    assert url, "set YIMEN_TEST_LEDSCREEN_URL to the screen's URL"
    lines = list(registry.selftest("ledscreen", url))
    assert "测试文字往返：一致" in lines
