"""An incremental ESC/POS parser for the commands a ticket job uses (and a few neighbours).

Bytes arrive in arbitrary pieces; `feed` returns every command that is complete and keeps the rest. Text is
returned as raw bytes (runs of bytes >= 0x20): the simulator decodes a line only when it prints it, so a
double-byte character split across two reads is never torn. GB18030 bytes are all >= 0x30, so they cannot be
mistaken for a command.

    fixed-length commands     see FIXED below: prefix → (name, argument bytes)
    1D 56 m [n]               GS V: cut; n follows only for m in 65, 66, 97, 98, 103, 104
    1D 76 30 m xL xH yL yH d  GS v 0: raster image, (xL + 256 xH) bytes per row, (yL + 256 yH) rows
    1D 28 X pL pH d           GS ( X: pL + 256 pH bytes follow (k = 2D codes, L = graphics)
    10 04 n                   DLE EOT n: real-time status
An unknown ESC/GS/FS/DLE command is returned as "unknown" with its first two bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

FIXED: dict[bytes, tuple[str, int]] = {
    b"\x1b@": ("init", 0),
    b"\x1ba": ("align", 1),
    b"\x1bE": ("bold", 1),
    b"\x1bG": ("double_strike", 1),
    b"\x1b-": ("underline", 1),
    b"\x1bM": ("font", 1),
    b"\x1b!": ("print_mode", 1),
    b"\x1bd": ("feed_lines", 1),
    b"\x1bJ": ("feed_dots", 1),
    b"\x1b2": ("line_spacing_default", 0),
    b"\x1b3": ("line_spacing", 1),
    b"\x1bt": ("code_page", 1),
    b"\x1b{": ("upside_down", 1),
    b"\x1bB": ("buzzer", 2),
    b"\x1bp": ("drawer", 3),
    b"\x1d!": ("size", 1),
    b"\x1dB": ("invert", 1),
    b"\x1db": ("smoothing", 1),
    b"\x1dr": ("transmit_status", 1),
    b"\x1c&": ("chinese_on", 0),
    b"\x1c.": ("chinese_off", 0),
    b"\x1c!": ("chinese_print_mode", 1),
    b"\x1cC": ("chinese_code_system", 1),
    b"\x10\x04": ("status", 1),
}
CUT_WITH_FEED = frozenset({65, 66, 97, 98, 103, 104})
SINGLE = {0x0A: "lf", 0x0D: "cr", 0x09: "ht", 0x0C: "ff"}


@dataclass(frozen=True)
class Command:
    name: str
    raw: bytes
    args: tuple[int, ...] = ()
    data: bytes = b""


class EscposParser:
    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Command]:
        self._buffer += data
        commands: list[Command] = []
        pos = 0
        view = bytes(self._buffer)
        while pos < len(view):
            parsed = parse_one(view, pos)
            if parsed is None:
                break
            command, pos = parsed
            commands.append(command)
        del self._buffer[:pos]
        return commands

    @property
    def pending(self) -> int:
        """Bytes of an incomplete command waiting for the rest."""
        return len(self._buffer)


def parse_one(buf: bytes, pos: int) -> tuple[Command, int] | None:
    """The command starting at `pos` and the position after it, or None if it is not complete yet."""
    first = buf[pos]
    if first >= 0x20 and first != 0x7F:
        end = pos
        while end < len(buf) and buf[end] >= 0x20 and buf[end] != 0x7F:
            end += 1
        return Command("text", buf[pos:end], data=buf[pos:end]), end
    if first in SINGLE:
        return Command(SINGLE[first], buf[pos : pos + 1]), pos + 1
    if first not in (ESC, GS, FS, DLE):
        return Command("unknown", buf[pos : pos + 1]), pos + 1
    if len(buf) - pos < 2:
        return None
    prefix = buf[pos : pos + 2]
    if prefix in FIXED:
        name, count = FIXED[prefix]
        end = pos + 2 + count
        if end > len(buf):
            return None
        return Command(name, buf[pos:end], tuple(buf[pos + 2 : end])), end
    if prefix == b"\x1dV":
        return _cut(buf, pos)
    if prefix == b"\x1dv":
        return _raster(buf, pos)
    if prefix == b"\x1d(":
        return _length_prefixed(buf, pos)
    return Command("unknown", prefix), pos + 2


def _cut(buf: bytes, pos: int) -> tuple[Command, int] | None:
    if len(buf) - pos < 3:
        return None
    mode = buf[pos + 2]
    end = pos + (4 if mode in CUT_WITH_FEED else 3)
    if end > len(buf):
        return None
    return Command("cut", buf[pos:end], tuple(buf[pos + 2 : end])), end


def _raster(buf: bytes, pos: int) -> tuple[Command, int] | None:
    header_end = pos + 8
    if header_end > len(buf):
        return None
    if buf[pos + 2] != 0x30:
        return Command("unknown", buf[pos : pos + 3]), pos + 3
    mode, xl, xh, yl, yh = buf[pos + 3 : header_end]
    width_bytes, height = xl + 256 * xh, yl + 256 * yh
    end = header_end + width_bytes * height
    if end > len(buf):
        return None
    return Command("raster", buf[pos:end], (mode, width_bytes, height), buf[header_end:end]), end


def _length_prefixed(buf: bytes, pos: int) -> tuple[Command, int] | None:
    if len(buf) - pos < 5:
        return None
    function = chr(buf[pos + 2])
    length = buf[pos + 3] + 256 * buf[pos + 4]
    end = pos + 5 + length
    if end > len(buf):
        return None
    data = buf[pos + 5 : end]
    if function == "k":
        return Command("code2d", buf[pos:end], tuple(data[:2]), data[2:]), end
    return Command(f"gs_paren_{function}", buf[pos:end], (), data), end
