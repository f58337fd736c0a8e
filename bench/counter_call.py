"""Key press "call next" (F1) at the counter → the number on the window's LED screen and the call event on
the hall's live feed: p50/p99 over CALLS calls.

A real `yimen server` process (demo hall), the real counter app (Qt widgets, offscreen) signed in at
window 4 through its sign-in page, the LED screen simulator on a pty (its answers paced at HallBus/1's
9600 baud; the request frame crosses the pty at once, where a real 9600-baud line would add its wire
time: 32 bytes for "请 A012 号到 4 号窗口", about 33 ms), and a
WebSocket client on the `hall` topic as a manager's dashboard would be. The clock starts when F1 is
delivered to the window; "answer" is when the counter shows the called number (the server's answer), "LED"
when the simulator's line 0 holds "请 X 号到 4 号窗口", "event" when the ticket.called event reached the
WebSocket client. Between calls the clerk completes the ticket (F4), outside the measured time.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/counter_call.py [sqlite] [postgresql]
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._hall import backends, demo_hall, percentile, print_table, server_process

CALLS = 50
WINDOW = 4
PASSWORD = "yimen-demo-2026"


class HallFeed:
    """A manager's live feed in a thread: when each ticket's call event arrived."""

    def __init__(self, ws_url: str, token: str) -> None:
        self.ws_url, self.token = ws_url, token
        self.called_at: dict[str, float] = {}
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._follow()), daemon=True)
        self.thread.start()

    async def _follow(self) -> None:
        from hall_server.client.live import LiveFeed
        from hall_server.contract.events import EventType
        from hall_server.contract.live import EventMessage

        async with LiveFeed(self.ws_url, self.token, ["hall"]) as feed:
            self.ready.set()
            while not self.stop.is_set():
                try:
                    message = await asyncio.wait_for(feed.receive(), 0.5)
                except TimeoutError:
                    continue
                if isinstance(message, EventMessage) and message.event.event_type is EventType.TICKET_CALLED:
                    number = str(message.event.data.get("ticket_no"))
                    self.called_at.setdefault(number, time.perf_counter())


def measure(backend: str) -> list[list[str]]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

    from counter_client.config import CounterConfig
    from counter_client.controller.counter import Phase
    from counter_client.views.app import build_counter
    from devices.ledscreen.simulator import LedScreenSim
    from devices.transport import start_pty_simulator
    from hall_server.client import HallClient
    from hall_server.contract.queue import IssueTicketRequest

    app = QApplication.instance() or QApplication([])

    def wait(condition, timeout: float = 15.0) -> float:  # type: ignore[no-untyped-def]
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise TimeoutError("the counter did not get there in time")
            app.processEvents()
            time.sleep(0.001)
        return time.perf_counter()

    with demo_hall(backend) as hall, server_process(hall) as base:
        led = start_pty_simulator(LedScreenSim.from_options({"pace": "9600"}), "ledscreen")
        screen = led.simulator
        assert isinstance(screen, LedScreenSim)
        config = CounterConfig(
            server=base,
            ledscreen=f"serial://{led.endpoint}?baud=9600",
            evalpad="",
            idcard="",
            login="clerk01",
        )
        window, controller = build_counter(config)
        window.show()
        controller.start()
        kiosk = HallClient(base, hall.device_token("kiosk-1"))
        manager = HallClient.login(base, "manager", PASSWORD)
        feed = HallFeed(base.replace("http", "ws", 1) + "/ws", manager.token or "")
        feed.ready.wait(10)
        answer, on_led, on_feed = [], [], []
        try:
            wait(lambda: controller.online)
            password = window.findChild(QLineEdit, "password")
            password.setText(PASSWORD)
            QTest.mouseClick(window.findChild(QPushButton, "signInButton"), Qt.MouseButton.LeftButton)
            wait(lambda: controller.phase is Phase.PICK_WINDOW and bool(controller.windows))
            QTest.mouseClick(window.findChild(QPushButton, f"window{WINDOW}"), Qt.MouseButton.LeftButton)
            wait(lambda: controller.phase is Phase.WORK and not controller.busy)
            for _ in range(CALLS):
                kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL_AFFAIRS"))
            wait(lambda: len(controller.upcoming) > 0 and controller.allowed("call-next"))
            for _ in range(CALLS):
                wait(lambda: controller.allowed("call-next"))
                start = time.perf_counter()
                QTest.keyClick(window, Qt.Key.Key_F1)
                shown = wait(lambda: controller.current is not None and not controller.busy)
                number = controller.current.number  # type: ignore[union-attr]
                text = f"请 {number} 号到 {WINDOW} 号窗口"
                lit = wait(lambda text=text: screen.shown_text(0) == text)  # type: ignore[misc]
                wait(lambda number=number: number in feed.called_at)  # type: ignore[misc]
                answer.append(shown - start)
                on_led.append(lit - start)
                on_feed.append(feed.called_at[number] - start)
                QTest.keyClick(window, Qt.Key.Key_F4)
                wait(lambda: controller.current is None and not controller.busy)
        finally:
            feed.stop.set()
            controller.stop()
            window.close()
            led.stop()
            kiosk.close()
    return [
        [backend, "counter shows the answer", *ms(answer)],
        [backend, "LED screen shows the number", *ms(on_led)],
        [backend, "call event on the hall feed", *ms(on_feed)],
    ]


def ms(values: list[float]) -> list[str]:
    return [str(len(values)), f"{percentile(values, 50) * 1000:.1f}", f"{percentile(values, 99) * 1000:.1f}"]


def main() -> None:
    """Each backend in a process of its own (a fresh QApplication and device bus each time)."""
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(sys.argv[2])), flush=True)
        os._exit(0)  # skip Qt's teardown at interpreter exit: the figures are out
    rows = []
    for backend in backends():
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        done = subprocess.run(
            [sys.executable, __file__, "--one", backend], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            print(f"{backend}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        rows += json.loads(done.stdout.strip().splitlines()[-1])
    print_table(
        "F1 (call next) at the counter → visible, ms (LED frame over a pty, answers paced at 9600 baud)",
        ["backend", "what", "calls", "p50", "p99"],
        rows,
    )


if __name__ == "__main__":
    main()
