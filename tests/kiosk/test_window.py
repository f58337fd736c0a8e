"""The kiosk window, real widgets offscreen, against a real hall server."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.controller.kiosk import Screen


def test_window_starts_on_home_and_enables_ticketing_once_the_server_answers(qtbot, kiosk_window):
    window, controller = kiosk_window()
    take = window.findChild(QPushButton, "takeTicketButton")
    assert take.accessibleName() == "取号"
    qtbot.waitUntil(lambda: take.isEnabled(), timeout=60000)
    assert not window.findChild(QLabel, "offlineBanner").isVisible()
    assert "企业服务" in window.findChild(QLabel, "waitingList").text()
    window.grab().save("/tmp/home.png")
    assert controller.screen is Screen.HOME
