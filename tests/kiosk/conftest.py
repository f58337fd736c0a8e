"""Kiosk tests: a real hall server (SQLite, the demo hall) on 127.0.0.1, the device simulators on pty
pairs, and the kiosk either headless (controller + LoopRunner) or as real Qt widgets offscreen (qtbot)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devices.idcard.cards import load_card
from devices.idcard.simulator import IdCardSimulator
from devices.printer.plugin import simulator_for
from devices.transport import RunningSimulator, start_pty_simulator
from hall_server.client import HallClient
from hall_server.client.runner import LoopRunner
from hall_server.contract.devicehealth import PartState
from hall_server.demo.load import load_demo
from kiosk.config import KioskConfig
from kiosk.controller.devices import DeviceHub
from kiosk.controller.kiosk import KioskController
from tests.conftest import RunningServer, make_settings, start_server


@dataclass
class DemoHall:
    server: RunningServer
    tokens: dict[str, str] = field(default_factory=dict)  # kiosk-1, kiosk-2, display-1

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def staff(self, login: str) -> HallClient:
        return HallClient.login(self.base_url, login, "yimen-demo-2026")


@pytest.fixture
def demo_hall(tmp_path: Path, sqlite_template: Path, clock: Any) -> Iterator[DemoHall]:
    """The demo county hall (its real catalogue, windows, staff, kiosks) on a real server."""
    path = tmp_path / "hall.db"
    shutil.copy(sqlite_template, path)
    server = start_server(make_settings(f"sqlite:///{path}", tmp_path), clock)
    loaded = server.state.uow.run(lambda ctx: load_demo(ctx))
    assert loaded is not None
    hall = DemoHall(server, dict(loaded["devices"]))
    yield hall
    hall.server.stop()  # the one running now: a test may have restarted it (same database, same port)


@dataclass
class Simulators:
    """The kiosk's card reader and printer as wire-level simulators on pty pairs."""

    reader: RunningSimulator
    printer: RunningSimulator

    @property
    def card(self) -> IdCardSimulator:
        simulator = self.reader.simulator
        assert isinstance(simulator, IdCardSimulator)
        return simulator

    def place(self, fixture: str = "resident_male") -> None:
        self.card.place(load_card(fixture))

    def remove(self) -> None:
        self.card.remove()


@pytest.fixture
def simulators() -> Iterator[Simulators]:
    reader = start_pty_simulator(IdCardSimulator(None, pace=False), "idcard")
    printer = start_pty_simulator(simulator_for({}), "printer")
    yield Simulators(reader, printer)
    reader.stop()
    printer.stop()


def kiosk_config(hall: DemoHall, sims: Simulators, **overrides: Any) -> KioskConfig:
    values: dict[str, Any] = {
        "server": hall.base_url,
        "token": hall.tokens["kiosk-1"],
        "idcard": f"serial://{sims.reader.endpoint}?baud=115200",
        "printer": f"serial://{sims.printer.endpoint}?baud=115200",
        "camera": "",
        "voice": "",
        **overrides,
    }
    return KioskConfig(**values)


def kiosk_state(controller: KioskController) -> str:
    """What a kiosk that did not get ready was waiting for: the server, each part, its background threads."""
    parts = ", ".join(
        f"{p.kind}={p.state.value}" + (f" {p.code}: {p.message}" if p.state is not PartState.OK else "")
        for p in controller.devices.parts()
    )
    threads = ", ".join(f"{t.name} {'alive' if t.is_alive() else 'ended'}" for t in controller._threads)
    return (
        f"online={controller.online} offline_reason={controller.offline_reason!r}; "
        f"parts: {parts or 'none reported'}; threads: {threads}"
    )


def wait_ready(controller: KioskController, runner: LoopRunner, *parts: str, timeout: float = 15.0) -> None:
    """Run the kiosk until it is online and each named part (reader, printer) works; a timeout says which
    of them was not."""
    try:
        runner.run_until(
            lambda: controller.online and all(controller.devices.works(part) for part in parts), timeout
        )
    except TimeoutError as exc:
        raise AssertionError(
            f"the kiosk was not ready within {timeout:.0f} s: {kiosk_state(controller)}"
        ) from exc


@pytest.fixture
def headless_kiosk(
    demo_hall: DemoHall, simulators: Simulators
) -> Iterator[Callable[..., tuple[KioskController, LoopRunner]]]:
    """make(**config overrides) -> a started controller without a screen, and its runner to drain."""
    made: list[tuple[KioskController, LoopRunner]] = []

    def make(**overrides: Any) -> tuple[KioskController, LoopRunner]:
        config = kiosk_config(demo_hall, simulators, **overrides)
        runner = LoopRunner()
        client = HallClient(config.server, config.token)
        controller = KioskController(config, client, DeviceHub(config), runner)
        controller.start()
        made.append((controller, runner))
        return controller, runner

    yield make
    for controller, runner in made:
        controller.stop()
        runner.close()


@pytest.fixture
def kiosk_window(
    qtbot: Any, demo_hall: DemoHall, simulators: Simulators
) -> Iterator[Callable[..., tuple[Any, KioskController]]]:
    """make(**config overrides) -> (the real KioskWindow offscreen, its started controller)."""
    from kiosk.views.app import build_kiosk

    made: list[KioskController] = []

    def make(**overrides: Any) -> tuple[Any, KioskController]:
        window, controller = build_kiosk(kiosk_config(demo_hall, simulators, **overrides))
        qtbot.addWidget(window)
        window.show()
        controller.start()
        made.append(controller)
        return window, controller

    yield make
    for controller in made:
        controller.stop()
