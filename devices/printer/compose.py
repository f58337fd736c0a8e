"""Layouts → ESC/POS bytes, built on python-escpos's `Dummy` printer, with our own path for Chinese text.

python-escpos 3.1 sends a string as raw GB18030 only if it contains a character in U+4E00–U+9FA5; any
other string goes through single-byte code pages, so "，。：（）" alone prints as "?????" and "¥" as CP437.
Every line of text here is therefore encoded by us (`encode_text`) and sent with `_raw`; python-escpos builds
the other commands. The stream of one job:

    1B 40                 ESC @          initialise
    1C 26                 FS &           Chinese (double-byte) mode on, if the profile asks for it
    1B 61 n               ESC a n        align: 0 left, 1 centre, 2 right
    1D 21 n               GS ! n         character size: width (n >> 4) + 1, height (n & 7) + 1
    1B 45 n               ESC E n        bold on/off
    <text> 0A             GB18030 bytes (never below 0x20), then LF
    1B 74 00 0A           ESC t 0, LF    python-escpos's one-time code page select before its first image
    1D 76 30 m xL xH yL yH <raster>      GS v 0: the QR code as a raster image (profile qr_native=False)
    1D 28 6B ...          GS ( k         the QR code drawn by the printer (profile qr_native=True)
    1B 64 06 1D 56 00     ESC d 6, GS V 0  feed six lines and cut (GS V 1 partial; nothing without cutter)
    1C 2E                 FS .           Chinese mode off

The layouts, top to bottom (every text line wrapped to the paper, never cut mid-character):

    QueueTicket       hall (2×, bold) / 您的排队号 / number (as large as fits) / category (2×) / matter /
                      rule / 前面等候, 预计等候 (bold) / 取号时间 / rule / QR (follow_url) / privacy note
    MissingMaterialsNotice  一次性告知单 (2×) / hall / 编号 / rule / 申请人 (masked), 办理事项 /
                      rule / numbered materials with 原因 and 获取方式 / rule / closing note /
                      受理人, 窗口, 日期 / contact
    CaseReceipt       受理回执 (2×) / hall / rule / 受理编号 (bold), 事项, 申请人 (masked), 时间, 窗口 /
                      承诺办结 (bold; a 即办件: 办理结果 已当场办结) / rule / 查询密码 / QR (query_url) /
                      contact
    (a 一件事: under 办理事项 包含事项, one numbered line per member with its department and, on the
    receipt, its own 编号; the notice, receipt and refusal notice alike)
    RefusalNotice     不予受理通知书 (2×) / hall / 编号 / rule / 申请人 (masked), 办理事项 / rule /
                      不予受理 sentence, 理由 (bold) / rule / remedies / 受理人, 窗口, 日期 / contact
    GuideSheet        办事指南 (2×) / hall / rule / matter (2×, bold) / rule / per section: title (bold), then
                      its lines, each wrapped with continuation lines indented by two columns / rule /
                      closing note / contact / 打印时间

Sizes use GS ! only (ESC ! does not reach double-byte characters on Kanji firmware).

A character the profile's encoding cannot represent (GBK has no 𠮷, 䶮, € or ¥; GB18030 has them all) is
never silently printed as '?': the job raises UnencodableText naming every such character of the job, or,
with the profile's `unencodable="mark"`, prints 〓 in its place and lists it in `PrintJob.substituted`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from devices.printer.errors import UnencodableText
from devices.printer.layouts import (
    CaseReceipt,
    GuideSheet,
    JointMember,
    MissingMaterialsNotice,
    QueueTicket,
    RefusalNotice,
    mask_name,
)
from devices.printer.profiles import PrinterProfile

CLOSING_PUNCTUATION = frozenset("，。、：；！？）》」』”’,.:;!?)")
FONT_A_WIDTH = 12  # dots of a half-width character; a double-byte character is 24


MISSING_MARK = "〓"  # GB 2312 A1FE, the typesetter's mark for a character the font lacks


class PrintJob(bytes):
    """The bytes of one job; `substituted` lists the characters printed as MISSING_MARK (profile
    unencodable="mark"), for a warning the caller shows. Being bytes, it goes wherever a job goes."""

    substituted: tuple[str, ...] = ()

    @classmethod
    def of(cls, data: bytes, substituted: Iterable[str] = ()) -> PrintJob:
        job = cls(data)
        job.substituted = tuple(substituted)
        return job


def unencodable(text: str, encoding: str) -> list[str]:
    """The distinct characters of `text` that `encoding` cannot represent, in order of appearance."""
    return list(dict.fromkeys(ch for ch in text if not _encodable(ch, encoding)))


@lru_cache(maxsize=8192)
def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def encode_text(text: str, encoding: str, *, mark_missing: bool = False) -> bytes:
    """The printer's bytes for one line of text. Control characters become spaces so that text can never
    smuggle a command into the stream. A character outside the encoding raises UnencodableText, or with
    `mark_missing` becomes MISSING_MARK."""
    cleaned = "".join(" " if ord(ch) < 0x20 or ord(ch) == 0x7F else ch for ch in text)
    missing = unencodable(cleaned, encoding)
    if missing and not mark_missing:
        raise UnencodableText(missing, encoding)
    return "".join(MISSING_MARK if ch in missing else ch for ch in cleaned).encode(encoding)


def char_columns(ch: str, encoding: str = "gb18030") -> int:
    """Columns a character takes in font A: one for a single byte, two for a double-byte character."""
    return 1 if len(encode_text(ch, encoding, mark_missing=True)) == 1 else 2


def text_columns(text: str, encoding: str = "gb18030") -> int:
    return sum(char_columns(ch, encoding) for ch in text)


def wrap(text: str, columns: int, encoding: str = "gb18030") -> list[str]:
    """Break text into lines of at most `columns`, never starting a line with closing punctuation."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and text_columns(current + ch, encoding) > columns:
            carry = ""
            if ch in CLOSING_PUNCTUATION and len(current) > 1 and current[-1] not in CLOSING_PUNCTUATION:
                current, carry = current[:-1], current[-1]
            lines.append(current)
            current = carry
        current += ch
    if current or not lines:
        lines.append(current)
    return lines


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class EscposStream:
    """One print job. python-escpos's `Dummy` collects the bytes; text goes through `encode_text`."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile
        self._escpos = Dummy()
        # python-escpos centres a raster only when its profile knows the paper width; give it ours.
        media = {"dpi": 203, "width": {"mm": "Unknown", "pixels": profile.width_dots}}
        self._escpos.profile.profile_data = {**self._escpos.profile.profile_data, "media": media}
        self._escpos.hw("INIT")
        self._escpos._raw(profile.chinese_on)
        self._magnification = 1
        self._missing: dict[str, None] = {}  # characters outside the encoding, every one of the job

    def align(self, where: str) -> None:
        self._escpos.set(align=where)

    def style(self, *, bold: bool = False, magnification: int = 1) -> None:
        self._escpos.set(custom_size=True, width=magnification, height=magnification, bold=bold)
        self._magnification = magnification

    @property
    def columns(self) -> int:
        """Half-width columns per line at the current magnification."""
        return self.profile.columns // self._magnification

    def line(self, text: str = "") -> None:
        self._missing.update(dict.fromkeys(unencodable(text, self.profile.encoding)))
        self._escpos._raw(encode_text(text, self.profile.encoding, mark_missing=True) + b"\n")

    def paragraph(self, text: str) -> None:
        for piece in wrap(text, self.columns, self.profile.encoding):
            self.line(piece)

    def field(self, label: str, value: str) -> None:
        """`label` then `value`, continuation lines indented under the value."""
        indent = text_columns(label, self.profile.encoding)
        pieces = wrap(value, max(self.columns - indent, 8), self.profile.encoding)
        self.line(label + pieces[0])
        for piece in pieces[1:]:
            self.line(" " * indent + piece)

    def hanging(self, text: str, indent: int = 2) -> None:
        """A paragraph whose continuation lines are indented, so a list item stays visibly one item."""
        pieces = wrap(text, self.columns, self.profile.encoding)
        self.line(pieces[0])
        rest = "".join(pieces[1:])
        for piece in wrap(rest, max(self.columns - indent, 8), self.profile.encoding) if rest else []:
            self.line(" " * indent + piece)

    def rule(self) -> None:
        self.line("-" * self.columns)

    def qr(self, content: str) -> None:
        size = self.profile.qr_module_dots
        if self.profile.qr_native:
            self.align("center")
            self._escpos.qr(content, ec=QR_ECLEVEL_M, size=size, native=True)
            self.line()
        else:
            self._escpos.qr(content, ec=QR_ECLEVEL_M, size=size, center=True)

    def feed(self, lines: int) -> None:
        self._escpos.print_and_feed(lines)

    def finish(self) -> PrintJob:
        """The job; raises UnencodableText listing every character outside the encoding unless the
        profile says to mark them."""
        if self._missing and self.profile.unencodable != "mark":
            raise UnencodableText(list(self._missing), self.profile.encoding)
        if self.profile.cutter == "none":
            self._escpos.print_and_feed(6)
        else:
            self._escpos.cut(mode="PART" if self.profile.cutter == "partial" else "FULL")
        self._escpos._raw(self.profile.chinese_off)
        return PrintJob.of(self._escpos.output, self._missing)


def _header(stream: EscposStream, title: str, subtitle: str) -> None:
    stream.align("center")
    stream.style(bold=True, magnification=2)
    stream.paragraph(title)
    stream.style()
    stream.paragraph(subtitle)
    stream.align("left")


def ticket_job(ticket: QueueTicket, profile: PrinterProfile) -> PrintJob:
    stream = EscposStream(profile)
    stream.align("center")
    stream.style(bold=True, magnification=2)
    stream.paragraph(ticket.hall_name)
    stream.style()
    stream.line("您的排队号")
    stream.style(bold=True, magnification=number_magnification(ticket.number, profile))
    stream.line(ticket.number)
    stream.style(bold=True, magnification=2)
    stream.paragraph(ticket.category)
    stream.style()
    stream.paragraph(ticket.matter)
    stream.align("left")
    stream.rule()
    stream.style(bold=True)
    stream.field("前面等候：", f"{ticket.people_ahead} 人")
    stream.field("预计等候：", _wait_words(ticket.estimated_wait_minutes))
    stream.style()
    stream.field("取号时间：", ticket.issued_at.strftime("%Y-%m-%d %H:%M"))
    stream.rule()
    stream.align("center")
    stream.qr(ticket.follow_url)
    stream.line("手机扫码，随时查看排队进度")
    stream.align("left")
    stream.paragraph(ticket.privacy_note)
    return stream.finish()


def number_magnification(number: str, profile: PrinterProfile) -> int:
    """As large as the paper allows, up to the profile's limit."""
    fits = profile.width_dots // (FONT_A_WIDTH * max(len(number), 1))
    return max(1, min(profile.max_magnification, fits))


def _wait_words(minutes: int) -> str:
    return "即将叫号" if minutes <= 0 else f"约 {minutes} 分钟"


def notice_job(notice: MissingMaterialsNotice, profile: PrinterProfile) -> PrintJob:
    stream = EscposStream(profile)
    _header(stream, "一次性告知单", notice.hall_name)
    if notice.reference:
        stream.field("编号：", notice.reference)
    stream.rule()
    stream.field("申请人：", mask_name(notice.applicant_name))
    stream.field("办理事项：", notice.matter)
    _members(stream, notice.members)
    stream.rule()
    stream.paragraph("经审查，您申请的上述事项尚缺以下材料（或材料不符合要求），请按说明补齐：")
    for index, material in enumerate(notice.materials, start=1):
        stream.style(bold=True)
        stream.field(f"{index}. ", material.name)
        stream.style()
        stream.field("   原因：", material.reason)
        stream.field("   获取方式：", material.how_to_get)
    stream.rule()
    stream.paragraph(notice.closing_note)
    stream.field("受理人：", notice.clerk)
    stream.field("受理窗口：", notice.window)
    stream.field("告知日期：", chinese_date(notice.issued_on))
    stream.paragraph(notice.hall_contact)
    return stream.finish()


def receipt_job(receipt: CaseReceipt, profile: PrinterProfile) -> PrintJob:
    stream = EscposStream(profile)
    _header(stream, "受理回执", receipt.hall_name)
    stream.rule()
    stream.style(bold=True)
    stream.field("受理编号：", receipt.case_number)
    stream.style()
    stream.field("办理事项：", receipt.matter)
    _members(stream, receipt.members)
    stream.field("申请人：", mask_name(receipt.applicant_name))
    stream.field("受理时间：", receipt.accepted_at.strftime("%Y-%m-%d %H:%M"))
    if receipt.window:
        stream.field("受理窗口：", receipt.window)
    stream.style(bold=True)
    if receipt.concluded:
        stream.field("办理结果：", "已当场办结")
    else:
        stream.field("承诺办结：", f"{chinese_date(receipt.promised_on)}前")
    stream.style()
    stream.rule()
    stream.field("查询密码：", receipt.query_password_hint)
    stream.align("center")
    stream.qr(receipt.query_url)
    stream.line("扫码查询办理进度")
    stream.align("left")
    stream.paragraph(receipt.hall_contact)
    return stream.finish()


def refusal_job(notice: RefusalNotice, profile: PrinterProfile) -> PrintJob:
    stream = EscposStream(profile)
    _header(stream, "不予受理通知书", notice.hall_name)
    if notice.reference:
        stream.field("编号：", notice.reference)
    stream.rule()
    stream.field("申请人：", mask_name(notice.applicant_name))
    stream.field("办理事项：", notice.matter)
    _members(stream, notice.members)
    stream.rule()
    stream.paragraph("经审查，您提出的上述申请不符合受理条件，决定不予受理。")
    stream.style(bold=True)
    stream.field("理由：", notice.reason)
    stream.style()
    stream.rule()
    stream.paragraph(notice.closing_note)
    stream.field("受理人：", notice.clerk)
    stream.field("受理窗口：", notice.window)
    stream.field("告知日期：", chinese_date(notice.issued_on))
    stream.paragraph(notice.hall_contact)
    return stream.finish()


def _members(stream: EscposStream, members: tuple[JointMember, ...]) -> None:
    """A 一件事's member matters under 办理事项: each with its department (and its own number)."""
    if not members:
        return
    stream.line("包含事项：")
    for index, member in enumerate(members, start=1):
        stream.hanging(f"{index}. {member.matter}（{member.department}）", 3)
        if member.case_number:
            stream.field("   编号：", member.case_number)


def guide_job(sheet: GuideSheet, profile: PrinterProfile) -> PrintJob:
    stream = EscposStream(profile)
    _header(stream, "办事指南", sheet.hall_name)
    stream.rule()
    stream.style(bold=True, magnification=2)
    stream.paragraph(sheet.matter)
    stream.style()
    for section in sheet.sections:
        stream.rule()
        stream.style(bold=True)
        stream.paragraph(section.title)
        stream.style()
        for text in section.lines:
            stream.hanging(text)
    stream.rule()
    stream.paragraph(sheet.closing_note)
    if sheet.hall_contact:
        stream.paragraph(sheet.hall_contact)
    stream.field("打印时间：", sheet.printed_at.strftime("%Y-%m-%d %H:%M"))
    return stream.finish()


def test_page_job(profile: PrinterProfile, now: datetime) -> PrintJob:
    stream = EscposStream(profile)
    _header(stream, "打印测试页", profile.title)
    stream.rule()
    stream.field("配置：", f"{profile.name}，{profile.width_dots} 点，{profile.columns} 列")
    chinese_mode = "FS &" if profile.chinese_on else "常开"
    stream.field("编码：", f"{profile.encoding.upper()}，中文模式 {chinese_mode}")
    stream.line("全角标点：，。：；！？（）《》「」、")
    stream.line("ASCII: 0123456789 ABC abc +-*/=")
    ruler = "".join(str(i % 10) for i in range(1, profile.columns + 1))
    stream.line(ruler)
    for magnification in (2, 3):
        stream.style(magnification=magnification)
        stream.line(f"{magnification}倍字号 A{magnification}")
    stream.style()
    stream.rule()
    stream.align("center")
    stream.qr(f"YIMEN-TEST {profile.name} {now:%Y%m%d%H%M%S}")
    stream.line(now.strftime("%Y-%m-%d %H:%M:%S"))
    return stream.finish()
