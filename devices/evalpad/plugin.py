"""Plugin of kind `evalpad`: keypad raters on HallBus/1 and tablet pads on EvalPad/1.

serial:///dev/ttyUSB0?baud=9600&addr=4               a 5-key keypad rater at address 4 (HallBus/1)
tcp://10.0.5.21:7001?window=5                        a tablet pad (EvalPad/1); options window, ack_timeout,
                                                     heartbeat, dead_after
sim://evalpad?proto=hallbus&addr=4&press=satisfied&delay=0.2    simulated keypad on a pty
sim://evalpad?proto=json&press=dissatisfied&delay=0.5&drop=1    scripted tablet pad on loopback TCP
"""

from __future__ import annotations

from collections.abc import Iterator

from devices.errors import DeviceUnavailable
from devices.evalpad.jsonpad import JsonEvalPad
from devices.evalpad.jsonpad_sim import ScriptedPad
from devices.evalpad.keypad import KeypadRater
from devices.evalpad.keypad_sim import KeypadSim
from devices.evalpad.rating import Staff
from devices.hallbus.device import bus_options, open_master
from devices.transport import (
    DeviceUrl,
    DeviceUrlError,
    RunningSimulator,
    parse_device_url,
    start_pty_simulator,
    start_tcp_simulator,
)

PROTOCOLS = ("json", "hallbus")


def open_device(url: DeviceUrl) -> KeypadRater | JsonEvalPad:
    if url.scheme == "serial" or (url.scheme == "sim" and _protocol(url.options) == "hallbus"):
        return _open_keypad(url)
    if url.scheme == "tcp":
        return _open_tablet(url)
    if url.scheme == "sim":
        running = start_simulator(url.options)
        return _open_tablet(parse_device_url(running.endpoint + "?" + _query(url)), running)
    raise DeviceUrlError(f"{url.raw}: an evaluation pad is opened by a serial://, tcp:// or sim:// URL")


def selftest(url: DeviceUrl) -> Iterator[str]:
    pad = open_device(url)
    wait = url.float_option("test_timeout", 8.0)
    try:
        yield f"评价器 {url.raw}"
        if isinstance(pad, JsonEvalPad):
            pad.wait_connected(pad.connect_timeout + 1.0)
            yield f"往返 ping {pad.ping() * 1000:.1f} ms"
        status = pad.status()
        online = "在线" if status.connected else "离线"
        yield f"{status.kind}：{online}，编号 {status.pad_id}，型号 {status.model}"
        yield f"  {status.detail}"
        if not status.connected:
            raise DeviceUnavailable("评价器无应答，请检查连线和电源", code="EVALPAD_OFFLINE", detail=url.raw)
        yield f"测试评价请求（票号 TEST，{wait:g} 秒内请在评价器上按任一评价键）……"
        tester = Staff("0000", "测试")
        rating = pad.request_rating(
            "TEST", tester, wait, window_no=url.option("window", "自检"), matter="设备自检"
        )
        if rating is None:
            yield "未收到评价（超时或已取消）：请求与应答往返正常"
        else:
            detail = f"，指标 {','.join(rating.indicators)}" if rating.indicators else ""
            yield f"收到评价：{rating.level.label}（{rating.level.name}）{detail}"
    finally:
        pad.close()


def start_simulator(options: dict[str, str]) -> RunningSimulator:
    if _protocol(options) == "hallbus":
        return start_pty_simulator(KeypadSim.from_options(options), name="evalpad-keypad")
    return start_tcp_simulator(ScriptedPad.from_options(options), name="evalpad-tablet")


def _open_keypad(url: DeviceUrl) -> KeypadRater:
    options = bus_options(url)
    master, release, running = open_master(url, KeypadSim.from_options)
    return KeypadRater(
        master,
        int(options["address"]),
        timeout=float(options["timeout"]),
        retries=int(options["retries"]),
        poll_interval=url.float_option("poll", 0.25),
        on_close=release,
        simulator=running,
    )


def _open_tablet(url: DeviceUrl, running: RunningSimulator | None = None) -> JsonEvalPad:
    if url.port is None:
        raise DeviceUrlError(f"{url.raw}: a tablet pad URL needs a port, e.g. tcp://10.0.5.21:7001")
    return JsonEvalPad(
        url.target,
        url.port,
        window_no=url.option("window", ""),
        ack_timeout=url.float_option("ack_timeout", 2.0),
        heartbeat_s=url.float_option("heartbeat", 10.0),
        dead_after_s=url.float_option("dead_after", 30.0),
        simulator=running,
        on_close=running.stop if running is not None else None,
    )


def _protocol(options: dict[str, str]) -> str:
    protocol = options.get("proto", "json")
    if protocol not in PROTOCOLS:
        raise DeviceUrlError(f"proto={protocol!r}: use one of {', '.join(PROTOCOLS)}")
    return protocol


def _query(url: DeviceUrl) -> str:
    driver_options = ("window", "ack_timeout", "heartbeat", "dead_after")
    return "&".join(f"{name}={url.options[name]}" for name in driver_options if name in url.options)
