"""A device on a HallBus/1 line, opened from a URL: `serial:///dev/ttyUSB0?baud=9600&addr=3` or `sim://...`.

URL options: `addr` (1-254, default 1), `baud` (default 9600), `timeout` (reply timeout in seconds, default
0.2), `retries` (default 2). A `sim://` URL starts the kind's simulator on a pty and opens the pty like a
serial port.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType

from devices.hallbus.codec import Identity, is_device_address
from devices.hallbus.master import (
    DEFAULT_BAUD,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    HallBusMaster,
    shared_master,
)
from devices.hallbus.simulator import HallBusDeviceSim
from devices.transport import DeviceUrl, DeviceUrlError, RunningSimulator, start_pty_simulator


class BusDevice:
    """One addressed device behind a master; drivers of each device type build on it."""

    def __init__(
        self,
        master: HallBusMaster,
        address: int,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        on_close: Callable[[], None] | None = None,
        simulator: RunningSimulator | None = None,
    ) -> None:
        if not is_device_address(address):
            raise ValueError(f"device address {address} is not 1-254")
        self.master = master
        self.address = address
        self.timeout = timeout
        self.retries = retries
        self.simulator = simulator
        self._on_close = on_close

    def request(self, command: int, payload: bytes = b"") -> bytes:
        return self.master.transact(
            self.address, command, payload, timeout=self.timeout, retries=self.retries
        )

    def identify(self) -> Identity:
        return self.master.identify(self.address, timeout=self.timeout, retries=self.retries)

    def close(self) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()

    def __enter__(self) -> BusDevice:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def bus_options(url: DeviceUrl) -> dict[str, float | int]:
    address = url.int_option("addr", 1)
    if not is_device_address(address):
        raise DeviceUrlError(f"{url.raw}: addr={address} is not a device address 1-254")
    return {
        "address": address,
        "timeout": url.float_option("timeout", DEFAULT_TIMEOUT),
        "retries": url.int_option("retries", DEFAULT_RETRIES),
    }


def open_master(
    url: DeviceUrl, make_simulator: Callable[[Mapping[str, str]], HallBusDeviceSim]
) -> tuple[HallBusMaster, Callable[[], None], RunningSimulator | None]:
    """The master for a URL, the function that lets go of it, and the simulator it started (sim:// only)."""
    baud = url.int_option("baud", DEFAULT_BAUD)
    if url.scheme == "serial":
        master, release = shared_master(url.target, baud)
        return master, release, None
    if url.scheme == "sim":
        running = start_pty_simulator(make_simulator(url.options), name=f"hallbus-{url.target}")
        master = HallBusMaster.open(running.endpoint, baud)

        def release() -> None:
            master.close()
            running.stop()

        return master, release, running
    raise DeviceUrlError(f"{url.raw}: a HallBus device is opened by a serial:// or sim:// URL")
