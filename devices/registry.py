"""The kinds of device Yimen drives, and where each kind's plugin module lives.

A plugin module (imported only when its kind is used, so that e.g. OpenCV is not loaded to print a ticket)
provides three functions:

    open_device(url: DeviceUrl) -> driver          the real driver; for sim:// it starts the simulator first
    selftest(url: DeviceUrl) -> Iterator[str]       lines a technician reads at the device
    start_simulator(options: dict[str, str]) -> RunningSimulator   for `yimen devices sim KIND`
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from devices.transport import RunningSimulator, parse_device_url


@dataclass(frozen=True)
class DeviceKind:
    name: str
    title: str
    module: str

    def plugin(self) -> ModuleType:
        return importlib.import_module(self.module)


KINDS: dict[str, DeviceKind] = {
    kind.name: kind
    for kind in (
        DeviceKind("idcard", "身份证阅读器 (GA 467)", "devices.idcard.plugin"),
        DeviceKind("printer", "热敏票据打印机 (ESC/POS)", "devices.printer.plugin"),
        DeviceKind("camera", "摄像头 (OpenCV)", "devices.camera.plugin"),
        DeviceKind("ledscreen", "窗口屏 (HallBus/1)", "devices.ledscreen.plugin"),
        DeviceKind("evalpad", "评价器 (EvalPad/1)", "devices.evalpad.plugin"),
        DeviceKind("voice", "语音叫号", "devices.voice.plugin"),
    )
}


class UnknownDeviceKind(KeyError):
    pass


def kind_named(name: str) -> DeviceKind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownDeviceKind(f"unknown device kind {name!r}; known: {', '.join(KINDS)}") from None


def open_device(kind: str, url: str) -> Any:
    return kind_named(kind).plugin().open_device(parse_device_url(url))


def selftest(kind: str, url: str) -> Iterator[str]:
    lines: Iterator[str] = kind_named(kind).plugin().selftest(parse_device_url(url))
    return lines


def start_simulator(kind: str, options: dict[str, str]) -> RunningSimulator:
    running: RunningSimulator = kind_named(kind).plugin().start_simulator(options)
    return running
