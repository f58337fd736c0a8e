"""The hall server going away and coming back (banner, disabled actions, recovery by itself), a call cut
mid-flight, and the idle wipe of personal data, with the real window and a real server."""

from __future__ import annotations

import threading
from urllib.parse import urlparse

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from hall_server.client import ApiError
from hall_server.contract.idnumbers import mask_name
from hall_server.contract.privacy import mask_number
from kiosk.controller.devices import CardEvent
from kiosk.controller.kiosk import ELDER_IDLE_FACTOR, KioskController, Screen
from tests.conftest import make_settings, start_server


def restart_server(demo_hall, tmp_path, clock) -> None:
    """The same hall (same database) on the same port, as after a restart of the hall server."""
    port = urlparse(demo_hall.base_url).port
    demo_hall.server = start_server(make_settings(f"sqlite:///{tmp_path / 'hall.db'}", tmp_path), clock, port)


def kiosk_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("kiosk-")]


def test_server_down_shows_the_banner_disables_ticketing_and_recovers_by_itself(
    qtbot, kiosk_window, demo_hall, tmp_path, clock
):
    window, controller = kiosk_window()
    take = window.findChild(QPushButton, "takeTicketButton")
    banner = window.findChild(QLabel, "offlineBanner")
    qtbot.waitUntil(lambda: take.isEnabled(), timeout=60000)
    assert not banner.isVisible()
    demo_hall.server.stop()
    qtbot.waitUntil(lambda: banner.isVisible(), timeout=60000)
    assert not take.isEnabled()
    assert not window.findChild(QPushButton, "helpButton").isEnabled()
    window.grab().save(str(tmp_path / "offline.png"))
    restart_server(demo_hall, tmp_path, clock)
    qtbot.waitUntil(lambda: take.isEnabled() and not banner.isVisible(), timeout=60000)
    assert controller.waiting and controller.hall_name


def test_a_call_cut_by_the_server_going_away_marks_the_kiosk_offline(
    headless_kiosk, demo_hall, tmp_path, clock
):
    controller, runner = headless_kiosk()
    runner.run_until(lambda: controller.online, timeout=15)
    server_gone = threading.Event()
    answers: list[object] = []
    failures: list[ApiError] = []

    def slow_call(client):
        server_gone.wait(10)
        return client.categories()

    assert controller.call_server(slow_call, answers.append, failures.append)
    demo_hall.server.stop()
    server_gone.set()
    runner.run_until(lambda: failures, timeout=30)
    assert failures[0].code == "HALL_OFFLINE" and answers == []
    assert not controller.online and controller.server_down
    assert not controller.call_server(slow_call, answers.append, failures.append)  # nothing sent while down
    restart_server(demo_hall, tmp_path, clock)
    runner.run_until(lambda: controller.online, timeout=15)
    controller.stop()
    assert kiosk_threads() == [], "stop() left threads running"


class CardFlow:
    """The part of a flow that matters to the wipe: it keeps the card it read and shows it masked."""

    def __init__(self) -> None:
        self.name = ""
        self.number = ""

    def reset(self) -> None:
        self.name = self.number = ""

    def on_card(self, event: CardEvent) -> bool:
        if event.kind != "read" or event.identity is None:
            return False
        self.name, self.number = event.identity.name or "", event.identity.number
        return True


class CardPage(QWidget):
    def __init__(self, flow: CardFlow) -> None:
        super().__init__()
        self.flow = flow
        self.shown = QLabel()
        self.shown.setObjectName("cardShown")
        QVBoxLayout(self).addWidget(self.shown)

    def refresh(self) -> None:
        flow = self.flow
        self.shown.setText(f"{mask_name(flow.name)} {mask_number(flow.number)}" if flow.number else "")


def shown_texts(window) -> list[str]:
    return [w.text() for kind in (QLabel, QPushButton) for w in window.findChildren(kind)]


def wipe_after_idle(qtbot, kiosk_window, simulators, elder: bool) -> None:
    now = [1000.0]
    window, controller = kiosk_window(elder=elder, idle_seconds=30)
    assert isinstance(controller, KioskController)
    controller.monotonic = lambda: now[0]
    controller.touch()
    flow = CardFlow()
    controller.flows[Screen.LOOKUP] = flow
    window.add_page(Screen.LOOKUP, CardPage(flow))
    qtbot.waitUntil(lambda: controller.online, timeout=60000)
    controller.go(Screen.LOOKUP)
    simulators.place("resident_male")
    qtbot.waitUntil(lambda: bool(flow.number), timeout=60000)
    name, number = flow.name, flow.number
    masked = f"{mask_name(name)} {mask_number(number)}"
    qtbot.waitUntil(lambda: masked in shown_texts(window), timeout=60000)
    assert not any(name in text or number in text for text in shown_texts(window))

    now[0] += 30 * (ELDER_IDLE_FACTOR if elder else 1.0) - 1
    controller.tick()
    assert controller.screen is Screen.LOOKUP  # not yet
    now[0] += 1
    controller.tick()
    assert controller.screen is Screen.HOME
    assert flow.name == flow.number == ""
    visible_digits = mask_number(number).replace("*", "")
    for text in shown_texts(window):
        assert mask_name(name) not in text and name not in text
        assert number[-4:] not in text and (not visible_digits or visible_digits not in text.replace(" ", ""))


def test_idle_returns_home_and_wipes_the_card_from_memory_and_screen(qtbot, kiosk_window, simulators):
    wipe_after_idle(qtbot, kiosk_window, simulators, elder=False)


def test_elder_mode_waits_twice_as_long_before_the_wipe(qtbot, kiosk_window, simulators):
    wipe_after_idle(qtbot, kiosk_window, simulators, elder=True)


def test_any_tap_in_the_window_restarts_the_idle_timer(qtbot, kiosk_window):
    from PySide6.QtCore import Qt

    now = [1000.0]
    window, controller = kiosk_window(idle_seconds=30)
    controller.monotonic = lambda: now[0]
    page = QWidget()
    key = QPushButton("7", page)  # a keypad key: it changes nothing the controller sees
    key.setObjectName("keySeven")
    window.add_page(Screen.LOOKUP, page)
    controller.go(Screen.LOOKUP)
    now[0] += 25
    qtbot.mouseClick(key, Qt.MouseButton.LeftButton)
    now[0] += 25
    controller.tick()
    assert controller.screen is Screen.LOOKUP
    now[0] += 5
    controller.tick()
    assert controller.screen is Screen.HOME
