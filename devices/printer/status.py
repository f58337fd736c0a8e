"""ESC/POS real-time status: `DLE EOT n` (10 04 n) and the one byte the printer answers.

The answer has the fixed pattern 0xx1xx10b: bits 0 and 7 clear, bits 1 and 4 set (`(b & 0x93) == 0x12`).
A byte without that pattern is not a status answer. The bits we read:

    n  query              0x04               0x08                 0x20                0x40
    1  printer            drawer pin 3       OFFLINE              waiting recovery    feed button
    2  offline cause      COVER OPEN         feeding by button    PAPER END STOP      ERROR
    4  roll paper sensor  NEAR END (0x0C: bits 2 and 3)           PAPER END (0x60: bits 5 and 6)

    e.g. paper out: 1 → 1A, 2 → 32, 4 → 7E;   all well: 12 12 12;   near end: 12 12 1E.

No answer means the status is UNKNOWN, never "paper OK" (python-escpos 3.1's `paper_status()` returns
"adequate" when nothing answers; we do not use it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

DLE_EOT = b"\x10\x04"
QUERY_PRINTER = 1
QUERY_OFFLINE_CAUSE = 2
QUERY_ERROR_CAUSE = 3
QUERY_PAPER = 4

STATUS_PATTERN_MASK = 0x93
STATUS_PATTERN = 0x12

OFFLINE = 0x08
COVER_OPEN = 0x04
PAPER_END_STOP = 0x20
ERROR = 0x40
PAPER_NEAR_END = 0x0C
PAPER_END = 0x60


def status_query(n: int) -> bytes:
    return DLE_EOT + bytes([n])


def is_status_byte(value: int) -> bool:
    return (value & STATUS_PATTERN_MASK) == STATUS_PATTERN


class PaperLevel(Enum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


PAPER_WORDS = {
    PaperLevel.OK: "纸张充足",
    PaperLevel.NEAR_END: "纸卷将尽，请准备更换",
    PaperLevel.OUT: "缺纸",
    PaperLevel.UNKNOWN: "纸张状态未知",
}


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said. `queryable` is False on write-only links (file://), `answered` False when a
    printer that could answer did not; in both cases every other field is unknown (None / UNKNOWN)."""

    queryable: bool
    answered: bool
    online: bool | None
    cover_open: bool | None
    paper: PaperLevel
    error: bool | None
    answers: tuple[int | None, ...] = ()  # the bytes received for DLE EOT 1, 2, 4, for the technician

    def answers_hex(self) -> str:
        return " ".join("--" if value is None else f"{value:02X}" for value in self.answers)

    def words(self) -> str:
        """The status as a technician or a clerk reads it."""
        if not self.queryable:
            return "状态未知（此连接只能写入，无法查询打印机状态）"
        if not self.answered:
            return "打印机无应答（请检查电源、连接线和端口）"
        parts = ["在线" if self.online else "脱机"]
        if self.cover_open is not None:
            parts.append("纸仓盖打开" if self.cover_open else "纸仓盖已关闭")
        parts.append(PAPER_WORDS[self.paper])
        if self.error:
            parts.append("打印机报告故障")
        return "，".join(parts)


NOT_QUERYABLE = PrinterStatus(False, False, None, None, PaperLevel.UNKNOWN, None)
NO_ANSWER = PrinterStatus(True, False, None, None, PaperLevel.UNKNOWN, None)


def decode_status(printer: int | None, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """Decode the answers to DLE EOT 1, 2 and 4; None (or a byte without the status pattern) = no answer."""
    received = (printer, offline_cause, paper)
    printer_byte, cause_byte, paper_byte = (
        value if value is not None and is_status_byte(value) else None for value in received
    )
    if printer_byte is None:
        return PrinterStatus(True, False, None, None, PaperLevel.UNKNOWN, None, received)
    cover_open = None if cause_byte is None else bool(cause_byte & COVER_OPEN)
    error = None if cause_byte is None else bool(cause_byte & ERROR)
    return PrinterStatus(
        queryable=True,
        answered=True,
        online=not printer_byte & OFFLINE,
        cover_open=cover_open,
        paper=_paper_level(cause_byte, paper_byte),
        error=error,
        answers=received,
    )


def _paper_level(cause_byte: int | None, paper_byte: int | None) -> PaperLevel:
    if paper_byte is not None and paper_byte & PAPER_END:
        return PaperLevel.OUT
    if cause_byte is not None and cause_byte & PAPER_END_STOP:
        return PaperLevel.OUT
    if paper_byte is None:
        return PaperLevel.UNKNOWN
    if paper_byte & PAPER_NEAR_END:
        return PaperLevel.NEAR_END
    return PaperLevel.OK
