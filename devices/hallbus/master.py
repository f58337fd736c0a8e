"""The hall PC's side of a HallBus/1 line (the master), over pyserial; the frame layout is in `codec`.

One `HallBusMaster` owns one serial port and serialises every request on it: on RS-485 only the master starts
a conversation and at most one device talks at a time, so a screen and a keypad rater on the same wires share
one master (`shared_master`, counted by port path). Each request goes out with a fresh SEQ; the reply must
come from the addressed device with the same SEQ and CMD|0x80. Frames from other addresses, replies to other
SEQs and requests (an adapter that echoes its own transmission) are ignored. On silence or on a corrupted
reply the same frame is sent again, after the line has been idle for the gap, at most `retries` times.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

import serial

from devices.errors import DeviceTimeout, DeviceUnavailable, ProtocolError
from devices.hallbus.codec import (
    BROADCAST,
    MAX_FRAME,
    REPLY_BIT,
    Command,
    Frame,
    FrameDecoder,
    Identity,
    PayloadError,
    Result,
    decode_identity,
    encode_frame,
    wire_time,
)

T = TypeVar("T")

DEFAULT_BAUD = 9600
DEFAULT_TIMEOUT = 0.2
DEFAULT_RETRIES = 2
DEFAULT_GAP = 0.05

_NAK_MESSAGES = {
    Result.BAD_LENGTH: "设备拒绝了命令：长度不符",
    Result.UNKNOWN_COMMAND: "设备不支持该命令",
    Result.BAD_PARAM: "设备拒绝了命令：参数超出范围",
    Result.TEXT_TOO_LONG: "文字过长，设备无法显示",
}


class NakError(ProtocolError):
    """The device answered with a NAK result; `result` says which."""

    code = "HALLBUS_NAK"

    def __init__(self, result: int, detail: str = "") -> None:
        try:
            message = _NAK_MESSAGES[Result(result)]
        except ValueError:
            message = f"设备返回未知结果码 {result:#04x}"
        super().__init__(message, detail=detail)
        self.result = result


class _Outcome(Enum):
    SILENCE = "silence"
    CORRUPT = "corrupt"


@dataclass
class MasterStats:
    requests: int = 0
    retransmissions: int = 0
    ignored_frames: int = 0


class HallBusMaster:
    def __init__(self, port: serial.Serial, *, baud: int, gap: float = DEFAULT_GAP, path: str = "") -> None:
        self.port = port
        self.baud = baud
        self.gap = gap
        self.path = path or str(port.port)
        self.stats = MasterStats()
        self._decoder = FrameDecoder()
        self._seq = random.randrange(256)
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str, baud: int = DEFAULT_BAUD, *, gap: float = DEFAULT_GAP) -> HallBusMaster:
        try:
            port = serial.serial_for_url(path, baudrate=baud, timeout=0, write_timeout=1.0)
        except (serial.SerialException, OSError) as exc:
            raise DeviceUnavailable(f"无法打开串口 {path}", detail=str(exc)) from exc
        return cls(port, baud=baud, gap=gap, path=path)

    @property
    def crc_errors(self) -> int:
        return self._decoder.crc_errors

    def transact(
        self,
        address: int,
        command: int,
        payload: bytes = b"",
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
    ) -> bytes:
        """Send one request and return the reply's data after the OK result byte.

        Raises NakError for a NAK, DeviceTimeout when the device never answered, ProtocolError when every
        answer was corrupted, DeviceUnavailable when the port itself fails (unplugged adapter).
        """
        with self._lock:
            request = Frame(address, self._next_seq(), command, payload)
            wire = encode_frame(request)
            self.stats.requests += 1
            outcome: Frame | _Outcome = _Outcome.SILENCE
            for attempt in range(retries + 1):
                if attempt:
                    self.stats.retransmissions += 1
                    self._wait_line_idle()
                self._write(wire)
                outcome = self._await_reply(request, timeout + wire_time(len(wire), self.baud))
                if isinstance(outcome, Frame):
                    return _reply_data(outcome)
        where = f"address {address}, command {command:#04x}, {retries + 1} attempts on {self.path}"
        if outcome is _Outcome.CORRUPT:
            raise ProtocolError("总线设备应答校验错误", code="HALLBUS_BAD_CRC", detail=where)
        raise DeviceTimeout(
            f"总线设备（地址 {address}）无应答，请检查连线和电源", code="HALLBUS_NO_REPLY", detail=where
        )

    def broadcast(self, command: int, payload: bytes = b"") -> None:
        """Send to every device on the line; nobody answers, so nothing is confirmed."""
        with self._lock:
            self.stats.requests += 1
            self._write(encode_frame(Frame(BROADCAST, self._next_seq(), command, payload)))

    def identify(
        self, address: int, *, timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES
    ) -> Identity:
        data = self.transact(address, Command.IDENTIFY, timeout=timeout, retries=retries)
        return parse_reply(decode_identity, data, f"IDENTIFY from address {address}")

    def close(self) -> None:
        self.port.close()

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFF
        return self._seq

    def _write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()
        except (serial.SerialException, OSError) as exc:
            raise DeviceUnavailable(f"串口 {self.path} 写入失败，设备可能已断开", detail=str(exc)) from exc

    def _read(self, wait: float) -> bytes:
        try:
            wait = max(wait, 0.0)
            if self.port.timeout != wait:  # each change costs a tcsetattr; most reads wait one gap
                self.port.timeout = wait
            first = self.port.read(1)
            if not first:
                return b""
            return first + self.port.read(self.port.in_waiting)
        except (serial.SerialException, OSError) as exc:
            raise DeviceUnavailable(f"串口 {self.path} 读取失败，设备可能已断开", detail=str(exc)) from exc

    def _await_reply(self, request: Frame, timeout: float) -> Frame | _Outcome:
        """Wait until `timeout` of silence, bounded overall by the wire time of the longest possible frame."""
        start = time.monotonic()
        deadline = start + timeout
        hard_deadline = deadline + wire_time(MAX_FRAME, self.baud)
        crc_errors_before = self._decoder.crc_errors
        while (now := time.monotonic()) < min(deadline, hard_deadline):
            data = self._read(min(self.gap, deadline - now))
            if data:
                deadline = time.monotonic() + timeout
                frames = self._decoder.feed(data)
            else:
                frames = self._decoder.line_idle()
            for frame in frames:
                if _answers(frame, request):
                    return frame
                self.stats.ignored_frames += 1
            if self._decoder.crc_errors > crc_errors_before:
                return _Outcome.CORRUPT
        return _Outcome.SILENCE

    def _wait_line_idle(self) -> None:
        """Never talk over a device that is still sending: wait for one gap of silence (bounded)."""
        limit = time.monotonic() + wire_time(MAX_FRAME, self.baud)
        while time.monotonic() < limit and self._read(self.gap):
            pass
        self._decoder.reset()


def _answers(frame: Frame, request: Frame) -> bool:
    return (
        frame.address == request.address
        and frame.seq == request.seq
        and frame.command == request.command | REPLY_BIT
    )


def _reply_data(reply: Frame) -> bytes:
    if not reply.payload:
        raise ProtocolError("总线设备应答为空", code="HALLBUS_BAD_REPLY", detail=f"reply {reply}")
    if reply.payload[0] != Result.OK:
        raise NakError(
            reply.payload[0], detail=f"address {reply.address}, command {reply.request_command:#04x}"
        )
    return reply.payload[1:]


def parse_reply(parse: Callable[[bytes], T], data: bytes, what: str) -> T:
    try:
        return parse(data)
    except PayloadError as exc:
        raise ProtocolError(
            "总线设备应答格式错误", code="HALLBUS_BAD_REPLY", detail=f"{what}: {exc}"
        ) from exc


_shared: dict[str, tuple[HallBusMaster, int]] = {}
_shared_lock = threading.Lock()


def shared_master(path: str, baud: int = DEFAULT_BAUD) -> tuple[HallBusMaster, Callable[[], None]]:
    """The one master of the serial port at `path`, and the function that releases this user's hold on it.

    A screen at address 3 and a keypad at address 4 on the same RS-485 adapter get the same master; the port
    is closed when the last of them is closed.
    """
    with _shared_lock:
        if path in _shared:
            master, users = _shared[path]
            if master.baud != baud:
                raise DeviceUnavailable(
                    f"串口 {path} 已按 {master.baud} 波特率打开", detail=f"requested baud {baud}"
                )
        else:
            master, users = HallBusMaster.open(path, baud), 0
        _shared[path] = (master, users + 1)

    released = threading.Event()

    def release() -> None:
        if released.is_set():
            return
        released.set()
        with _shared_lock:
            current, count = _shared.get(path, (None, 0))
            if current is not master:
                return
            if count > 1:
                _shared[path] = (master, count - 1)
            else:
                del _shared[path]
                master.close()

    return master, release
