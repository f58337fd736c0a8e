"""The printer as registry.py sees it: open by URL, a technician's self-test, a simulator, a test page.

    serial:///dev/ttyUSB0?baud=115200&profile=generic80      the real printer (see links.py for every scheme)
    sim://printer?paper=ok|near_end|out&cover=closed|open&answer=yes|no&profile=generic58
                 &link=pty|tcp&baud=115200&paper_left_mm=500&png=/tmp/tickets&chinese=off

Driver options on any URL: profile, encoding (gb18030|gbk), chinese_mode (fs|none), cutter, qr (image|native),
timeout (status answer, seconds), job_timeout (extra wait for the answer after a job), unencodable (error:
refuse text the encoding lacks, naming the characters | mark: print 〓 and report them).
The simulator's paper width and encoding follow the profile.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from devices.errors import DeviceError
from devices.printer.driver import EscposTicketPrinter, raise_unless_printable
from devices.printer.errors import PrinterUnavailable
from devices.printer.links import PrinterLink, SerialLink, TcpLink, open_link
from devices.printer.profiles import DEFAULT_PROFILE, PROFILES, profile_from_url
from devices.printer.simulator import EscposSimulator
from devices.transport import (
    DeviceUrl,
    DeviceUrlError,
    RunningSimulator,
    parse_device_url,
    start_pty_simulator,
    start_tcp_simulator,
)


def open_device(url: DeviceUrl) -> EscposTicketPrinter:
    profile = profile_from_url(url)
    status_timeout = url.float_option("timeout", 0.3)
    job_timeout = url.float_option("job_timeout", 3.0)
    if url.scheme != "sim":
        return EscposTicketPrinter(
            open_link(url), profile, status_timeout=status_timeout, job_timeout=job_timeout
        )
    if url.target != "printer":
        raise DeviceUrlError(f"{url.raw}: this plugin simulates sim://printer")
    running = start_simulator(url.options)
    link: PrinterLink
    if running.endpoint.startswith("tcp://"):
        tcp = parse_device_url(running.endpoint)
        assert tcp.port is not None
        link = TcpLink(tcp.target, tcp.port)
    else:
        link = SerialLink(running.endpoint, baud=url.int_option("baud", 0) or 115_200)
    return EscposTicketPrinter(
        link, profile, status_timeout=status_timeout, job_timeout=job_timeout, simulator=running
    )


def simulator_for(options: dict[str, str]) -> EscposSimulator:
    profile = PROFILES.get(options.get("profile", DEFAULT_PROFILE), PROFILES[DEFAULT_PROFILE])
    left = options.get("paper_left_mm")
    return EscposSimulator(
        paper=options.get("paper", "ok"),
        cover=options.get("cover", "closed"),
        answering=options.get("answer", "yes") != "no",
        width_dots=profile.width_dots,
        encoding=options.get("encoding", profile.encoding),
        chinese_default=options.get("chinese", "off") == "on" or options.get("chinese_mode") == "none",
        strict=options.get("strict", "yes") != "no",
        baud=int(options.get("baud", "0")),
        paper_left_mm=float(left) if left else None,
        save_dir=options.get("png") or None,
    )


def start_simulator(options: dict[str, str]) -> RunningSimulator:
    simulator = simulator_for(options)
    if options.get("link", "pty") == "tcp":
        return start_tcp_simulator(simulator, name="printer")
    return start_pty_simulator(simulator, name="printer")


def selftest(url: DeviceUrl) -> Iterator[str]:
    printer = open_device(url)
    try:
        yield f"打印机：{url.raw}"
        yield f"连接：{printer.link.description}"
        profile = printer.profile
        yield f"型号配置：{profile.name}（{profile.title}），编码 {profile.encoding.upper()}"
        status = printer.status()
        yield f"状态：{status.words()}"
        if status.answers:
            yield f"DLE EOT 1/2/4 应答：{status.answers_hex()}"
        if not status.queryable:
            raise PrinterUnavailable(
                "无法确认打印机就绪：此连接只能写入，打印机无法应答状态查询", code="PRINTER_STATUS_UNKNOWN"
            )
        raise_unless_printable(status)  # near end still prints: ready, and the status line says so
    finally:
        printer.close()


def print_test_page(url: DeviceUrl) -> list[str]:
    """Print the test page; the lines say what happened (and, for a simulator, where its picture is)."""
    printer = open_device(url)
    lines = [f"打印机：{url.raw}", f"打印前状态：{printer.status().words()}"]
    try:
        result = printer.print_test_page()
    except DeviceError as error:
        lines.append(f"测试页未打印：{error.message}（{error.code}）")
        printer.close()
        return lines
    lines.append(f"已发送测试页 {result.bytes_sent} 字节")
    lines.append(f"打印后状态：{result.status.words()}" + ("" if result.confirmed else "（未经打印机确认）"))
    lines.extend(_simulator_picture(printer))
    printer.close()
    return lines


def _simulator_picture(printer: EscposTicketPrinter) -> list[str]:
    simulator = printer.simulator.simulator if printer.simulator else None
    if not isinstance(simulator, EscposSimulator) or not simulator.all_pages():
        return []
    path = Path(tempfile.mkdtemp(prefix="yimen-testpage-")) / "testpage.png"
    simulator.all_pages()[-1].save_png(path)
    return [f"模拟打印机输出图片：{path}"]
