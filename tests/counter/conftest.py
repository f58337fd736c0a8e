"""Counter tests: the demo hall on a real server (SQLite) on 127.0.0.1, the window's LED screen, evaluation
pad and ID card reader as wire-level simulators (pty pairs, loopback TCP), and the counter either headless
(controller + LoopRunner) or as real Qt widgets offscreen (qtbot)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from counter_client.config import CounterConfig
from counter_client.controller.counter import CounterController, Phase
from counter_client.controller.devices import WindowDevices
from devices import registry
from devices.idcard.cards import load_card
from devices.idcard.simulator import IdCardSimulator
from devices.ledscreen.simulator import LedScreenSim
from devices.transport import RunningSimulator, start_pty_simulator
from hall_server.client import HallClient
from hall_server.client.runner import LoopRunner
from hall_server.contract.queue import IssueTicketRequest, TicketOut
from tests.kiosk.conftest import DemoHall, demo_hall  # noqa: F401 (a fixture, used by name)

PASSWORD = "yimen-demo-2026"


@dataclass
class WindowSims:
    """One window's devices: LED screen (HallBus/1 on a pty), tablet pad (EvalPad/1 on TCP), card reader."""

    led: RunningSimulator
    pad: RunningSimulator
    reader: RunningSimulator

    @property
    def screen(self) -> LedScreenSim:
        simulator = self.led.simulator
        assert isinstance(simulator, LedScreenSim)
        return simulator

    def shown(self) -> str:
        return self.screen.shown_text(0)

    def place(self, fixture: str) -> None:
        """A visitor's card put on the reader (the card before it taken away first)."""
        simulator = self.reader.simulator
        assert isinstance(simulator, IdCardSimulator)
        simulator.remove()
        time.sleep(0.6)  # the reader polls every 0.2 s: it must see the card gone to read the next one
        simulator.place(load_card(fixture))

    def stop(self) -> None:
        for running in (self.led, self.pad, self.reader):
            running.stop()


@pytest.fixture
def window_sims() -> Iterator[Callable[..., WindowSims]]:
    """make(press="satisfied", delay="0.2") -> simulators of one window's devices."""
    made: list[WindowSims] = []

    def make(press: str = "satisfied", delay: str = "0.2", proto: str = "json") -> WindowSims:
        """proto: json (a tablet pad on EvalPad/1, TCP) or hallbus (a 5-key keypad on HallBus/1, a pty)."""
        sims = WindowSims(
            start_pty_simulator(LedScreenSim.from_options({}), "ledscreen"),
            registry.start_simulator("evalpad", {"proto": proto, "press": press, "delay": delay}),
            start_pty_simulator(IdCardSimulator(None, pace=False), "idcard"),
        )
        made.append(sims)
        return sims

    yield make
    for sims in made:
        sims.stop()


def pad_url(pad: RunningSimulator) -> str:
    if pad.endpoint.startswith("tcp://"):
        return f"{pad.endpoint}?dead_after=5"
    return f"serial://{pad.endpoint}?timeout=0.5"  # a keypad on its own HallBus line, address 1


def counter_config(hall: DemoHall, sims: WindowSims | None, **overrides: Any) -> CounterConfig:
    values: dict[str, Any] = {"server": hall.base_url, "rating_seconds": 5.0}
    if sims is not None:
        values.update(
            ledscreen=f"serial://{sims.led.endpoint}?timeout=0.5",
            evalpad=pad_url(sims.pad),
            idcard=f"serial://{sims.reader.endpoint}?baud=115200",
        )
    else:
        values.update(ledscreen="", evalpad="", idcard="")
    values.update(overrides)
    return CounterConfig(**values)


@dataclass
class Counter:
    controller: CounterController
    runner: LoopRunner
    sims: WindowSims | None

    def until(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        self.runner.run_until(condition, timeout)

    def sign_in(self, login: str, window: int) -> None:
        c = self.controller
        c.sign_in(login, PASSWORD)
        self.until(lambda: c.phase is not Phase.SIGN_IN or bool(c.notice and c.notice.error))
        if c.phase is Phase.PICK_WINDOW:
            c.choose_window(window)
        self.until(lambda: c.phase is Phase.WORK and not c.busy and c.online)

    def act(self, action: Callable[[], None]) -> None:
        """Press a button and wait until its answer is in."""
        c = self.controller
        action()
        self.until(lambda: not c.busy)


@pytest.fixture
def counters(
    demo_hall: DemoHall,  # noqa: F811 (the fixture imported above)
    window_sims: Callable[..., WindowSims],
) -> Iterator[Callable[..., Counter]]:
    """make(devices=True, **config) -> a started headless counter of the demo hall."""
    made: list[Counter] = []

    def make(devices: bool = True, press: str = "satisfied", **overrides: Any) -> Counter:
        sims = window_sims(press=press) if devices else None
        config = counter_config(demo_hall, sims, **overrides)
        runner = LoopRunner()
        controller = CounterController(
            config,
            HallClient(config.server),
            WindowDevices(config.ledscreen, config.evalpad, config.idcard, config.printer),
            runner,
        )
        controller.start()
        counter = Counter(controller, runner, sims)
        counter.until(lambda: controller.online)
        made.append(counter)
        return counter

    yield make
    for counter in made:
        counter.controller.stop()


@pytest.fixture
def issue(demo_hall: DemoHall) -> Iterator[Callable[..., TicketOut]]:  # noqa: F811
    """issue(category="SOCIAL_AFFAIRS", matter_id=None) -> a ticket taken at kiosk-1."""
    kiosk = HallClient(demo_hall.base_url, demo_hall.tokens["kiosk-1"])

    def take(category: str = "SOCIAL_AFFAIRS", **fields: Any) -> TicketOut:
        """By category, or by matter with matter_id=."""
        if "matter_id" not in fields:
            fields["category_code"] = category
        return kiosk.issue_ticket(IssueTicketRequest(**fields))

    yield take
    kiosk.close()


# The intake tests' fixtures (the demo hall on both databases, the desk's card reader and printer); imported
# last, as they build on Counter above.
from tests.counter.intake_fixtures import desk, desk_counter, intake_hall  # noqa: E402, F401
