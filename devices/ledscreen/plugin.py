"""Plugin of kind `ledscreen`: window LED screens on HallBus/1.

serial:///dev/ttyUSB0?baud=9600&addr=3     a screen at address 3 on a serial/RS-485 line
sim://ledscreen?addr=3&lines=2&crc=1       the simulator on a pty (options in devices.ledscreen.simulator)
"""

from __future__ import annotations

from collections.abc import Iterator

from devices.errors import DeviceFault
from devices.hallbus.device import bus_options, open_master
from devices.ledscreen.driver import LedScreen
from devices.ledscreen.simulator import LedScreenSim
from devices.transport import DeviceUrl, RunningSimulator, start_pty_simulator

TEST_TEXT = "测试 TEST 0123"


def open_device(url: DeviceUrl) -> LedScreen:
    options = bus_options(url)
    master, release, running = open_master(url, LedScreenSim.from_options)
    return LedScreen(
        master,
        int(options["address"]),
        timeout=float(options["timeout"]),
        retries=int(options["retries"]),
        on_close=release,
        simulator=running,
    )


def selftest(url: DeviceUrl) -> Iterator[str]:
    """Identity, status and a text round trip; a module fault or text that does not come back is raised
    (DeviceFault) after the screen's own line is restored and the line statistics are printed."""
    screen = open_device(url)
    try:
        yield f"窗口屏 {url.raw}（地址 {screen.address}）"
        identity = screen.identify()
        major, minor = identity.firmware
        yield f"设备类型 {identity.type_name}，型号 {identity.model}，固件 {major}.{minor}"
        before = screen.status()
        health = "模组故障" if before.fault else "无故障"
        yield f"亮度 {before.brightness}/15，{health}，共 {len(before.lines)} 行"
        for index, shown in enumerate(before.lines):
            yield f"  第 {index} 行（{shown.mode.name.lower()}）：{shown.text or '（空）'}"
        screen.show(TEST_TEXT, line=0)
        echoed = screen.status().text(0)
        yield f"测试文字往返：{'一致' if echoed == TEST_TEXT else f'不一致，回读为 {echoed!r}'}"
        screen.show(before.lines[0].text, line=0, mode=before.lines[0].mode)
        stats = screen.master.stats
        yield (
            f"请求 {stats.requests} 次，重发 {stats.retransmissions} 次，"
            f"校验错误 {screen.master.crc_errors} 次"
        )
        if before.fault:
            raise DeviceFault("窗口屏报告模组故障，请检修显示模组", code="LEDSCREEN_MODULE_FAULT")
        if echoed != TEST_TEXT:
            raise DeviceFault(
                "窗口屏回读的文字与发送的不一致", code="LEDSCREEN_TEXT_MISMATCH", detail=repr(echoed)
            )
    finally:
        screen.close()


def start_simulator(options: dict[str, str]) -> RunningSimulator:
    return start_pty_simulator(LedScreenSim.from_options(options), name="ledscreen")
