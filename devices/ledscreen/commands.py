"""Window LED screen commands of HallBus/1 (device type 0x4C 'L'): payload layouts, pure bytes <-> values.

The frame around every payload (SOF, VER, ADDR, SEQ, CMD, LEN, CRC) is described in `devices.hallbus.codec`.
Text is GB18030, at most 240 bytes a line (120 Chinese characters); a screen has 1-8 lines (line 0 on top).

    0x10 SHOW_TEXT   request  [line u8][mode u8: 0 static, 1 scroll][text GB18030, 0-240 bytes]
                     answer   [00]              NAK 04 BAD_PARAM (line or mode), 05 TEXT_TOO_LONG
    0x11 CLEAR       request  []                blanks every line
                     answer   [00]
    0x12 BRIGHTNESS  request  [level u8 0-15]   0 = dark, 15 = brightest
                     answer   [00]              NAK 04 BAD_PARAM above 15
    0x02 STATUS      request  []
                     answer   [00][line count u8][brightness u8][flags u8: b0 LED module fault]
                              then per line: [mode u8][text length u8][text GB18030]

Examples (payloads only; the full SHOW_TEXT frames are in the codec docstring)

    SHOW_TEXT line 0 static "请 A012 号"    00 00 C7 EB 20 41 30 31 32 20 BA C5
    SHOW_TEXT line 1 scroll "欢迎光临"       01 01 BB B6 D3 AD B9 E2 C1 D9
    BRIGHTNESS 8                            08
    STATUS answer, 2 lines ("请 A012 号" static, "欢迎光临" scroll), brightness 8, no fault
        00 02 08 00 | 00 0A C7 EB 20 41 30 31 32 20 BA C5 | 01 08 BB B6 D3 AD B9 E2 C1 D9
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from devices.hallbus.codec import MAX_TEXT_BYTES, PayloadError, Result, decode_text, encode_text

MAX_BRIGHTNESS = 15
MAX_LINES = 8
FLAG_FAULT = 0x01


class DisplayMode(IntEnum):
    STATIC = 0
    SCROLL = 1

    @classmethod
    def named(cls, mode: str | DisplayMode) -> DisplayMode:
        if isinstance(mode, DisplayMode):
            return mode
        try:
            return cls[mode.upper()]
        except KeyError:
            raise ValueError(f"display mode {mode!r} is not static or scroll") from None


@dataclass(frozen=True)
class ShownLine:
    text: str = ""
    mode: DisplayMode = DisplayMode.STATIC


@dataclass(frozen=True)
class ScreenStatus:
    """What the screen shows now, line by line, and how it is."""

    lines: tuple[ShownLine, ...]
    brightness: int
    fault: bool = False

    def text(self, line: int = 0) -> str:
        return self.lines[line].text


def encode_show_text(line: int, mode: DisplayMode, text: str) -> bytes:
    data = encode_text(text)
    if len(data) > MAX_TEXT_BYTES:
        raise ValueError(f"text is {len(data)} bytes in GB18030; a line takes at most {MAX_TEXT_BYTES}")
    if not 0 <= line < MAX_LINES:
        raise ValueError(f"line {line} is not 0-{MAX_LINES - 1}")
    return bytes([line, mode]) + data


def decode_show_text(payload: bytes) -> tuple[int, DisplayMode, str]:
    if len(payload) < 2:
        raise PayloadError(Result.BAD_LENGTH, "SHOW_TEXT needs line and mode")
    if len(payload) - 2 > MAX_TEXT_BYTES:
        raise PayloadError(Result.TEXT_TOO_LONG, f"{len(payload) - 2} text bytes")
    try:
        mode = DisplayMode(payload[1])
    except ValueError:
        raise PayloadError(Result.BAD_PARAM, f"mode {payload[1]}") from None
    return payload[0], mode, _text(payload[2:])


def encode_brightness(level: int) -> bytes:
    if not 0 <= level <= MAX_BRIGHTNESS:
        raise ValueError(f"brightness {level} is not 0-{MAX_BRIGHTNESS}")
    return bytes([level])


def decode_brightness(payload: bytes) -> int:
    if len(payload) != 1:
        raise PayloadError(Result.BAD_LENGTH, "BRIGHTNESS takes one byte")
    if payload[0] > MAX_BRIGHTNESS:
        raise PayloadError(Result.BAD_PARAM, f"brightness {payload[0]}")
    return payload[0]


def encode_screen_status(status: ScreenStatus) -> bytes:
    out = bytearray([len(status.lines), status.brightness, FLAG_FAULT if status.fault else 0])
    for shown in status.lines:
        text = encode_text(shown.text)
        out += bytes([shown.mode, len(text)]) + text
    return bytes(out)


def decode_screen_status(data: bytes) -> ScreenStatus:
    if len(data) < 3:
        raise PayloadError(Result.BAD_LENGTH, f"STATUS answer of {len(data)} bytes")
    count, brightness, flags = data[0], data[1], data[2]
    lines, at = [], 3
    for index in range(count):
        if at + 2 > len(data) or at + 2 + data[at + 1] > len(data):
            raise PayloadError(Result.BAD_LENGTH, f"STATUS answer ends inside line {index}")
        mode, length = data[at], data[at + 1]
        if mode not in tuple(DisplayMode):
            raise PayloadError(Result.BAD_PARAM, f"line {index} mode {mode}")
        lines.append(ShownLine(_text(data[at + 2 : at + 2 + length]), DisplayMode(mode)))
        at += 2 + length
    if at != len(data):
        raise PayloadError(Result.BAD_LENGTH, f"{len(data) - at} bytes after the last line")
    return ScreenStatus(tuple(lines), brightness, bool(flags & FLAG_FAULT))


def _text(data: bytes) -> str:
    try:
        return decode_text(data)
    except UnicodeDecodeError as exc:
        raise PayloadError(Result.BAD_PARAM, f"text is not GB18030: {exc.reason}") from None
