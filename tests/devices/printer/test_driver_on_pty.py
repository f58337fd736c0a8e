"""The real driver against the simulator over a pty: printing, paper and cover faults, a silent printer."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from devices.printer.errors import CoverOpen, PaperOut, PrinterUnavailable
from devices.printer.profiles import PROFILES
from devices.printer.samples import NOTICE, RECEIPT, TICKET
from devices.printer.status import PaperLevel
from tests.devices.printer.conftest import STATUS_TIMEOUT, decode_page_qr, decode_printed_qr

STATUS_QUERIES = {b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04"}


def only_status_queries(received: bytes) -> bool:
    return len(received) % 3 == 0 and all(
        received[i : i + 3] in STATUS_QUERIES for i in range(0, len(received), 3)
    )


@pytest.mark.parametrize("profile", [PROFILES["generic80"], PROFILES["generic58"]], ids=lambda p: p.name)
def test_print_ticket(printer_on_pty, profile):
    rig = printer_on_pty(profile)
    result = rig.printer.print_ticket(TICKET)
    assert result.confirmed
    assert result.status.paper is PaperLevel.OK
    assert rig.simulator.errors == []
    (page,) = rig.simulator.pages
    assert page.cut == "full"
    lines = page.lines
    assert "A012" in lines
    assert TICKET.category in lines
    assert TICKET.matter in lines
    assert "前面等候：3 人" in lines
    assert "预计等候：约 15 分钟" in lines
    assert "取号时间：2024-06-01 09:15" in lines
    assert any(line.startswith("为保护个人隐私") for line in lines)
    assert TICKET.hall_name in "".join(lines[:2])  # on 58 mm paper the double-size name takes two lines
    assert decode_printed_qr(page) == [TICKET.follow_url]
    assert decode_page_qr(page.image()) == TICKET.follow_url
    assert result.bytes_sent == rig.simulator.bytes_received - 2 * 9  # two status checks of 3 queries


def test_ticket_number_prints_large(printer_on_pty):
    rig = printer_on_pty()
    rig.printer.print_ticket(TICKET)
    number_line = next(e for e in rig.simulator.pages[0].elements if getattr(e, "text", "") == "A012")
    assert {glyph.dots for glyph in number_line.glyphs} == {(72, 144)}  # 6 x (12 x 24) dots per digit


def test_native_qr_printed_by_the_printer(printer_on_pty):
    rig = printer_on_pty(replace(PROFILES["generic80"], qr_native=True))
    rig.printer.print_ticket(TICKET)
    (page,) = rig.simulator.pages
    assert page.qr_texts == [TICKET.follow_url]
    assert decode_printed_qr(page) == [TICKET.follow_url]


def test_print_notice_and_receipt(printer_on_pty):
    rig = printer_on_pty()
    rig.printer.print_notice(NOTICE)
    rig.printer.print_receipt(RECEIPT)
    notice, receipt = rig.simulator.pages
    text = "\n".join(notice.lines)
    assert "一次性告知单" in text
    assert "申请人：张*明" in text
    assert "张晓明" not in text
    for material in NOTICE.materials:
        assert material.name in text
    assert "受理窗口：5号窗口" in text
    assert "受理编号：330106-20240601-000123" in receipt.lines
    assert decode_printed_qr(receipt) == [RECEIPT.query_url]


def test_paper_out_raises_and_sends_nothing(printer_on_pty):
    rig = printer_on_pty(paper="out")
    status = rig.printer.status()
    assert (status.paper, status.online) == (PaperLevel.OUT, False)
    with pytest.raises(PaperOut) as raised:
        rig.printer.print_ticket(TICKET)
    assert raised.value.code == "PRINTER_PAPER_OUT"
    assert "缺纸" in raised.value.message
    assert rig.simulator.all_pages() == []
    assert only_status_queries(rig.received())


def test_cover_open_raises_and_sends_nothing(printer_on_pty):
    rig = printer_on_pty(cover="open")
    with pytest.raises(CoverOpen) as raised:
        rig.printer.print_ticket(TICKET)
    assert raised.value.code == "PRINTER_COVER_OPEN"
    assert rig.printer.status().cover_open is True
    assert rig.simulator.all_pages() == []
    assert only_status_queries(rig.received())


def test_silent_printer_is_unknown_not_paper_ok(printer_on_pty):
    rig = printer_on_pty(answering=False)
    started = time.monotonic()
    status = rig.printer.status()
    assert time.monotonic() - started < STATUS_TIMEOUT + 0.3  # gives up after the first silent query
    assert (status.answered, status.paper, status.online) == (False, PaperLevel.UNKNOWN, None)
    with pytest.raises(PrinterUnavailable) as raised:
        rig.printer.print_ticket(TICKET)
    assert raised.value.code == "PRINTER_NO_ANSWER"
    assert rig.simulator.all_pages() == []
    assert rig.received() == b"\x10\x04\x01" * 2


def test_near_end_prints_and_says_so(printer_on_pty):
    rig = printer_on_pty(paper="near_end")
    result = rig.printer.print_ticket(TICKET)
    assert result.confirmed
    assert result.paper_near_end
    assert len(rig.simulator.pages) == 1


def test_paper_running_out_mid_ticket_is_not_reported_printed(printer_on_pty):
    rig = printer_on_pty(paper_left_mm=40.0)
    with pytest.raises(PaperOut) as raised:
        rig.printer.print_ticket(TICKET)
    assert "不完整" in raised.value.message
    assert rig.simulator.pages == []  # never cut: the ticket did not come out whole
    assert rig.simulator.dropped_bytes > 0


def test_printing_resumes_after_paper_is_loaded(printer_on_pty):
    rig = printer_on_pty(paper="out")
    with pytest.raises(PaperOut):
        rig.printer.print_ticket(TICKET)
    rig.simulator.set_paper("ok")
    assert rig.printer.print_ticket(TICKET).confirmed
    assert len(rig.simulator.pages) == 1


def test_unplugged_printer(printer_on_pty):
    rig = printer_on_pty()
    assert rig.printer.status().answered
    rig.running.unplug()
    assert not rig.printer.status().answered
    with pytest.raises(PrinterUnavailable):
        rig.printer.print_ticket(TICKET)


def test_chinese_mode_matters(printer_on_pty):
    # A printer that needs FS & but a profile that does not send it: the Hanzi come out as CP437 garbage.
    rig = printer_on_pty(replace(PROFILES["generic80"], chinese_mode="none"))
    rig.printer.print_ticket(TICKET)
    assert TICKET.category not in rig.simulator.pages[0].lines
    # The same profile on a printer set to Chinese mode by DIP switch prints correctly.
    rig = printer_on_pty(replace(PROFILES["generic80"], chinese_mode="none"), chinese_default=True)
    rig.printer.print_ticket(TICKET)
    assert TICKET.category in rig.simulator.pages[0].lines


def test_gbk_printer(printer_on_pty):
    rig = printer_on_pty(replace(PROFILES["generic58"], encoding="gbk"), encoding="gbk")
    rig.printer.print_notice(NOTICE)
    assert "《个体工商户登记（备案）申请书》" in "".join(
        line.strip() for line in rig.simulator.pages[0].lines
    )


def test_job_slower_on_the_wire_than_the_status_timeout_is_confirmed(printer_on_pty):
    # 901 bytes at 19200 baud need 0.47 s on the wire, more than the 0.2 s status timeout: the answer to the
    # status query after the job comes only once the job has gone through.
    rig = printer_on_pty(baud=19_200)
    started = time.monotonic()
    result = rig.printer.print_notice(NOTICE)
    elapsed = time.monotonic() - started
    assert result.confirmed
    assert len(rig.simulator.pages) == 1
    assert 901 * 10 / 19_200 <= elapsed < 10.0  # an upper bound only against a hang: CI machines are slow
