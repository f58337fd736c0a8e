"""Round trips of the window screen and evaluation pads through the real drivers and the simulators.

1. HallBus/1 SHOW_TEXT request -> ACK over a pty at 9600 and 115200 baud. A pty moves bytes at memory speed,
   so the simulator is run twice: unpaced (what our code costs) and paced (it holds each reply for the wire
   time of request plus reply at that baud, as a real line would). The wire column is that 8N1 time alone.
2. Evaluation: request -> result when the visitor presses at once: EvalPad/1 over loopback TCP, and a
   HallBus/1 keypad (whose driver polls, so the poll interval bounds its latency).

Run: .venv/bin/python bench/hallbus_roundtrip.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

from devices.evalpad.jsonpad import JsonEvalPad
from devices.evalpad.jsonpad_sim import ScriptedPad
from devices.evalpad.keypad import KeypadRater
from devices.evalpad.keypad_sim import KeypadSim
from devices.evalpad.rating import RatingLevel, Staff
from devices.evalpad.script import VisitorScript
from devices.hallbus.codec import OVERHEAD, encode_text, wire_time
from devices.hallbus.master import HallBusMaster
from devices.ledscreen.driver import LedScreen
from devices.ledscreen.simulator import LedScreenSim
from devices.transport import parse_device_url, start_pty_simulator, start_tcp_simulator

TEXTS = {"short": "请 A012 号", "long": "请 A012 号 到 5 号窗口 办理 " + "欢迎光临" * 20}
STAFF = Staff("1024", "李四")


def timings_ms(action: Callable[[], object], repeat: int) -> list[float]:
    action()  # warm up
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def screen_rows() -> list[str]:
    rows = []
    for baud in (9600, 115200):
        for name, text in TEXTS.items():
            request_bytes = OVERHEAD + 2 + len(encode_text(text))
            wire_ms = wire_time(request_bytes + OVERHEAD + 1, baud) * 1000
            cells = []
            for pace in (None, baud):
                running = start_pty_simulator(LedScreenSim(3, pace_baud=pace))
                master = HallBusMaster.open(running.endpoint, baud)
                screen = LedScreen(master, 3, timeout=0.5, retries=0)
                samples = timings_ms(partial(screen.show, text), 30 if pace else 200)
                master.close()
                running.stop()
                cells.append(f"{statistics.median(samples):8.2f} {p95(samples):8.2f}")
            rows.append(f"{baud:>7} {name:>5} {request_bytes:>5} {wire_ms:9.2f}   {cells[0]}   {cells[1]}")
    return rows


def tablet_row(repeat: int = 100) -> str:
    pad = ScriptedPad(visitor=VisitorScript([RatingLevel.SATISFIED], delay=0.0))
    running = start_tcp_simulator(pad)
    url = parse_device_url(running.endpoint)
    driver = JsonEvalPad(url.target, url.port or 0, window_no="5")
    driver.wait_connected(2)
    samples = timings_ms(lambda: driver.request_rating("A012", STAFF, 5), repeat)
    driver.close()
    running.stop()
    return f"{'EvalPad/1 tablet, loopback TCP':<40} {statistics.median(samples):8.2f} {p95(samples):8.2f}"


def keypad_row(poll: float, repeat: int = 20) -> str:
    sim = KeypadSim(4, visitor=VisitorScript([RatingLevel.SATISFIED], delay=0.0))
    running = start_pty_simulator(sim)
    master = HallBusMaster.open(running.endpoint, 9600)
    keypad = KeypadRater(master, 4, poll_interval=poll)
    samples = timings_ms(lambda: keypad.request_rating("A012", STAFF, 5), repeat)
    master.close()
    running.stop()
    label = f"HallBus/1 keypad, pty, poll {poll * 1000:.0f} ms"
    return f"{label:<40} {statistics.median(samples):8.2f} {p95(samples):8.2f}"


def main() -> None:
    print("HallBus/1 SHOW_TEXT -> ACK round trip (ms; reply = 10 bytes)")
    print("   baud  text bytes  wire ms   unpaced median/p95   paced median/p95")
    for row in screen_rows():
        print(row)
    print()
    print("Evaluation request -> result, visitor presses at once (ms)")
    print(f"{'':<40} {'median':>8} {'p95':>8}")
    print(tablet_row())
    for poll in (0.02, 0.25):
        print(keypad_row(poll))


if __name__ == "__main__":
    main()
