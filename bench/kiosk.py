"""The kiosk, measured: cold start of `yimen kiosk` to the home screen with the hall server's data
(offscreen, a fresh process each time, median of 5); its resident memory after start and after 20
check-in tickets; and ID card placed → appointment checked in → priority ticket printed and its delivery
confirmed (the check-in and handout flows), with the card reader and printer simulators paced at 115200
baud, against the wire time of the bytes both devices exchanged.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/kiosk.py

The hall server runs in its own process on a settable clock (the demo hall's first weekday at 09:45) so
that appointments booked for 10:10 are on time; the demo hall comes from `yimen demo-data` (bench/_hall.py).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._hall import YIMEN, Hall, demo_hall, free_port, print_table

RUNS = 5
TICKETS = 20
BAUD = 115_200
BITS_PER_BYTE = 10
HALL_TZ = ZoneInfo("Asia/Shanghai")
BOOKABLE = ["ENTERPRISE", "SOCIAL_AFFAIRS", "INVESTMENT", "INTERMEDIARY", "PUBLIC_RESOURCES"]
OFFSCREEN = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def first_weekday() -> date:
    day = datetime.now(HALL_TZ).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HALL_TZ)


# -- the hall server on a settable clock, in its own process ----------------------------------------------


def serve(port: int, start_iso: str) -> None:
    """`bench/kiosk.py serve PORT START`: the hall server with its clock stopped at START."""
    import uvicorn

    from hall_server.app import create_app
    from hall_server.core.clock import SettableClock
    from hall_server.core.config import get_settings

    settings = get_settings()
    app = create_app(settings, SettableClock(settings.tz, datetime.fromisoformat(start_iso)))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws_ping_interval=None)


@contextmanager
def clocked_server(hall: Hall, now: datetime) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, __file__, "serve", str(port), now.isoformat()]
    process = subprocess.Popen(command, env=hall.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _healthy(base), 30, "the hall server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz").status_code == 200
    except httpx.TransportError:
        return False


def wait_for(condition: Callable[[], bool], seconds: float, failure: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(failure)
        time.sleep(0.01)


# -- appointments to check in -------------------------------------------------------------------------------


def identities(count: int) -> list[object]:
    from hall_server.contract.identity import IdentityIn, IdKind
    from hall_server.contract.idnumbers import mod11_2_check

    numbers = [f"1101011980{1 + i // 28:02d}{1 + i % 28:02d}{100 + i:03d}" for i in range(count)]
    return [
        IdentityIn(kind=IdKind.RESIDENT, number=n + mod11_2_check(n), name=f"测试{i}")
        for i, n in enumerate(numbers)
    ]


def open_slots(base: str, hall: Hall, day: date) -> dict[str, int]:
    """A roomy slot at 10:10 per bookable category (check-in opens 09:40): its id per category."""
    from hall_server.client import HallClient
    from hall_server.contract.appointments import SlotIn

    manager = next(s for s in hall.accounts["staff"] if s["role"] in ("manager", "admin"))
    start = at(day, 10, 10)
    with HallClient.login(base, manager["login"], manager["password"]) as client:
        return {
            c: client.create_slot(
                SlotIn(category_code=c, start=start, end=start + timedelta(minutes=30), capacity=100)
            ).id
            for c in BOOKABLE
        }


def book(base: str, token: str, slots: dict[str, int], people: list[object]) -> list[str]:
    """Book each person in the next category's slot, in turn: the appointment codes."""
    from hall_server.client import HallClient
    from hall_server.contract.appointments import BookRequest

    codes = []
    with HallClient(base, token) as client:
        for index, person in enumerate(people):
            slot_id = slots[BOOKABLE[index % len(BOOKABLE)]]
            codes.append(client.book(BookRequest(slot_id=slot_id, identity=person)).code)  # type: ignore[arg-type]
    return codes


# -- 1. cold start ------------------------------------------------------------------------------------------


def cold_starts(base: str, token: str) -> list[tuple[float, float]]:
    """(seconds to the home screen's PNG, seconds to the process's exit) of fresh `yimen kiosk` processes."""
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(RUNS):
            shot = Path(folder) / f"home-{run}.png"
            command = [YIMEN, "kiosk", "--server", base, "--token", token, "--screenshot", str(shot),
                       "--exit-after", "60", "--camera", "", "--voice", ""]  # fmt: skip
            started = time.perf_counter()
            process = subprocess.Popen(command, env=OFFSCREEN, stderr=subprocess.PIPE)
            wait_for(lambda shot=shot: shot.exists() and shot.stat().st_size > 0, 60, "no screenshot")
            shown = time.perf_counter() - started
            if process.wait(timeout=30) != 0:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "kiosk failed")
            runs.append((shown, time.perf_counter() - started))
    return runs


# -- 2. resident memory: a child process with the real window ------------------------------------------------


def memory(base: str, token: str, codes: list[str]) -> tuple[int, int]:
    command = [sys.executable, __file__, "memory", base, token, ",".join(codes)]
    output = subprocess.run(command, env=OFFSCREEN, capture_output=True, text=True, check=True, timeout=300)
    after_start, after_tickets = output.stdout.split()[-2:]
    return int(after_start), int(after_tickets)


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory_child(base: str, token: str, codes: list[str]) -> None:
    """`bench/kiosk.py memory BASE TOKEN CODES`: the kiosk window (sim:// devices), RSS after it shows the
    hall, then after checking in each code through the check-in screen; prints both in KiB."""
    from PySide6.QtWidgets import QApplication

    from kiosk.config import KioskConfig
    from kiosk.controller.checkin import Step
    from kiosk.views.app import application_font, build_kiosk

    app = QApplication([])
    app.setFont(application_font())
    window, controller = build_kiosk(KioskConfig(server=base, token=token, camera="", voice=""))
    window.show()
    controller.start()

    def until(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 30
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError("the kiosk did not get there")
            app.processEvents()
            time.sleep(0.005)

    until(
        lambda: (
            controller.online and bool(controller.hall_name) and "printer" in controller.devices.simulators
        )
    )
    after_start = rss_kib()
    for code in codes:
        controller.checkin.start()
        controller.checkin.on_scanned(code)
        until(lambda: controller.checkin.step in (Step.DONE, Step.REFUSED))
        if controller.checkin.step is not Step.DONE or controller.checkin.result is None:
            raise RuntimeError(f"check-in refused: {controller.checkin.error_code}")
        ticket_id = controller.checkin.result.ticket.id
        until(lambda ticket_id=ticket_id: ticket_id in controller.handout.delivered)  # printed, confirmed
        controller.go_home()
    print(after_start, rss_kib())
    controller.stop()


# -- 3. card placed → checked in, at 115200 baud -------------------------------------------------------------


@dataclass
class CardRun:
    issued_s: float  # card placed → checked in, ticket issued (PENDING)
    confirmed_s: float  # → printed, the printer's status read, PRINTED reported and answered
    reader_bytes: int  # both directions, from the card placed to the read done
    printer_bytes: int  # the print job and the status queries

    @property
    def wire_s(self) -> float:
        return (self.reader_bytes + self.printer_bytes) * BITS_PER_BYTE / BAUD


def card_to_ticket(base: str, token: str) -> list[CardRun]:
    """The check-in by card through the real flows (check-in, handout) on paced pty simulators."""
    from devices.idcard.cards import load_card
    from devices.idcard.simulator import IdCardSimulator
    from devices.printer.plugin import simulator_for
    from devices.transport import start_pty_simulator
    from hall_server.client import HallClient
    from hall_server.client.runner import LoopRunner
    from kiosk.config import KioskConfig
    from kiosk.controller.checkin import Step
    from kiosk.controller.devices import DeviceHub
    from kiosk.controller.kiosk import KioskController

    card = IdCardSimulator(None, baud=BAUD, pace=True)
    paper = simulator_for({"baud": str(BAUD)})
    reader = start_pty_simulator(card, "bench-idcard")
    printer = start_pty_simulator(paper, "bench-printer")
    config = KioskConfig(
        server=base,
        token=token,
        idcard=f"serial://{reader.endpoint}?baud={BAUD}",
        printer=f"serial://{printer.endpoint}?baud={BAUD}",
        camera="",
        voice="",
    )
    # More workers than runs: the handout keeps one asleep for 8 s per printed ticket (its 请取走票据 time).
    runner = LoopRunner(workers=RUNS + 4)
    controller = KioskController(config, HallClient(base, token), DeviceHub(config), runner)
    controller.start()
    runs = []
    flow = controller.checkin
    try:
        runner.run_until(lambda: controller.online and controller.devices.works("printer"), timeout=30)
        for _ in range(RUNS):
            flow.start()
            reader_before, printer_before = len(card.rx_bytes()) + len(card.tx_bytes()), paper.bytes_received
            started = time.perf_counter()
            card.place(load_card("resident_male"))
            runner.run_until(lambda: flow.step in (Step.DONE, Step.REFUSED), timeout=30)
            issued = time.perf_counter() - started
            if flow.step is not Step.DONE or flow.result is None:
                raise RuntimeError(f"check-in refused: {flow.error_code}")
            ticket_id = flow.result.ticket.id
            runner.run_until(lambda done=controller.handout.delivered, t=ticket_id: t in done, timeout=30)
            confirmed = time.perf_counter() - started
            reader_bytes = len(card.rx_bytes()) + len(card.tx_bytes()) - reader_before
            runs.append(CardRun(issued, confirmed, reader_bytes, paper.bytes_received - printer_before))
            controller.go_home()
            polls = len(card.requests())
            card.remove()  # the reader must see the card gone before the next one reads
            runner.run_until(lambda polls=polls: len(card.requests()) >= polls + 2, timeout=10)
    finally:
        controller.stop()
        runner.close()
        reader.stop()
        printer.stop()
    return runs


def main() -> None:
    from devices.idcard.cards import CARDS
    from kiosk.controller.devices import identity_of

    day = first_weekday()
    with demo_hall("sqlite") as hall, clocked_server(hall, at(day, 9, 45)) as base:
        token = hall.device_token("kiosk-1")
        starts = cold_starts(base, token)
        shown = statistics.median(s for s, _ in starts)
        exited = statistics.median(e for _, e in starts)
        print_table(
            "Cold start of `yimen kiosk` to the home screen with the server's data "
            f"(offscreen, median of {RUNS})",
            ["home shown s", "process done s", "fastest s", "slowest s"],
            [[f"{shown:.2f}", f"{exited:.2f}", f"{min(s for s, _ in starts):.2f}",
              f"{max(s for s, _ in starts):.2f}"]],
        )  # fmt: skip

        slots = open_slots(base, hall, day)
        book(base, hall.device_token("kiosk-2"), slots, [identity_of(CARDS["resident_male"])] * RUNS)
        runs = card_to_ticket(base, token)
        median = statistics.median
        wire = median(r.wire_s for r in runs)
        confirmed = median(r.confirmed_s for r in runs)
        print_table(
            f"ID card placed → checked in → ticket printed and its delivery confirmed, reader and printer at "
            f"{BAUD} baud (median of {RUNS})",
            ["issued ms", "confirmed ms", "reader B", "printer B", "wire ms", "confirmed x wire"],
            [[f"{median(r.issued_s for r in runs) * 1e3:.0f}", f"{confirmed * 1e3:.0f}",
              f"{median(r.reader_bytes for r in runs):.0f}", f"{median(r.printer_bytes for r in runs):.0f}",
              f"{wire * 1e3:.0f}", f"{confirmed / wire:.2f}"]],
        )  # fmt: skip
        print("wire = (reader frames + print job and status bytes) x 10 bits / 115200 baud")

        codes = book(base, hall.device_token("kiosk-2"), slots, identities(TICKETS))
        after_start, after_tickets = memory(base, token, codes)
        print_table(
            "Resident memory of the kiosk process (window offscreen, sim:// devices)",
            ["after start MiB", f"after {TICKETS} check-in tickets MiB", "growth MiB"],
            [[f"{after_start / 1024:.1f}", f"{after_tickets / 1024:.1f}",
              f"{(after_tickets - after_start) / 1024:.1f}"]],
        )  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1:2] == ["memory"]:
        memory_child(sys.argv[2], sys.argv[3], sys.argv[4].split(","))
    else:
        main()
