"""A simulated window LED screen on HallBus/1: it keeps what it shows, so a test or the counter client in demo
mode can read what the screen shows now (`lines`, `shown_text()`), and answers STATUS with it.

Options (sim:// URL): `addr` (default 1), `lines` (1-8, default 2), `fault=1` (reports an LED module fault),
`pace` (a baud rate: hold each reply for the wire time of request and reply), and the faults of
`devices.hallbus.simulator` (`silent`, `crc`, `wrong_addr`, `garbage`, `split`).
"""

from __future__ import annotations

from collections.abc import Mapping

from devices.hallbus.codec import Command, DeviceType, PayloadError, Result
from devices.hallbus.simulator import Faults, HallBusDeviceSim
from devices.ledscreen.commands import (
    MAX_LINES,
    ScreenStatus,
    ShownLine,
    decode_brightness,
    decode_show_text,
    encode_screen_status,
)


class LedScreenSim(HallBusDeviceSim):
    device_type = DeviceType.LED_SCREEN
    model = "YM-LED-SIM"

    def __init__(
        self,
        address: int = 1,
        *,
        line_count: int = 2,
        fault: bool = False,
        faults: Faults | None = None,
        pace_baud: int | None = None,
    ) -> None:
        super().__init__(address, faults=faults, pace_baud=pace_baud)
        if not 1 <= line_count <= MAX_LINES:
            raise ValueError(f"a screen has 1-{MAX_LINES} lines")
        self.lines = [ShownLine() for _ in range(line_count)]
        self.brightness = 15
        self.fault = fault

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> LedScreenSim:
        pace = int(options.get("pace", "0"))
        return cls(
            int(options.get("addr", "1")),
            line_count=int(options.get("lines", "2")),
            fault=options.get("fault", "0") not in ("0", ""),
            faults=Faults.from_options(options),
            pace_baud=pace or None,
        )

    def shown_text(self, line: int = 0) -> str:
        with self.state_lock:
            return self.lines[line].text

    def handle(self, command: int, payload: bytes) -> bytes:
        if command == Command.SHOW_TEXT:
            line, mode, text = decode_show_text(payload)
            if line >= len(self.lines):
                raise PayloadError(Result.BAD_PARAM, f"line {line} on a {len(self.lines)}-line screen")
            self.lines[line] = ShownLine(text, mode)
        elif command == Command.CLEAR:
            _no_payload(command, payload)
            self.lines = [ShownLine() for _ in self.lines]
        elif command == Command.BRIGHTNESS:
            self.brightness = decode_brightness(payload)
        elif command == Command.STATUS:
            _no_payload(command, payload)
            return encode_screen_status(ScreenStatus(tuple(self.lines), self.brightness, self.fault))
        else:
            raise PayloadError(Result.UNKNOWN_COMMAND, f"command {command:#04x} on a screen")
        return b""


def _no_payload(command: int, payload: bytes) -> None:
    if payload:
        raise PayloadError(Result.BAD_LENGTH, f"command {command:#04x} takes no payload")
