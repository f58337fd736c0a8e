"""A real driver on one end of a pty pair, the simulator on the other."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from devices.idcard.cards import SimCard, sim_card
from devices.idcard.reader import SamReader
from devices.idcard.simulator import Faults, IdCardSimulator
from devices.transport import RunningSimulator, start_pty_simulator

TIMEOUT = 0.3
READ_TIMEOUT = 0.5


@dataclass
class Rig:
    simulator: IdCardSimulator
    running: RunningSimulator
    reader: SamReader

    @property
    def faults(self) -> Faults:
        return self.simulator.faults


MakeRig = Callable[..., Rig]


@pytest.fixture
def make_rig() -> Iterator[MakeRig]:
    rigs: list[Rig] = []

    def make(card: str | SimCard | None = None, *, pace: bool = False, faults: Faults | None = None) -> Rig:
        placed = sim_card(card) if isinstance(card, str) else card
        simulator = IdCardSimulator(placed, pace=pace, faults=faults)
        running = start_pty_simulator(simulator, "idcard-test")
        reader = SamReader(running.endpoint, timeout=TIMEOUT, read_timeout=READ_TIMEOUT)
        reader.open()
        rigs.append(Rig(simulator, running, reader))
        return rigs[-1]

    yield make
    for rig in rigs:
        rig.reader.close()
        rig.running.stop()


@pytest.fixture
def rig(make_rig: MakeRig) -> Rig:
    """A reader and a simulator with no card on the antenna, answering at once."""
    return make_rig()
