"""The other links (TCP, file, USB on hardware) and the plugin that opens a printer from its URL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devices.printer import plugin
from devices.printer.driver import EscposTicketPrinter
from devices.printer.errors import CoverOpen, PaperOut, PrinterUnavailable
from devices.printer.links import FileLink, TcpLink, UsbLink, open_link
from devices.printer.profiles import PROFILES, profile_from_url
from devices.printer.samples import TICKET
from devices.printer.simulator import EscposSimulator
from devices.printer.status import PaperLevel
from devices.transport import DeviceUrlError, parse_device_url, start_tcp_simulator
from tests.devices.printer.conftest import decode_printed_qr


def test_ticket_over_loopback_tcp():
    simulator = EscposSimulator()
    running = start_tcp_simulator(simulator, name="printer-tcp-test")
    url = parse_device_url(running.endpoint)
    link = open_link(url)
    assert isinstance(link, TcpLink)
    printer = EscposTicketPrinter(link, PROFILES["generic80"], status_timeout=0.2)
    try:
        assert printer.print_ticket(TICKET).confirmed
        simulator.set_paper("out")
        with pytest.raises(PaperOut):
            printer.print_ticket(TICKET)
    finally:
        printer.close()
        running.stop()
    (page,) = simulator.pages
    assert "A012" in page.lines
    assert decode_printed_qr(page) == [TICKET.follow_url]


def test_tcp_printer_that_is_not_there():
    running = start_tcp_simulator(EscposSimulator(), name="printer-gone")
    url = parse_device_url(running.endpoint)
    running.stop()  # the port is closed now
    printer = EscposTicketPrinter(open_link(url), PROFILES["generic80"], status_timeout=0.2)
    assert not printer.status().answered
    with pytest.raises(PrinterUnavailable):
        printer.print_ticket(TICKET)


def test_file_link_is_write_only(tmp_path: Path):
    target = tmp_path / "lp0"
    link = open_link(parse_device_url(f"file://{target}"))
    assert isinstance(link, FileLink)
    printer = EscposTicketPrinter(link, PROFILES["generic80"])
    result = printer.print_ticket(TICKET)
    assert not result.confirmed
    assert result.status.paper is PaperLevel.UNKNOWN
    assert "只能写入" in printer.status().words()
    # What went to the device is exactly one ticket.
    simulator = EscposSimulator()
    simulator.receive(target.read_bytes())
    assert result.bytes_sent == target.stat().st_size
    assert "A012" in simulator.pages[0].lines


def test_file_link_to_a_missing_device():
    printer = EscposTicketPrinter(FileLink("/nonexistent/dir/lp0"), PROFILES["generic80"])
    with pytest.raises(PrinterUnavailable) as raised:
        printer.print_ticket(TICKET)
    assert raised.value.code == "PRINTER_LINK_LOST"


def test_url_options_choose_the_profile():
    profile = profile_from_url(
        parse_device_url("serial:///dev/ttyUSB0?profile=generic58&encoding=GBK&cutter=none")
    )
    assert (profile.name, profile.width_dots, profile.encoding, profile.cutter) == (
        "generic58",
        384,
        "gbk",
        "none",
    )
    assert profile_from_url(parse_device_url("tcp://10.0.0.5:9100?qr=native")).qr_native
    for bad in ("profile=tm88", "encoding=utf8", "chinese_mode=esc", "cutter=saw", "qr=svg"):
        with pytest.raises(DeviceUrlError):
            profile_from_url(parse_device_url(f"serial:///dev/ttyUSB0?{bad}"))


def test_usb_url_opens_a_usb_link():
    link = open_link(parse_device_url("usb://0416:5011?in_ep=81&out_ep=02"))
    assert isinstance(link, UsbLink)
    assert (link.ids, link.endpoints) == ((0x0416, 0x5011), (0x81, 0x02))


@pytest.mark.hardware
def test_real_usb_printer_answers_status():
    url = os.environ.get("YIMEN_TEST_PRINTER_URL", "usb://0416:5011")
    printer = plugin.open_device(parse_device_url(url))
    try:
        assert printer.status().answered
    finally:
        printer.close()


def test_sim_url_over_pty():
    printer = plugin.open_device(
        parse_device_url("sim://printer?paper=near_end&profile=generic58&timeout=0.2")
    )
    try:
        assert printer.profile.width_dots == 384
        result = printer.print_ticket(TICKET)
        assert result.paper_near_end
        assert printer.simulator is not None
        simulator = printer.simulator.simulator
        assert isinstance(simulator, EscposSimulator)
        assert simulator.width_dots == 384
        assert "A012" in simulator.pages[0].lines
    finally:
        printer.close()


def test_sim_url_over_tcp_and_not_answering():
    printer = plugin.open_device(parse_device_url("sim://printer?link=tcp&answer=no&timeout=0.2"))
    try:
        assert isinstance(printer.link, TcpLink)
        assert not printer.status().answered
    finally:
        printer.close()


def test_selftest_says_the_status_in_words():
    lines: list[str] = []
    with pytest.raises(CoverOpen):  # the status in words first, then the fault
        lines.extend(plugin.selftest(parse_device_url("sim://printer?cover=open&timeout=0.2")))
    assert lines[0] == "打印机：sim://printer?cover=open&timeout=0.2"
    assert "状态：脱机，纸仓盖打开，纸张充足" in lines
    assert "DLE EOT 1/2/4 应答：1A 16 12" in lines


def test_print_test_page_on_the_simulator():
    lines = plugin.print_test_page(parse_device_url("sim://printer?timeout=0.2"))
    assert any(line.startswith("已发送测试页") for line in lines)
    picture = Path(lines[-1].split("：", 1)[1])
    assert picture.suffix == ".png"
    assert picture.stat().st_size > 1000


def test_print_test_page_reports_paper_out():
    lines = plugin.print_test_page(parse_device_url("sim://printer?paper=out&timeout=0.2"))
    assert lines[-1] == "测试页未打印：打印机缺纸，请联系工作人员更换纸卷（PRINTER_PAPER_OUT）"


def test_start_simulator_for_yimen_devices_sim(tmp_path: Path):
    running = plugin.start_simulator({"png": str(tmp_path), "profile": "generic58"})
    printer = EscposTicketPrinter(
        open_link(parse_device_url(f"serial://{running.endpoint}")), PROFILES["generic58"]
    )
    try:
        printer.print_ticket(TICKET)
    finally:
        printer.close()
        running.stop()
    assert [p.name for p in tmp_path.iterdir()] == ["ticket-0001.png"]
