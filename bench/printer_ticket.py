"""Ticket bytes generated and sent: how long building a job takes, how many bytes it is, and how long the real
driver takes to print it on the simulator over a pty at 115200 baud (the simulator takes bytes off the wire no
faster than 10 bits a byte), against the time the bytes alone need on the wire.

    .venv/bin/python bench/printer_ticket.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from devices.printer import compose
from devices.printer.driver import EscposTicketPrinter
from devices.printer.links import SerialLink
from devices.printer.profiles import PROFILES, PrinterProfile
from devices.printer.samples import BEIJING, NOTICE, RECEIPT, TICKET
from devices.printer.simulator import EscposSimulator
from devices.transport import start_pty_simulator

BAUD = 115_200
RUNS = 5

JOBS: dict[str, Callable[[PrinterProfile], bytes]] = {
    "ticket": lambda profile: compose.ticket_job(TICKET, profile),
    "notice": lambda profile: compose.notice_job(NOTICE, profile),
    "receipt": lambda profile: compose.receipt_job(RECEIPT, profile),
    "test page": lambda profile: compose.test_page_job(profile, datetime(2024, 6, 1, tzinfo=BEIJING)),
}


# The profiles as shipped (QR sent as a GS v 0 raster), and the 80 mm one with the printer drawing the QR.
VARIANTS = [*PROFILES.values(), replace(PROFILES["generic80"], name="80+nativeQR", qr_native=True)]


def median_seconds(action: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def print_time(job: bytes, profile: PrinterProfile, baud: int) -> tuple[float, float]:
    """Median seconds for print_job (status, send, status) and for one status() alone."""
    simulator = EscposSimulator(width_dots=profile.width_dots, baud=baud)
    running = start_pty_simulator(simulator, name="bench-printer")
    printer = EscposTicketPrinter(SerialLink(running.endpoint, baud=BAUD), profile)
    try:
        printing = median_seconds(lambda: printer.print_job(job))
        status = median_seconds(printer.status)
    finally:
        printer.close()
        running.stop()
    assert simulator.errors == [] and len(simulator.pages) == RUNS
    return printing, status


def main() -> None:
    header = (
        f"{'job':<10} {'profile':<12} {'bytes':>6} {'build ms':>9} {'wire ms':>8} "
        f"{'print ms @115200':>17} {'x wire':>7} {'print ms unpaced':>17} {'status ms':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, build in JOBS.items():
        for profile in VARIANTS:
            job = build(profile)
            build_s = median_seconds(lambda build=build, profile=profile: build(profile), runs=20)
            wire_s = len(job) * 10 / BAUD
            paced_s, status_s = print_time(job, profile, BAUD)
            unpaced_s, _ = print_time(job, profile, 0)
            print(
                f"{name:<10} {profile.name:<12} {len(job):>6} {build_s * 1e3:>9.2f} {wire_s * 1e3:>8.1f} "
                f"{paced_s * 1e3:>17.1f} {paced_s / wire_s:>7.2f} {unpaced_s * 1e3:>17.1f}"
                f" {status_s * 1e3:>10.2f}"
            )
    print(
        f"\nprint = status (DLE EOT 1/2/4) + job + status again, median of {RUNS};"
        " wire = bytes x 10 bits / 115200 baud."
    )


if __name__ == "__main__":
    main()
