"""The 模拟设备 strip of a demo kiosk: its own simulators (sim:// devices kept by DeviceHub) drive a whole
check-in and a printer fault without any device attached."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton

from hall_server.contract.identity import IdentityIn, IdKind
from hall_server.contract.queue import Priority
from kiosk.controller.checkin import Step
from kiosk.controller.kiosk import Screen
from tests.kiosk.test_checkin import TEN, book

LI_XIUYING = IdentityIn(kind=IdKind.RESIDENT, number="11010519491231002X", name="李秀英")  # elder_female
SIMULATED = {
    "idcard": "sim://idcard",
    "printer": "sim://printer",
    "camera": "sim://camera?scene=empty&realtime=0&width=640&height=360",
}


def click(qtbot, window, name: str) -> None:
    widget = window.findChild(QPushButton, name)
    assert widget is not None and widget.isVisible() and widget.isEnabled(), name
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_a_demo_kiosk_checks_in_by_simulated_card_and_phone(kiosk_window, demo_hall, clock, qtbot):
    book(demo_hall)  # 张三, resident_male
    second = book(demo_hall, identity=LI_XIUYING)
    clock.set(TEN - timedelta(minutes=20))
    window, controller = kiosk_window(**SIMULATED)
    strip = window.simulator_strip
    assert strip is not None and strip.isVisible() and "模拟设备" in strip.title.text()
    qtbot.waitUntil(lambda: controller.online and set(controller.devices.simulators) == {"idcard", "printer"})
    qtbot.waitUntil(lambda: window.findChild(QPushButton, "simPlaceCard").isEnabled())
    window.grab().save("/tmp/simpanel-home.png")

    click(qtbot, window, "checkInButton")
    strip.findChild(QComboBox, "simCardChoice").setCurrentText("resident_male")
    click(qtbot, window, "simPlaceCard")
    flow = controller.checkin
    qtbot.waitUntil(lambda: flow.step is Step.DONE, timeout=60000)
    assert flow.result is not None and flow.result.ticket.priority is Priority.APPOINTMENT
    first = flow.result.ticket.id
    qtbot.waitUntil(lambda: first in controller.handout.delivered, timeout=60000)  # printed on the simulator
    click(qtbot, window, "simRemoveCard")
    click(qtbot, window, "homeButton")

    click(qtbot, window, "checkInButton")
    qtbot.waitUntil(lambda: flow.camera_ok is True, timeout=60000)
    strip.findChild(QLineEdit, "simQrCode").setText(second.code)
    click(qtbot, window, "simShowQr")
    qtbot.waitUntil(lambda: flow.step is Step.DONE, timeout=60000)
    assert flow.result is not None and flow.result.appointment.code == second.code
    assert controller.screen is Screen.TICKET
    second_ticket = flow.result.ticket.id
    qtbot.waitUntil(lambda: second_ticket in controller.handout.delivered, timeout=60000)
    assert len(controller.devices.simulators["printer"].simulator.pages) == 2  # both tickets on paper


def test_the_strip_empties_and_refills_the_simulated_printer(kiosk_window, qtbot):
    window, controller = kiosk_window(**SIMULATED)
    qtbot.waitUntil(lambda: "printer" in controller.devices.simulators)
    qtbot.waitUntil(lambda: window.findChild(QPushButton, "simPaperOut").isEnabled())
    click(qtbot, window, "simPaperOut")
    assert controller.devices.check_printer() is False
    assert controller.devices.part("printer").code
    click(qtbot, window, "simPaperBack")
    assert controller.devices.check_printer() is True


def test_no_strip_with_real_devices(kiosk_window):
    window, _ = kiosk_window()
    assert window.simulator_strip is None
