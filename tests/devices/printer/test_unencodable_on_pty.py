"""A GBK printer and a name it cannot print, through the real driver over a pty: refused before a byte is
sent, or (unencodable=mark) printed as 〓 with a warning the kiosk can show."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devices import registry
from devices.printer import EscposTicketPrinter, UnencodableText
from devices.printer.profiles import PROFILES
from devices.printer.samples import NOTICE, TICKET
from devices.printer.simulator import EscposSimulator

GBK = replace(PROFILES["generic80"], encoding="gbk")
NAMED = replace(NOTICE, applicant_name="𠮷祥")


def test_a_name_outside_gbk_is_refused_and_nothing_is_sent(printer_on_pty):
    rig = printer_on_pty(GBK, encoding="gbk")
    with pytest.raises(UnencodableText) as raised:
        rig.printer.print_notice(NAMED)
    assert raised.value.characters == ("𠮷",)
    assert "𠮷" in raised.value.message
    assert rig.received() == b""
    assert rig.simulator.all_pages() == []
    assert rig.printer.print_notice(NOTICE).substituted == ()  # the printer itself is fine


def test_marking_prints_the_mark_and_warns(printer_on_pty):
    rig = printer_on_pty(replace(GBK, unencodable="mark"), encoding="gbk")
    result = rig.printer.print_notice(NAMED)
    assert result.confirmed and result.substituted == ("𠮷",)
    assert result.warning is not None and "𠮷（U+20BB7）" in result.warning and "〓" in result.warning
    assert "申请人：〓*" in rig.simulator.pages[0].lines


def test_the_url_chooses_refuse_or_mark():
    printer = registry.open_device("printer", "sim://printer?encoding=gbk&timeout=0.2")
    assert isinstance(printer, EscposTicketPrinter)
    try:
        with pytest.raises(UnencodableText):
            printer.print_ticket(replace(TICKET, hall_name="䶮县政务服务中心"))
    finally:
        printer.close()
    printer = registry.open_device("printer", "sim://printer?encoding=gbk&unencodable=mark&timeout=0.2")
    try:
        result = printer.print_ticket(replace(TICKET, hall_name="䶮县政务服务中心"))
        assert result.substituted == ("䶮",)
        simulator = printer.simulator.simulator if printer.simulator else None
        assert isinstance(simulator, EscposSimulator)
        assert "〓县政务服务中心" in "\n".join(simulator.pages[0].lines)
    finally:
        printer.close()
    with pytest.raises(ValueError, match="unencodable"):
        registry.open_device("printer", "sim://printer?unencodable=question")
