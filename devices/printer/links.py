"""The printer's wire: write a job, ask one status byte. One class per URL scheme.

    serial:///dev/ttyUSB0?baud=9600&flow=none|rtscts|dsrdtr|xonxoff   pyserial; answers DLE EOT
    tcp://10.0.0.5:9100                                                 raw port 9100; answers DLE EOT
    file:///dev/usb/lp0                                                 write-only: status is unknown
    usb://0416:5011?in_ep=82&out_ep=01                                  python-escpos `Usb` (needs pyusb)

`query` sends a request and returns the first byte that comes back within `timeout`, or None. It clears what
is waiting in the input first, so a stale answer (or an automatic status byte) is never read as this one.
A link that cannot be opened answers nothing; `write` raises PrinterUnavailable.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import termios
from typing import Any, Protocol

import serial

from devices.printer.errors import PrinterUnavailable
from devices.transport import DeviceUrl, DeviceUrlError

log = logging.getLogger(__name__)

# A pty or USB adapter that went away fails tcflush with termios.error, which is not an OSError.
SERIAL_ERRORS = (serial.SerialException, OSError, termios.error)

LINK_LOST = "打印机连接中断，请联系工作人员检查连接线"
WRITE_STALLED = "打印机不接收数据（可能脱机、缺纸或连接线松动）"


class PrinterLink(Protocol):
    queryable: bool
    description: str

    def write(self, data: bytes) -> None: ...

    def query(self, request: bytes, timeout: float) -> int | None: ...

    def wire_seconds(self, count: int) -> float:
        """How long `count` bytes need on the wire: part of the wait for the status answer after a job."""
        ...

    def close(self) -> None: ...


class SerialLink:
    queryable = True

    def __init__(
        self, path: str, *, baud: int = 9600, flow: str = "none", write_timeout: float = 10.0
    ) -> None:
        if flow not in ("none", "rtscts", "dsrdtr", "xonxoff"):
            raise DeviceUrlError(f"flow {flow!r} is not one of none, rtscts, dsrdtr, xonxoff")
        self.path = path
        self.baud = baud
        self.flow = flow
        self.write_timeout = write_timeout
        self.description = f"串口 {path}，{baud} 波特"
        self._port: serial.Serial | None = None

    def _open(self) -> serial.Serial:
        if self._port is None:
            self._port = serial.Serial(
                self.path,
                self.baud,
                timeout=0.3,
                write_timeout=self.write_timeout,
                rtscts=self.flow == "rtscts",
                dsrdtr=self.flow == "dsrdtr",
                xonxoff=self.flow == "xonxoff",
            )
        return self._port

    def write(self, data: bytes) -> None:
        try:
            port = self._open()
            port.write(data)
            port.flush()
        except serial.SerialTimeoutException as exc:
            raise PrinterUnavailable(WRITE_STALLED, code="PRINTER_WRITE_STALLED", detail=str(exc)) from exc
        except SERIAL_ERRORS as exc:
            self.close()
            raise PrinterUnavailable(LINK_LOST, code="PRINTER_LINK_LOST", detail=str(exc)) from exc

    def query(self, request: bytes, timeout: float) -> int | None:
        try:
            port = self._open()
            port.reset_input_buffer()
            port.timeout = timeout
            port.write(request)
            port.flush()
            answer: bytes = port.read(1)
        except SERIAL_ERRORS as exc:
            log.warning("printer %s: status query failed: %s", self.path, exc)
            self.close()
            return None
        return answer[0] if answer else None

    def wire_seconds(self, count: int) -> float:
        # Start + 8 data + stop bits. USB-serial adapters and ptys let flush() return before bytes are out.
        return count * 10 / self.baud

    def close(self) -> None:
        if self._port is not None:
            with contextlib.suppress(*SERIAL_ERRORS):
                self._port.close()
            self._port = None


class TcpLink:
    queryable = True

    def __init__(
        self, host: str, port: int, *, connect_timeout: float = 3.0, write_timeout: float = 10.0
    ) -> None:
        self.address = (host, port)
        self.connect_timeout = connect_timeout
        self.write_timeout = write_timeout
        self.description = f"网络 {host}:{port}"
        self._sock: socket.socket | None = None

    def _connect(self) -> socket.socket:
        if self._sock is None:
            self._sock = socket.create_connection(self.address, timeout=self.connect_timeout)
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._sock

    def write(self, data: bytes) -> None:
        try:
            sock = self._connect()
            sock.settimeout(self.write_timeout)
            sock.sendall(data)
        except TimeoutError as exc:
            self.close()
            raise PrinterUnavailable(WRITE_STALLED, code="PRINTER_WRITE_STALLED", detail=str(exc)) from exc
        except OSError as exc:
            self.close()
            raise PrinterUnavailable(LINK_LOST, code="PRINTER_LINK_LOST", detail=str(exc)) from exc

    def query(self, request: bytes, timeout: float) -> int | None:
        try:
            sock = self._connect()
            self._drain(sock)
            sock.settimeout(timeout)
            sock.sendall(request)
            answer = sock.recv(1)
        except TimeoutError:
            return None
        except OSError as exc:
            log.warning("printer %s:%s: status query failed: %s", *self.address, exc)
            self.close()
            return None
        if not answer:  # the printer closed the connection
            self.close()
            return None
        return answer[0]

    def wire_seconds(self, count: int) -> float:
        return 0.0

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        sock.setblocking(False)
        try:
            while sock.recv(256):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None


class FileLink:
    """A character device such as /dev/usb/lp0 (or a plain file, appended to). It cannot be asked anything."""

    queryable = False

    def __init__(self, path: str) -> None:
        self.path = path
        self.description = f"设备文件 {path}（只写）"

    def write(self, data: bytes) -> None:
        try:
            with open(self.path, "ab") as device:
                device.write(data)
        except OSError as exc:
            raise PrinterUnavailable(LINK_LOST, code="PRINTER_LINK_LOST", detail=str(exc)) from exc

    def query(self, request: bytes, timeout: float) -> int | None:
        return None

    def wire_seconds(self, count: int) -> float:
        return 0.0

    def close(self) -> None:
        pass


class UsbLink:
    """A USB printer through python-escpos's `Usb` (pyusb and udev permissions needed on the kiosk)."""

    queryable = True

    def __init__(self, vendor: int, product: int, *, in_ep: int = 0x82, out_ep: int = 0x01) -> None:
        self.ids = (vendor, product)
        self.endpoints = (in_ep, out_ep)
        self.description = f"USB {vendor:04x}:{product:04x}"
        self._printer: Any = None

    def _open(self) -> Any:
        if self._printer is None:
            from escpos.printer import Usb  # only USB printers need pyusb

            printer = Usb(*self.ids, timeout=10_000, in_ep=self.endpoints[0], out_ep=self.endpoints[1])
            printer.open()
            self._printer = printer
        return self._printer

    def write(self, data: bytes) -> None:
        try:
            self._open()._raw(data)
        except Exception as exc:  # pyusb's USBError, python-escpos's DeviceNotFoundError, missing pyusb
            self.close()
            raise PrinterUnavailable(LINK_LOST, code="PRINTER_LINK_LOST", detail=str(exc)) from exc

    def query(self, request: bytes, timeout: float) -> int | None:
        try:
            printer = self._open()
            printer._raw(request)
            answer = printer.device.read(self.endpoints[0], 16, int(timeout * 1000))
        except Exception as exc:  # pyusb raises USBTimeoutError when nothing answers
            if type(exc).__name__ != "USBTimeoutError":
                log.warning("printer %s: status query failed: %s", self.description, exc)
                self.close()
            return None
        return int(answer[0]) if len(answer) else None

    def wire_seconds(self, count: int) -> float:
        return 0.0

    def close(self) -> None:
        if self._printer is not None:
            with contextlib.suppress(Exception):
                self._printer.close()
            self._printer = None


def open_link(url: DeviceUrl) -> PrinterLink:
    """The link for a serial, tcp, file or usb URL (sim:// is started by the plugin)."""
    if url.scheme == "serial":
        return SerialLink(
            url.target,
            baud=url.int_option("baud", 9600),
            flow=url.option("flow", "none"),
            write_timeout=url.float_option("write_timeout", 10.0),
        )
    if url.scheme == "tcp":
        assert url.port is not None
        return TcpLink(url.target, url.port, write_timeout=url.float_option("write_timeout", 10.0))
    if url.scheme == "file":
        return FileLink(url.target)
    if url.scheme == "usb":
        vendor, _, product = url.target.partition(":")
        return UsbLink(
            int(vendor, 16),
            int(product, 16),
            in_ep=int(url.option("in_ep", "82"), 16),
            out_ep=int(url.option("out_ep", "01"), 16),
        )
    raise DeviceUrlError(f"{url.raw}: a printer is opened by serial, tcp, file, usb or sim URL")
