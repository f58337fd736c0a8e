"""A simulated screen on a pty, with the real master and driver on the other end."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from devices.hallbus.master import HallBusMaster
from devices.ledscreen.driver import LedScreen
from devices.ledscreen.simulator import LedScreenSim
from devices.transport import RunningSimulator, start_pty_simulator

ADDRESS = 3
TEST_TIMEOUT = 0.1


@dataclass
class ScreenRig:
    screen: LedScreen
    sim: LedScreenSim
    running: RunningSimulator


@pytest.fixture
def rig() -> Iterator[ScreenRig]:
    sim = LedScreenSim(ADDRESS)
    running = start_pty_simulator(sim, name="test-ledscreen")
    master = HallBusMaster.open(running.endpoint, 9600)
    screen = LedScreen(master, ADDRESS, timeout=TEST_TIMEOUT, retries=2)
    yield ScreenRig(screen, sim, running)
    master.close()
    running.stop()
