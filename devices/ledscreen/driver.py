"""The real window screen driver: a WindowScreen over HallBus/1 (commands in `devices.ledscreen.commands`)."""

from __future__ import annotations

from devices.hallbus.codec import Command
from devices.hallbus.device import BusDevice
from devices.hallbus.master import parse_reply
from devices.ledscreen.commands import (
    DisplayMode,
    ScreenStatus,
    decode_screen_status,
    encode_brightness,
    encode_show_text,
)


class LedScreen(BusDevice):
    def show(self, text: str, line: int = 0, mode: str | DisplayMode = "static") -> None:
        self.request(Command.SHOW_TEXT, encode_show_text(line, DisplayMode.named(mode), text))

    def clear(self) -> None:
        self.request(Command.CLEAR)

    def set_brightness(self, level: int) -> None:
        self.request(Command.BRIGHTNESS, encode_brightness(level))

    def status(self) -> ScreenStatus:
        data = self.request(Command.STATUS)
        return parse_reply(decode_screen_status, data, f"screen STATUS from address {self.address}")
