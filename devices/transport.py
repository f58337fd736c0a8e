"""Device URLs and the byte transports under every driver.

Every device is configured by one URL:

    serial:///dev/ttyUSB0?baud=115200     a serial port (pyserial); `baud`, `timeout` as query options
    tcp://10.0.0.5:9100                   a TCP socket (network printers, tablet evaluation pads)
    file:///dev/usb/lp0                   a character device or a plain file written to
    usb://0416:5011                       a USB device by vendor:product id (printers via python-escpos)
    sim://idcard?card=resident_male       a simulator of that kind, started on a pty pair (or loopback TCP)
                                          and handed to the unchanged real driver

`sim://` is the only scheme that starts anything: `start_pty_simulator` opens a pty pair, runs the simulator
on the master side in a daemon thread and returns the slave path, which the real driver opens with pyserial
exactly as it would open /dev/ttyUSB0.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import termios
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

SCHEMES = ("serial", "tcp", "file", "usb", "sim")


class DeviceUrlError(ValueError):
    """A device URL that cannot be understood; the message says what is wrong."""


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed device URL. `target` is the path (serial, file), host (tcp) or kind (sim)."""

    scheme: str
    target: str
    port: int | None = None
    options: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    def option(self, name: str, default: str) -> str:
        return self.options.get(name, default)

    def int_option(self, name: str, default: int) -> int:
        value = self.options.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise DeviceUrlError(f"{self.raw}: option {name}={value!r} is not a whole number") from exc

    def float_option(self, name: str, default: float) -> float:
        value = self.options.get(name)
        if value is None:
            return default
        try:
            return float(value)
        except ValueError as exc:
            raise DeviceUrlError(f"{self.raw}: option {name}={value!r} is not a number") from exc


def parse_device_url(url: str) -> DeviceUrl:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise DeviceUrlError(f"{url}: unknown scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    if scheme == "tcp":
        if not parts.hostname or parts.port is None:
            raise DeviceUrlError(f"{url}: a tcp URL needs host and port, e.g. tcp://10.0.0.5:9100")
        return DeviceUrl(scheme, parts.hostname, parts.port, options, url)
    if scheme == "sim":
        kind = parts.netloc or parts.path.strip("/")
        if not kind:
            raise DeviceUrlError(f"{url}: a sim URL names the simulator kind, e.g. sim://idcard")
        return DeviceUrl(scheme, kind, None, options, url)
    if scheme == "usb":
        ids = parts.netloc or parts.path.strip("/")
        vid, _, pid = ids.partition(":")
        try:
            int(vid, 16), int(pid, 16)
        except ValueError as exc:
            raise DeviceUrlError(f"{url}: a usb URL is usb://VID:PID in hex, e.g. usb://0416:5011") from exc
        return DeviceUrl(scheme, ids, None, options, url)
    path = parts.path if not parts.netloc else f"/{parts.netloc}{parts.path}"
    if not path:
        raise DeviceUrlError(f"{url}: a {scheme} URL needs a path, e.g. {scheme}:///dev/ttyUSB0")
    return DeviceUrl(scheme, path, None, options, url)


class BytePort(Protocol):
    """The simulator's side of a link: what the device would read from and write to its wire."""

    def read(self, max_bytes: int, timeout: float) -> bytes:
        """Up to max_bytes, b"" on timeout; raises EOFError when the other side has gone."""
        ...

    def write(self, data: bytes) -> None: ...


class Simulator(Protocol):
    """A device simulator: `serve` runs until `stop` is set or the port reports EOF."""

    def serve(self, port: BytePort, stop: threading.Event) -> None: ...


class FdPort:
    """A BytePort over a file descriptor (the master side of a pty pair)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def read(self, max_bytes: int, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.fd, max_bytes)
        except OSError as exc:  # EIO: the slave side was closed and nobody holds it
            raise EOFError from exc
        if not data:
            raise EOFError
        return data

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]


class SocketPort:
    """A BytePort over a connected TCP socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def read(self, max_bytes: int, timeout: float) -> bytes:
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return b""
        try:
            data = self.sock.recv(max_bytes)
        except OSError as exc:
            raise EOFError from exc
        if not data:
            raise EOFError
        return data

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)


class PtyPair:
    """A raw pty pair: the simulator holds `master_fd`, the driver opens `slave_path`."""

    def __init__(self) -> None:
        self.master_fd, slave_fd = os.openpty()
        for fd in (self.master_fd, slave_fd):
            tty.setraw(fd)
            attrs = termios.tcgetattr(fd)
            attrs[3] &= ~termios.ECHO
            termios.tcsetattr(fd, termios.TCSANOW, attrs)
        self.slave_path = os.ttyname(slave_fd)
        # Keep the slave open ourselves so the master never sees EIO between driver reconnects.
        self._slave_fd: int | None = slave_fd
        self._closed = False

    def close(self) -> None:
        # Idempotent: unplug() then stop() must not close the same fd numbers twice (they may be reused).
        if self._closed:
            return
        self._closed = True
        for fd in (self.master_fd, self._slave_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._slave_fd = None


@dataclass
class RunningSimulator:
    """A simulator serving in a daemon thread; `endpoint` is what the driver opens."""

    endpoint: str
    simulator: Simulator
    stop_event: threading.Event
    thread: threading.Thread
    _cleanup: Callable[[], None]

    def unplug(self) -> None:
        """Pull the cable: stop serving and close the simulator's end."""
        self.stop()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=2)
        self._cleanup()


def start_pty_simulator(simulator: Simulator, name: str = "sim") -> RunningSimulator:
    pair = PtyPair()
    stop = threading.Event()
    port = FdPort(pair.master_fd)

    def run() -> None:
        with contextlib.suppress(EOFError):
            simulator.serve(port, stop)

    thread = threading.Thread(target=run, name=f"{name}-pty", daemon=True)
    thread.start()
    return RunningSimulator(pair.slave_path, simulator, stop, thread, pair.close)


def start_tcp_simulator(simulator: Simulator, name: str = "sim") -> RunningSimulator:
    """Listen on 127.0.0.1 on a free port; each connection is served in turn by the same simulator."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    host, port_no = listener.getsockname()[:2]

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn, contextlib.suppress(EOFError, OSError):
                simulator.serve(SocketPort(conn), stop)

    thread = threading.Thread(target=run, name=f"{name}-tcp", daemon=True)
    thread.start()
    return RunningSimulator(f"tcp://{host}:{port_no}", simulator, stop, thread, listener.close)
