"""A thermal ticket printer on the other end of the wire: parses ESC/POS, answers DLE EOT, keeps paper and
cover state, and remembers what it printed (text lines, QR payloads, an image of every ticket).

Wire protocol: the host sends ESC/POS (`devices.printer.escpos_parser` lists the commands understood); the
printer sends one byte back for each `DLE EOT n` (10 04 n), and nothing else:

    state            DLE EOT 1   DLE EOT 2   DLE EOT 4
    ready            12          12          12
    paper near end   12          12          1E
    paper out        1A          32          7E
    cover open       1A          16          12 (1E / 7E with the paper state)
    not answering    -           -           -

While offline (paper out or cover open) everything printable is dropped and counted in `dropped_bytes`
(a real printer would keep it in its buffer and print it after recovery; the driver never sends then).
With `paper_left_mm` the roll runs down at 8 dots per mm: near end below `near_end_mm`, out at zero — in the
middle of a job if need be. With `baud` the printer takes bytes off the wire no faster than that rate
(10 bits a byte), as a real serial printer does; a pty alone would deliver them at memory speed.

Double-byte text is decoded with `encoding` only in Chinese mode (FS &, or `chinese_default=True` for a
printer set to it by DIP switch); otherwise bytes >= 0x80 print as code page 437, as a misconfigured printer
would. In strict mode every command outside the known set is recorded in `errors`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import qrcode
from PIL import Image
from qrcode.exceptions import DataOverflowError

from devices.printer.escpos_parser import Command, EscposParser
from devices.printer.render import ALIGN_LEFT, CELL_HEIGHT, Bitmap, Element, Feed, Glyph, TextLine, render
from devices.printer.render import element_height as _height
from devices.printer.status import (
    COVER_OPEN,
    OFFLINE,
    PAPER_END,
    PAPER_END_STOP,
    PAPER_NEAR_END,
    STATUS_PATTERN,
)
from devices.transport import BytePort

DOTS_PER_MM = 8
DEFAULT_LINE_SPACING = 30
PAPER_MARGIN = 32  # 4 mm each side: 80 mm paper under a 72 mm head
QR_EC = {48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M}
QR_EC |= {50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H}
PRINTING = frozenset({"text", "lf", "ht", "feed_lines", "feed_dots", "raster", "cut"})
SETTINGS_ONLY = frozenset(
    {"cr", "double_strike", "underline", "font", "code_page", "upside_down", "buzzer", "drawer", "invert"}
    | {"smoothing", "transmit_status", "chinese_print_mode", "chinese_code_system", "ff"}
)


@dataclass
class PrintedPage:
    """One ticket: everything printed since the previous cut."""

    width: int
    elements: list[Element] = field(default_factory=list)
    qr_texts: list[str] = field(default_factory=list)  # payloads of QR codes drawn by the printer (GS ( k)
    cut: str = ""  # "full", "partial", or "" while still on the roll

    @property
    def lines(self) -> list[str]:
        return [element.text.rstrip() for element in self.elements if isinstance(element, TextLine)]

    @property
    def height(self) -> int:
        return sum(_height(element) for element in self.elements)

    def image(self, margin: int = PAPER_MARGIN) -> Image.Image:
        """The ticket as it comes out: the printed area with the paper's unprinted margins around it."""
        printed = render(self.elements, self.width)
        paper = Image.new("L", (printed.width + 2 * margin, printed.height + 2 * margin), 255)
        paper.paste(printed, (margin, margin))
        return paper

    def save_png(self, path: str | Path) -> None:
        self.image().save(path)


@dataclass
class _Run:
    data: bytes
    chinese: bool
    bold: bool
    width: int
    height: int


@dataclass
class _Head:
    """Settings ESC @ resets."""

    align: int = ALIGN_LEFT
    bold: bool = False
    width: int = 1
    height: int = 1
    line_spacing: int = DEFAULT_LINE_SPACING
    qr_size: int = 3
    qr_ec: int = 48
    qr_data: bytes = b""
    runs: list[_Run] = field(default_factory=list)
    line_align: int = ALIGN_LEFT


class EscposSimulator:
    def __init__(
        self,
        *,
        paper: str = "ok",
        cover: str = "closed",
        answering: bool = True,
        width_dots: int = 576,
        encoding: str = "gb18030",
        chinese_default: bool = False,
        strict: bool = True,
        baud: int = 0,
        paper_left_mm: float | None = None,
        near_end_mm: float = 30.0,
        save_dir: str | Path | None = None,
    ) -> None:
        if paper not in ("ok", "near_end", "out") or cover not in ("closed", "open"):
            raise ValueError(f"paper={paper!r} cover={cover!r}: paper is ok|near_end|out, cover closed|open")
        self.paper = paper
        self.cover_open = cover == "open"
        self.answering = answering
        self.width_dots = width_dots
        self.encoding = encoding
        self.chinese_default = chinese_default
        self.strict = strict
        self.baud = baud
        self.paper_left_mm = paper_left_mm
        self.near_end_mm = near_end_mm
        self.save_dir = Path(save_dir) if save_dir else None
        self.pages: list[PrintedPage] = []
        self.current = PrintedPage(width_dots)
        self.transcript: list[tuple[str, bytes]] = []
        self.errors: list[str] = []
        self.dropped_bytes = 0
        self.bytes_received = 0
        self._lock = threading.RLock()
        self._parser = EscposParser()
        self._head = _Head()
        self._chinese = chinese_default
        self._wire_free_at = 0.0

    # --- the wire -------------------------------------------------------------------------------------------

    def serve(self, port: BytePort, stop: threading.Event) -> None:
        self._parser = EscposParser()  # a new connection starts at a command boundary
        chunk = max(self.baud // 10 // 100, 1) if self.baud else 65536
        while not stop.is_set():
            data = port.read(chunk, 0.05)
            if not data:
                continue
            self._pace(len(data))
            for reply in self.receive(data):
                port.write(reply)

    def _pace(self, count: int) -> None:
        if not self.baud:
            return
        now = time.monotonic()
        self._wire_free_at = max(self._wire_free_at, now) + count * 10 / self.baud
        time.sleep(max(self._wire_free_at - now, 0))

    def receive(self, data: bytes) -> list[bytes]:
        """Take bytes from the host; return the bytes the printer sends back."""
        with self._lock:
            self.transcript.append(("rx", data))
            self.bytes_received += len(data)
            replies = [reply for command in self._parser.feed(data) if (reply := self._apply(command))]
            self.transcript.extend(("tx", reply) for reply in replies)
            return replies

    # --- faults a test or a person sets ---------------------------------------------------------------------

    def set_paper(self, level: str, left_mm: float | None = None) -> None:
        with self._lock:
            self.paper = level
            self.paper_left_mm = left_mm

    def set_cover(self, open_: bool) -> None:
        with self._lock:
            self.cover_open = open_

    @property
    def online(self) -> bool:
        return not self.cover_open and self.paper != "out"

    def status_byte(self, n: int) -> int | None:
        """The answer to DLE EOT n in the present state."""
        if not self.answering:
            return None
        value = STATUS_PATTERN
        if n == 1 and not self.online:
            value |= OFFLINE
        if n == 2:
            value |= (COVER_OPEN if self.cover_open else 0) | (PAPER_END_STOP if self.paper == "out" else 0)
        if n == 4:
            value |= {"ok": 0, "near_end": PAPER_NEAR_END, "out": PAPER_NEAR_END | PAPER_END}[self.paper]
        return value

    def all_pages(self) -> list[PrintedPage]:
        """Cut tickets, then what is on the roll since the last cut (if anything)."""
        with self._lock:
            return self.pages + ([self.current] if self.current.elements else [])

    # --- the printer ----------------------------------------------------------------------------------------

    def _apply(self, command: Command) -> bytes:
        if command.name == "status":
            answer = self.status_byte(command.args[0])
            return b"" if answer is None else bytes([answer])
        prints = command.name in PRINTING or (command.name == "code2d" and command.args[1:] == (81,))
        if prints and not self.online:
            self.dropped_bytes += len(command.raw)
            return b""
        handler = getattr(self, f"_do_{command.name}", None)
        if handler is not None:
            handler(command)
        elif command.name not in SETTINGS_ONLY and self.strict:
            self.errors.append(
                f"unsupported command {command.raw[:3].hex(' ')} at byte {self.bytes_received}"
            )
        return b""

    def _do_init(self, _: Command) -> None:
        self._head = _Head()
        self._chinese = self.chinese_default

    def _do_align(self, command: Command) -> None:
        self._head.align = command.args[0] % 48

    def _do_bold(self, command: Command) -> None:
        self._head.bold = bool(command.args[0] & 1)

    def _do_size(self, command: Command) -> None:
        self._head.width = (command.args[0] >> 4) + 1
        self._head.height = (command.args[0] & 0x07) + 1

    def _do_print_mode(self, command: Command) -> None:
        mode = command.args[0]  # ESC ! n; applied to every character here (firmware: single-byte only)
        self._head.bold = bool(mode & 0x08)
        self._head.width = 2 if mode & 0x20 else 1
        self._head.height = 2 if mode & 0x10 else 1

    def _do_line_spacing(self, command: Command) -> None:
        self._head.line_spacing = command.args[0]

    def _do_line_spacing_default(self, _: Command) -> None:
        self._head.line_spacing = DEFAULT_LINE_SPACING

    def _do_chinese_on(self, _: Command) -> None:
        self._chinese = True

    def _do_chinese_off(self, _: Command) -> None:
        self._chinese = False

    def _do_text(self, command: Command) -> None:
        head = self._head
        if not head.runs:
            head.line_align = head.align
        style = (self._chinese, head.bold, head.width, head.height)
        last = head.runs[-1] if head.runs else None
        if last and (last.chinese, last.bold, last.width, last.height) == style:
            last.data += command.data
        else:
            head.runs.append(_Run(command.data, *style))

    def _do_ht(self, _: Command) -> None:
        columns = sum(glyph.columns for glyph in self._glyphs())
        self._do_text(Command("text", b"", data=b" " * (8 - columns % 8)))

    def _do_lf(self, _: Command) -> None:
        if not self._flush_line():
            self._put(Feed(self._head.line_spacing))

    def _do_feed_lines(self, command: Command) -> None:
        self._flush_line()
        self._put(Feed(command.args[0] * self._head.line_spacing))

    def _do_feed_dots(self, command: Command) -> None:
        self._flush_line()
        self._put(Feed(command.args[0]))

    def _do_raster(self, command: Command) -> None:
        self._flush_line()
        mode, width_bytes, height = command.args
        rows = np.frombuffer(command.data, dtype=np.uint8).reshape(height, width_bytes)
        image = Image.fromarray(((1 - np.unpackbits(rows, axis=1)) * 255).astype(np.uint8), "L")
        scale = (2 if mode & 1 else 1, 2 if mode & 2 else 1)
        if scale != (1, 1):
            image = image.resize((image.width * scale[0], image.height * scale[1]), Image.Resampling.NEAREST)
        self._put(Bitmap(image, self._head.align))

    def _do_code2d(self, command: Command) -> None:
        if len(command.args) < 2 or command.args[0] != 0x31:
            self.errors.append(f"2D code command {command.raw[:8].hex(' ')} is not a QR command")
            return
        function = command.args[1]
        if function in (67, 69) and not command.data:
            self.errors.append(f"QR setting {command.raw.hex(' ')} without its value")
            return
        if function == 67:  # module size
            self._head.qr_size = command.data[0]
        elif function == 69:  # error correction level
            self._head.qr_ec = command.data[0]
        elif function == 80:  # store: '0' then the data
            self._head.qr_data = command.data[1:]
        elif function == 81:  # print
            self._print_qr()

    def _print_qr(self) -> None:
        self._flush_line()
        text = self._head.qr_data.decode("utf-8", errors="replace")
        code = qrcode.QRCode(box_size=1, border=2, error_correction=QR_EC.get(self._head.qr_ec, 0))
        code.add_data(text)
        try:
            code.make(fit=True)
        except DataOverflowError:
            self.errors.append(f"QR data of {len(self._head.qr_data)} bytes does not fit a QR code")
            return
        modules = np.array(code.get_matrix(), dtype=bool)
        pixels = np.kron(~modules, np.ones((self._head.qr_size, self._head.qr_size), dtype=bool))
        self._put(Bitmap(Image.fromarray(pixels.astype(np.uint8) * 255, "L"), self._head.align))
        self.current.qr_texts.append(text)

    def _do_cut(self, command: Command) -> None:
        self._flush_line()
        mode = command.args[0]
        if len(command.args) > 1:
            self._put(Feed(command.args[1]))
        if not self.online:
            return
        self.current.cut = "partial" if mode in (1, 49, 66, 98, 104) else "full"
        self.pages.append(self.current)
        if self.save_dir is not None:
            self.current.save_png(self.save_dir / f"ticket-{len(self.pages):04d}.png")
        self.current = PrintedPage(self.width_dots)

    # --- the line buffer and the roll -----------------------------------------------------------------------

    def _glyphs(self) -> list[Glyph]:
        glyphs = []
        for run in self._head.runs:
            text = run.data.decode(self.encoding if run.chinese else "cp437", errors="replace")
            for ch in text:
                columns = 2 if run.chinese and len(ch.encode(self.encoding, errors="replace")) > 1 else 1
                glyphs.append(Glyph(ch, columns, run.width, run.height, run.bold))
        return glyphs

    def _flush_line(self) -> bool:
        """Print the line buffer, wrapping at the paper edge as the printer does; False if it was empty."""
        glyphs = self._glyphs()
        if not glyphs:
            return False
        line: list[Glyph] = []
        for glyph in glyphs:
            if line and sum(g.dots[0] for g in line) + glyph.dots[0] > self.width_dots:
                self._put_line(line)
                line = []
            line.append(glyph)
        self._put_line(line)
        self._head.runs = []
        return True

    def _put_line(self, glyphs: list[Glyph]) -> None:
        tallest = max(glyph.dots[1] for glyph in glyphs)
        advance = max(self._head.line_spacing, tallest + self._head.line_spacing - CELL_HEIGHT)
        self._put(TextLine(tuple(glyphs), self._head.line_align, advance))

    def _put(self, element: Element) -> None:
        if not self.online:
            return
        self.current.elements.append(element)
        if self.paper_left_mm is None:
            return
        self.paper_left_mm -= _height(element) / DOTS_PER_MM
        if self.paper_left_mm <= 0:
            self.paper = "out"
        elif self.paper_left_mm < self.near_end_mm:
            self.paper = "near_end"
