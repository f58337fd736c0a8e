"""Shared by the intake tests: the demo hall on SQLite or PostgreSQL (parametrised by `database_url`), a
counter whose window has a card reader and a receipt printer as wire-level simulators over pty pairs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from counter_client.controller.counter import CounterController
from counter_client.controller.devices import WindowDevices
from counter_client.controller.intake import PrintState
from devices.idcard.cards import load_card
from devices.idcard.simulator import IdCardSimulator
from devices.printer.escpos_parser import EscposParser
from devices.printer.plugin import simulator_for
from devices.printer.simulator import EscposSimulator, PrintedPage
from devices.transport import RunningSimulator, start_pty_simulator
from hall_server.client import HallClient
from hall_server.client.runner import LoopRunner
from hall_server.contract.queue import IssueTicketRequest, TicketOut
from hall_server.core.config import Settings
from hall_server.demo.load import load_demo
from tests.conftest import make_settings, start_server
from tests.counter.conftest import Counter, counter_config
from tests.kiosk.conftest import DemoHall

PASSWORD = "yimen-demo-2026"
WINDOW, CLERK = 4, "clerk01"  # 4号社会事务窗口


def start_demo_hall(settings: Settings, clock: Any) -> DemoHall:
    """The demo county hall loaded on a real server with `settings`."""
    server = start_server(settings, clock)
    loaded = server.state.uow.run(lambda ctx: load_demo(ctx))
    assert loaded is not None
    return DemoHall(server, dict(loaded["devices"]))


@pytest.fixture
def intake_hall(database_url: str, tmp_path: Path, clock: Any) -> Iterator[DemoHall]:
    """The demo county hall on a real server, on SQLite and on PostgreSQL."""
    hall = start_demo_hall(make_settings(database_url, tmp_path), clock)
    yield hall
    hall.server.stop()


@dataclass
class Desk:
    """The counter's card reader and receipt printer."""

    reader: RunningSimulator
    printer: RunningSimulator

    @property
    def paper(self) -> EscposSimulator:
        simulator = self.printer.simulator
        assert isinstance(simulator, EscposSimulator)
        return simulator

    def pages(self) -> list[PrintedPage]:
        return [page for page in self.paper.all_pages() if page.cut]

    def text(self, page: PrintedPage) -> str:
        return "\n".join(page.lines)

    def place(self, fixture: str = "resident_male") -> None:
        simulator = self.reader.simulator
        assert isinstance(simulator, IdCardSimulator)
        simulator.remove()
        time.sleep(0.6)  # the reader polls every 0.2 s: it must see the card gone to read the next one
        simulator.place(load_card(fixture))

    def config(self) -> dict[str, str]:
        # qr=native: the printer draws the QR from its payload, which the simulator keeps (qr_texts)
        return {
            "idcard": f"serial://{self.reader.endpoint}?baud=115200",
            "printer": f"serial://{self.printer.endpoint}?baud=115200&qr=native",
        }

    def stop(self) -> None:
        self.reader.stop()
        self.printer.stop()


@pytest.fixture
def desk() -> Iterator[Desk]:
    made = Desk(
        start_pty_simulator(IdCardSimulator(None, pace=False), "idcard"),
        start_pty_simulator(simulator_for({}), "printer"),
    )
    yield made
    made.stop()


def issue(hall: DemoHall, matter_name: str) -> TicketOut:
    """A ticket for a matter, taken at kiosk-1."""
    manager = HallClient.login(hall.base_url, "manager", PASSWORD)
    matter = next(m for m in manager.matters(category="SOCIAL_AFFAIRS") if m.name == matter_name)
    manager.close()
    kiosk = HallClient(hall.base_url, hall.tokens["kiosk-1"])
    try:
        return kiosk.issue_ticket(IssueTicketRequest(matter_id=matter.id))
    finally:
        kiosk.close()


@pytest.fixture
def desk_counter(intake_hall: DemoHall, desk: Desk) -> Iterator[Callable[..., Counter]]:
    """make() -> a headless counter at window 4, signed in, with the desk's reader and printer."""
    made: list[Counter] = []

    def make(**overrides: Any) -> Counter:
        config = counter_config(intake_hall, None, **{**desk.config(), **overrides})
        runner = LoopRunner()
        devices = WindowDevices(config.ledscreen, config.evalpad, config.idcard, config.printer)
        counter = Counter(CounterController(config, HallClient(config.server), devices, runner), runner, None)
        counter.controller.start()
        counter.until(lambda: counter.controller.online)
        counter.sign_in(CLERK, WINDOW)
        made.append(counter)
        return counter

    yield make
    for counter in made:
        counter.controller.stop()


def serve(
    counter: Counter, desk: Desk, hall: DemoHall, matter_name: str, card: str = "resident_male"
) -> None:
    """Call the visitor of a new ticket for `matter_name`, who puts the ID card on the reader."""
    c = counter.controller
    ticket = issue(hall, matter_name)
    counter.until(lambda: not c.busy and c.allowed("call-next"))
    counter.act(c.call_next)
    assert c.current is not None and c.current.id == ticket.id
    desk.place(card)
    counter.until(lambda: c.visitor_identity is not None and c.card is not None)


def open_intake(counter: Counter) -> None:
    """收件受理 shown (the hall's matters read), and a case opened for the ticket's matter."""
    intake = counter.controller.intake
    intake.show()
    counter.until(lambda: bool(intake.matters) or intake.error)
    assert intake.matters, intake.message
    intake.open()
    counter.until(lambda: not intake.busy)
    assert intake.case is not None, intake.message


def tick_all_but(counter: Counter, *left_out: str) -> None:
    """The clerk ticks every required material still to hand in, but those named."""
    intake = counter.controller.intake
    for line in intake.material_lines():
        if line.required and not line.needless and line.name not in left_out:
            intake.tick(line.material_id, True)


def printed(counter: Counter, desk: Desk, count: int) -> str:
    """The intake's paper once printed (the `count`th page of the desk's printer), as text."""
    intake = counter.controller.intake
    counter.until(lambda: intake.print_state is not PrintState.PRINTING)
    assert intake.print_state is PrintState.PRINTED, intake.print_message
    pages = desk.pages()
    assert len(pages) == count
    return desk.text(pages[-1])


def wire_text(desk: Desk, start: int = 0) -> tuple[str, list[bytes]]:
    """The bytes the printer received (from the `start`th chunk), parsed: the text (GB18030) and the QR
    payloads (GS ( k 1 P 0)."""
    chunks = [chunk for way, chunk in desk.paper.transcript if way == "rx"]
    commands = EscposParser().feed(b"".join(chunks[start:]))
    text = "\n".join(c.data.decode("gb18030") for c in commands if c.name == "text")
    stores = [c.data[1:] for c in commands if c.name == "code2d" and c.args == (0x31, 0x50)]
    return text, stores


def received_chunks(desk: Desk) -> int:
    """How many chunks the printer has received so far (a mark for wire_text's `start`)."""
    return sum(way == "rx" for way, _chunk in desk.paper.transcript)
