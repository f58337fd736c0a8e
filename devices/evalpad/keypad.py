"""The real keypad rater driver: an EvaluationPad over HallBus/1 (commands in `keypad_commands`).

The keypad cannot speak first on RS-485, so `request_rating` sends REQUEST_RATING and then polls STATUS every
`poll_interval` seconds until the keypad reports RATED, TIMED_OUT or CANCELLED, or until the keypad's own
timeout plus `grace_s` has passed (then it cancels the request itself).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from devices.errors import DeviceError
from devices.evalpad.keypad_commands import (
    KeypadState,
    KeypadStatus,
    RatingRequest,
    decode_status,
    encode_request,
)
from devices.evalpad.rating import PadStatus, Rating, Staff
from devices.hallbus.codec import Command
from devices.hallbus.device import BusDevice
from devices.hallbus.master import DEFAULT_RETRIES, DEFAULT_TIMEOUT, HallBusMaster, parse_reply
from devices.transport import RunningSimulator

KIND = "HallBus/1 键盘评价器"


class KeypadRater(BusDevice):
    def __init__(
        self,
        master: HallBusMaster,
        address: int,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        poll_interval: float = 0.25,
        grace_s: float = 1.0,
        on_close: Callable[[], None] | None = None,
        simulator: RunningSimulator | None = None,
    ) -> None:
        super().__init__(
            master, address, timeout=timeout, retries=retries, on_close=on_close, simulator=simulator
        )
        self.poll_interval = poll_interval
        self.grace_s = grace_s
        self._waiting_for = ""
        self._closed = threading.Event()

    def request_rating(
        self, ticket_no: str, staff: Staff, timeout_s: float, *, window_no: str = "", matter: str = ""
    ) -> Rating | None:
        """window_no and matter are not shown: a keypad's display holds the ticket and the staff only."""
        request = RatingRequest(ticket_no, timeout_s, staff.staff_id, staff.masked_name)
        self.request(Command.REQUEST_RATING, encode_request(request))
        self._waiting_for = ticket_no
        deadline = time.monotonic() + timeout_s + self.grace_s
        try:
            while (left := deadline - time.monotonic()) > 0:
                if self._closed.wait(min(self.poll_interval, left)):
                    return None
                status = self.keypad_status()
                if status.ticket_no != ticket_no or status.state != KeypadState.WAITING:
                    return _rating_from(status, ticket_no)
            self.cancel()
            return None
        finally:
            self._waiting_for = ""

    def cancel(self) -> None:
        self.request(Command.CANCEL_RATING)

    def keypad_status(self) -> KeypadStatus:
        data = self.request(Command.STATUS)
        return parse_reply(decode_status, data, f"keypad STATUS from address {self.address}")

    def status(self) -> PadStatus:
        try:
            identity = self.identify()
            state = self.keypad_status()
        except DeviceError as exc:
            return PadStatus(False, KIND, detail=str(exc))
        return PadStatus(
            True,
            KIND,
            model=identity.model,
            pad_id=f"addr {self.address}",
            waiting_for=self._waiting_for,
            detail=f"state {state.state.name}",
        )

    def close(self) -> None:
        self._closed.set()
        super().close()


def _rating_from(status: KeypadStatus, ticket_no: str) -> Rating | None:
    if status.ticket_no != ticket_no or status.state != KeypadState.RATED or status.level is None:
        return None  # timed out, cancelled, or replaced by a request for another ticket
    return Rating(ticket_no, status.level)
