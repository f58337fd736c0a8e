"""A simulated 5-key keypad rater on HallBus/1, with a scripted visitor (`devices.evalpad.script`).

Options (sim://evalpad?proto=hallbus&...): `addr` (default 1), `press` and `delay` (the visitor), `pace` (a
baud rate to pace replies at) and the faults of `devices.hallbus.simulator` (`silent`, `crc`, `wrong_addr`,
`garbage`, `split`). Time is read when the master polls, so the simulator needs no thread of its own.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from devices.evalpad.keypad_commands import KeypadState, KeypadStatus, decode_request, encode_status
from devices.evalpad.rating import RatingLevel
from devices.evalpad.script import VisitorScript
from devices.hallbus.codec import Command, DeviceType, PayloadError, Result
from devices.hallbus.simulator import Faults, HallBusDeviceSim


class KeypadSim(HallBusDeviceSim):
    device_type = DeviceType.KEYPAD_RATER
    model = "YM-KEY5-SIM"

    def __init__(
        self,
        address: int = 1,
        *,
        visitor: VisitorScript | None = None,
        faults: Faults | None = None,
        pace_baud: int | None = None,
    ) -> None:
        super().__init__(address, faults=faults, pace_baud=pace_baud)
        self.visitor = visitor or VisitorScript()
        self.state = KeypadState.IDLE
        self.ticket_no = ""
        self.staff_shown = ""
        self.level: RatingLevel | None = None
        self._deadline = 0.0
        self._press: tuple[float, RatingLevel] | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> KeypadSim:
        pace = int(options.get("pace", "0"))
        return cls(
            int(options.get("addr", "1")),
            visitor=VisitorScript.from_options(options),
            faults=Faults.from_options(options),
            pace_baud=pace or None,
        )

    def handle(self, command: int, payload: bytes) -> bytes:
        self._advance()
        if command == Command.REQUEST_RATING:
            self._start(payload)
        elif command == Command.CANCEL_RATING:
            _no_payload(command, payload)
            if self.state == KeypadState.WAITING:
                self.state = KeypadState.CANCELLED
        elif command == Command.STATUS:
            _no_payload(command, payload)
            return encode_status(KeypadStatus(self.state, self.level, self.ticket_no))
        else:
            raise PayloadError(Result.UNKNOWN_COMMAND, f"command {command:#04x} on a keypad")
        return b""

    def _start(self, payload: bytes) -> None:
        request = decode_request(payload)
        now = time.monotonic()
        self.state, self.level, self.ticket_no = KeypadState.WAITING, None, request.ticket_no
        self.staff_shown = f"{request.staff_id} {request.staff_name}".strip()
        self._deadline = now + request.timeout_s
        action = self.visitor.next_action()
        # A keypad has no cancel key: "cancel" in the script means nobody presses, like "none".
        self._press = (now + self.visitor.delay, action) if isinstance(action, RatingLevel) else None

    def _advance(self) -> None:
        if self.state != KeypadState.WAITING:
            return
        now = time.monotonic()
        if self._press is not None and self._press[0] <= min(now, self._deadline):
            self.state, self.level = KeypadState.RATED, self._press[1]
        elif now >= self._deadline:
            self.state = KeypadState.TIMED_OUT


def _no_payload(command: int, payload: bytes) -> None:
    if payload:
        raise PayloadError(Result.BAD_LENGTH, f"command {command:#04x} takes no payload")
