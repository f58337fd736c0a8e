"""Appointment check-in at the kiosk against a real hall server: the phone's QR through the (simulated)
camera, or the ID card through the pty reader; each refusal explained with what to do next."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from hall_server.client import HallClient
from hall_server.contract.appointments import AppointmentOut, BookRequest
from hall_server.contract.identity import IdentityIn, IdKind
from hall_server.contract.queue import Priority, TicketDelivery
from kiosk.controller.checkin import Step, code_in
from kiosk.controller.kiosk import Screen
from kiosk.texts import TEXTS
from tests.conftest import SHANGHAI

TODAY = date(2026, 11, 25)  # the test clock's day (tests/conftest.py START, 09:00)
TEN = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
ZHANG_SAN = IdentityIn(kind=IdKind.RESIDENT, number="11010119900307651X", name="张三")  # resident_male
CATEGORY = "SOCIAL_AFFAIRS"


def book(demo_hall, identity: IdentityIn = ZHANG_SAN, start: datetime = TEN) -> AppointmentOut:
    with HallClient(demo_hall.base_url, demo_hall.tokens["kiosk-2"]) as kiosk:
        slot = next(s for s in kiosk.slots(CATEGORY, start.date()) if s.start == start)
        return kiosk.book(BookRequest(slot_id=slot.id, identity=identity))


def qr_camera(text: str) -> str:
    return f"sim://camera?scene=qr&text={text}&realtime=0&width=640&height=360"


def started(headless_kiosk, **config):
    controller, runner = headless_kiosk(**config)
    runner.run_until(lambda: controller.online, timeout=15)
    controller.checkin.start()
    return controller, runner


def camera_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "kiosk-camera"]


def test_the_code_is_read_alone_or_at_the_end_of_a_link():
    assert code_in("12345678") == "12345678"
    assert code_in("https://hall.example/a/12345678\n") == "12345678"
    assert code_in("YIMEN-APPT-20240601-0007") is None
    assert code_in("123456789") is None


def test_the_phone_qr_checks_in_on_time_and_gives_a_priority_ticket(headless_kiosk, demo_hall, clock):
    appointment = book(demo_hall)
    clock.set(TEN - timedelta(minutes=15))
    controller, runner = started(
        headless_kiosk, camera=qr_camera(f"https://hall.example/a/{appointment.code}")
    )
    flow = controller.checkin
    runner.run_until(lambda: flow.step is Step.DONE, timeout=20)
    assert flow.camera_ok and flow.result is not None
    ticket = flow.result.ticket
    assert ticket.priority is Priority.APPOINTMENT and ticket.delivery is TicketDelivery.PENDING
    assert flow.result.appointment.code == appointment.code
    assert controller.screen is Screen.TICKET and controller.handout.ticket == ticket
    runner.run_until(lambda: ticket.id in controller.handout.delivered, timeout=20)  # printed, confirmed
    assert controller.handout.delivered[ticket.id].delivery is TicketDelivery.PRINTED
    runner.run_until(lambda: not camera_threads())  # done: the camera is let go
    controller.go_home()
    assert flow.result is None and flow.step is Step.WAITING


def test_the_id_card_checks_in_and_the_camera_missing_is_said(headless_kiosk, demo_hall, clock, simulators):
    book(demo_hall)
    clock.set(TEN - timedelta(minutes=29))
    controller, runner = started(headless_kiosk, camera="sim://camera?scene=nothing-like-this")
    flow = controller.checkin
    runner.run_until(lambda: flow.camera_ok is False)
    simulators.place("resident_male")
    runner.run_until(lambda: flow.step is Step.DONE, timeout=20)
    assert flow.result is not None and flow.result.ticket.priority is Priority.APPOINTMENT
    assert flow.result.ticket.visitor is not None
    assert flow.result.ticket.visitor.number_masked.endswith("651X")


def test_the_camera_runs_only_while_the_check_in_screen_shows(headless_kiosk, demo_hall):
    controller, runner = started(
        headless_kiosk, camera="sim://camera?scene=empty&realtime=0&width=320&height=180"
    )
    runner.run_until(lambda: controller.checkin.camera_ok is True)
    assert len(camera_threads()) == 1
    controller.go_home()
    runner.run_until(lambda: not camera_threads())
    controller.checkin.start()
    runner.run_until(lambda: len(camera_threads()) == 1)
    controller.checkin.take_normal_ticket()
    assert controller.screen is Screen.IDENTIFY
    runner.run_until(lambda: not camera_threads())


@pytest.mark.parametrize(
    ("minutes", "code", "normal_ticket"),
    [(-31, "CHECK_IN_TOO_EARLY", False), (16, "APPOINTMENT_EXPIRED", True)],
)
def test_too_early_and_too_late_by_card(
    headless_kiosk, demo_hall, clock, simulators, minutes, code, normal_ticket
):
    book(demo_hall)
    clock.set(TEN + timedelta(minutes=minutes))
    controller, runner = started(headless_kiosk)
    flow = controller.checkin
    simulators.place("resident_male")
    runner.run_until(lambda: flow.step is Step.REFUSED, timeout=20)
    assert flow.error_code == code and flow.refusal_key == code
    assert flow.needs_normal_ticket is normal_ticket
    if code == "CHECK_IN_TOO_EARLY":
        assert "09:30" in flow.error_message
    if normal_ticket:
        flow.take_normal_ticket()
        assert controller.screen is Screen.IDENTIFY and flow.step is Step.WAITING


def test_no_appointment_today_and_a_code_of_another_day(headless_kiosk, demo_hall, simulators):
    tomorrow = book(demo_hall, start=TEN + timedelta(days=1))
    controller, runner = started(headless_kiosk, camera=qr_camera(tomorrow.code))
    flow = controller.checkin
    runner.run_until(lambda: flow.step is Step.REFUSED, timeout=20)
    assert flow.error_code == "CHECK_IN_WRONG_DAY" and "11月26日" in flow.error_message
    assert not flow.needs_normal_ticket
    controller.go_home()
    by_card, card_runner = started(headless_kiosk)
    simulators.place("resident_male")  # booked tomorrow, not today
    card_runner.run_until(lambda: by_card.checkin.step is Step.REFUSED, timeout=20)
    assert by_card.checkin.error_code == "NO_APPOINTMENT_TODAY" and by_card.checkin.needs_normal_ticket


def test_a_qr_without_a_code_and_an_unknown_code(headless_kiosk, demo_hall):
    controller, runner = started(headless_kiosk, camera=qr_camera("YIMEN-APPT-20240601-0007"))
    flow = controller.checkin
    runner.run_until(lambda: flow.step is Step.REFUSED, timeout=20)
    assert flow.refusal_key == "CODE_UNREADABLE"
    controller.go_home()
    controller2, runner2 = started(headless_kiosk, camera=qr_camera("99999999"))
    runner2.run_until(lambda: controller2.checkin.step is Step.REFUSED, timeout=20)
    assert controller2.checkin.error_code == "APPOINTMENT_NOT_FOUND"


def test_every_refusal_has_words_in_both_languages():
    from kiosk.controller.checkin import KNOWN_ERRORS

    for code in [*KNOWN_ERRORS, "OTHER"]:
        zh, en = TEXTS[f"checkin.{code}"]
        assert zh and en


def test_the_window_shows_the_refusal_and_then_the_ticket(
    kiosk_window, demo_hall, clock, simulators, qtbot, tmp_path: Path
):
    book(demo_hall)
    window, controller = kiosk_window(camera="")
    qtbot.waitUntil(lambda: controller.online, timeout=60000)
    qtbot.mouseClick(window.findChild(QPushButton, "checkInButton"), Qt.MouseButton.LeftButton)
    assert controller.screen is Screen.CHECKIN
    page = window.page_of[Screen.CHECKIN]
    qtbot.waitUntil(lambda: page.how.isVisible() and "摄像头暂不可用" in page.how.text())
    simulators.place("resident_male")  # 09:00: too early for 10:00
    qtbot.waitUntil(lambda: page.server_says.isVisible(), timeout=60000)
    assert "还没到签到时间" in page.detail.text() and "09:30" in page.server_says.text()
    assert page.retry.isVisible() and not page.take_normal.isVisible()
    window.grab().save("/tmp/checkin-refused.png")
    simulators.remove()
    qtbot.waitUntil(lambda: not controller.checkin.card_on_reader)
    clock.set(TEN - timedelta(minutes=10))
    qtbot.mouseClick(page.retry, Qt.MouseButton.LeftButton)
    simulators.place("resident_male")
    qtbot.waitUntil(lambda: controller.screen is Screen.TICKET, timeout=60000)
    result = controller.checkin.result
    assert result is not None and result.ticket.priority is Priority.APPOINTMENT
    ticket_page = window.page_of[Screen.TICKET]
    qtbot.waitUntil(lambda: ticket_page.isVisible() and ticket_page.number.text() == result.ticket.number)
    window.grab().save("/tmp/checkin-done.png")
