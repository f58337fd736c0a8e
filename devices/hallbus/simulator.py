"""The device side of HallBus/1 for simulators: addressing, SEQ memory, NAKs, fault injection, a transcript.

A simulated device parses the wire with the same `FrameDecoder` as the master, answers only requests addressed
to it (executes broadcasts silently), and answers a repeated SEQ/CMD/PAYLOAD from memory. Subclasses give
`handle(command, payload) -> answer data` and raise `PayloadError` for a NAK.

`HallBusLine` is the RS-485 wire for tests: a pty has only two ends, so one thread holds the master end and
plays the shared pair of wires. Every byte the master sends reaches every device; every byte a device sends
reaches the master and every other device (which must ignore it: it is a reply). If two devices answer the
same frame - an addressing bug, or two devices set to the same address - their bytes are ORed together as
colliding drivers would, and the master sees a corrupted frame. Collisions in time between the master and a
device are not modelled: the master waits for the line to be idle before it talks.

Faults (counters consumed one reply at a time; also settable as sim:// URL options of the same name): `silent`
requests go unanswered, `crc` replies carry a broken CRC, `wrong_addr` replies come from the neighbouring
address, `garbage` replies are preceded by random bytes, `split=1` writes replies a byte at a time.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from devices.hallbus.codec import (
    BROADCAST,
    REPEAT_WINDOW,
    Command,
    Frame,
    FrameDecoder,
    Identity,
    PayloadError,
    Result,
    encode_frame,
    encode_identity,
    is_device_address,
    reply_frame,
    wire_time,
)
from devices.hallbus.master import DEFAULT_GAP
from devices.transport import BytePort

Direction = Literal["rx", "tx"]


@dataclass
class Faults:
    silent: int = 0
    crc: int = 0
    wrong_addr: int = 0
    garbage: int = 0
    split: bool = False

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> Faults:
        counts = {name: int(options.get(name, "0")) for name in ("silent", "crc", "wrong_addr", "garbage")}
        return cls(**counts, split=options.get("split", "0") not in ("0", ""))

    def take(self, name: Literal["silent", "crc", "wrong_addr", "garbage"]) -> bool:
        left: int = getattr(self, name)
        if left <= 0:
            return False
        setattr(self, name, left - 1)
        return True


@dataclass(frozen=True)
class TranscriptEntry:
    at: float
    direction: Direction
    data: bytes
    note: str = ""


@dataclass
class Transcript:
    """Every byte a simulated device heard (rx) and sent (tx), in order, with notes on injected faults."""

    entries: list[TranscriptEntry] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, direction: Direction, data: bytes, note: str = "") -> None:
        with self._lock:
            self.entries.append(TranscriptEntry(time.monotonic(), direction, data, note))

    def notes(self) -> list[str]:
        with self._lock:
            return [entry.note for entry in self.entries if entry.note]

    def frames(self, direction: Direction) -> list[Frame]:
        decoder = FrameDecoder()
        with self._lock:
            chunks = [entry.data for entry in self.entries if entry.direction == direction]
        return decoder.feed(b"".join(chunks)) + decoder.line_idle()

    def dump(self) -> str:
        with self._lock:
            return "\n".join(f"{e.direction} {e.data.hex(' ')} {e.note}".rstrip() for e in self.entries)


class HallBusDeviceSim:
    device_type: ClassVar[int]
    model: ClassVar[str]
    firmware: ClassVar[tuple[int, int]] = (1, 0)

    def __init__(
        self, address: int = 1, *, faults: Faults | None = None, pace_baud: int | None = None
    ) -> None:
        if not is_device_address(address):
            raise ValueError(f"device address {address} is not 1-254")
        self.address = address
        self.faults = faults or Faults()
        self.pace_baud = pace_baud
        self.transcript = Transcript()
        self.state_lock = threading.Lock()
        self._decoder = FrameDecoder()
        self._last: tuple[tuple[int, int, bytes], bytes, float] | None = None

    def handle(self, command: int, payload: bytes) -> bytes:
        """Execute a device-specific command (under `state_lock`); return the answer data after OK."""
        raise PayloadError(Result.UNKNOWN_COMMAND, f"command {command:#04x}")

    def receive(self, data: bytes) -> list[bytes]:
        """Bytes heard on the wire -> bytes to send back (one entry per reply)."""
        self.transcript.add("rx", data)
        return self._answer(self._decoder.feed(data))

    def line_idle(self) -> list[bytes]:
        return self._answer(self._decoder.line_idle()) if self._decoder.pending else []

    def serve(self, port: BytePort, stop: threading.Event) -> None:
        HallBusLine([self], pace_baud=self.pace_baud).serve(port, stop)

    def _answer(self, frames: list[Frame]) -> list[bytes]:
        replies = []
        for frame in frames:
            if frame.is_reply or frame.address not in (self.address, BROADCAST):
                continue
            reply = self._reply_to(frame)
            if reply is not None:
                replies.append(reply)
        return replies

    def _reply_to(self, frame: Frame) -> bytes | None:
        if self.faults.take("silent"):
            self.transcript.add("rx", b"", "fault: request ignored (silent)")
            return None
        key, now = (frame.seq, frame.command, frame.payload), time.monotonic()
        last = self._last
        if (
            frame.address == self.address
            and last is not None
            and last[0] == key
            and now - last[2] < REPEAT_WINDOW
        ):
            self.transcript.add("rx", b"", f"repeat of seq {frame.seq}: answered from memory")
            return self._with_faults(last[1], frame)
        result, data = self._execute(frame)
        if frame.address == BROADCAST:
            return None
        reply = encode_frame(reply_frame(frame, self.address, result, data))
        self._last = (key, reply, now)
        return self._with_faults(reply, frame)

    def _execute(self, frame: Frame) -> tuple[Result, bytes]:
        try:
            with self.state_lock:
                if frame.command == Command.IDENTIFY:
                    if frame.payload:
                        raise PayloadError(Result.BAD_LENGTH, "IDENTIFY takes no payload")
                    return Result.OK, encode_identity(Identity(self.device_type, self.firmware, self.model))
                return Result.OK, self.handle(frame.command, frame.payload)
        except PayloadError as exc:
            self.transcript.add("rx", b"", f"NAK {exc.result.name}: {exc}")
            return exc.result, b""

    def _with_faults(self, reply: bytes, request: Frame) -> bytes:
        if self.faults.take("wrong_addr"):
            neighbour = self.address % 0xFE + 1
            reply = encode_frame(Frame(neighbour, request.seq, request.command | 0x80, reply[7:-2]))
            self.transcript.add("tx", b"", f"fault: reply from address {neighbour}")
        if self.faults.take("crc"):
            reply = reply[:-1] + bytes([reply[-1] ^ 0x5A])
            self.transcript.add("tx", b"", "fault: broken CRC")
        if self.faults.take("garbage"):
            reply = random.randbytes(random.randint(1, 24)) + reply
            self.transcript.add("tx", b"", "fault: garbage before reply")
        return reply


class HallBusLine:
    """Several simulated devices sharing one line: a Simulator for `start_pty_simulator`."""

    def __init__(
        self, devices: Sequence[HallBusDeviceSim], *, gap: float = DEFAULT_GAP, pace_baud: int | None = None
    ) -> None:
        self.devices = list(devices)
        self.gap = gap
        self.pace_baud = pace_baud
        self.collisions = 0

    def serve(self, port: BytePort, stop: threading.Event) -> None:
        while not stop.is_set():
            heard = port.read(4096, self.gap)
            answers = [(d, r) for d in self.devices for r in (d.receive(heard) if heard else d.line_idle())]
            if answers:
                self._drive(port, answers, len(heard))

    def _drive(self, port: BytePort, answers: list[tuple[HallBusDeviceSim, bytes]], request_len: int) -> None:
        senders = list(dict.fromkeys(device for device, _ in answers))
        if len(senders) == 1:
            wire = b"".join(reply for _, reply in answers)
        else:  # two drivers fighting over one pair garble each other; ORing the bytes models that
            self.collisions += 1
            wire = b""
            for _, reply in answers:
                width = max(len(wire), len(reply))
                wire = bytes(
                    a | b for a, b in zip(wire.ljust(width, b"\0"), reply.ljust(width, b"\0"), strict=True)
                )
        for device in self.devices:
            if device not in senders:
                device.receive(wire)
        if self.pace_baud:
            time.sleep(wire_time(request_len + len(wire), self.pace_baud))
        for sender in senders:
            sender.transcript.add("tx", wire, "collision" if len(senders) > 1 else "")
        if any(sender.faults.split for sender in senders):
            for byte in wire:
                port.write(bytes([byte]))
                time.sleep(0.0005)
        else:
            port.write(wire)
