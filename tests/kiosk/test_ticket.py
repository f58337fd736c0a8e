"""Take a ticket end to end against the real server and the pty simulators: card → matter confirmed →
ticket issued PENDING → printed → PRINTED and counted; one ticket however often 确认取号 is tapped; server
refusals and a lost server explained, never a ticket number made up. (The matter chooser is another flow:
these tests call TicketFlow.matter_confirmed as its 确认取号 does.)"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from hall_server.contract.queue import TicketDelivery, TicketStatus
from kiosk.config import Orientation
from kiosk.controller.handout import Handout
from kiosk.controller.kiosk import Screen
from kiosk.controller.ticket import Issue
from tests.kiosk.conftest import wait_ready

GOOD_TYPED = "340104199001011239"


def a_matter(controller):
    return controller.client.matter(controller.client.matters(high_frequency=True)[0].id)


def ready(controller, runner):
    wait_ready(controller, runner, "reader", "printer")


def waiting_in(controller, code):
    return {w.code: w.waiting for w in controller.waiting}.get(code, 0)


def test_card_to_a_printed_ticket_that_counts_in_the_queue(headless_kiosk, simulators, demo_hall):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    matter = a_matter(controller)
    controller.ticket.start()
    assert controller.screen is Screen.IDENTIFY
    simulators.place("resident_male")
    runner.run_until(lambda: controller.ticket.identity is not None)
    assert controller.screen is Screen.MATTERS  # the matter chooser (controller.matters)
    before = waiting_in(controller, matter.category_code)
    controller.matters.pick(matter.id)
    runner.run_until(lambda: controller.matters.guide is not None)
    assert controller.screen is Screen.GUIDE
    controller.matters.confirm()  # 确认取号
    assert controller.ticket.state is Issue.ISSUING
    runner.run_until(lambda: controller.handout.delivered)
    ticket = controller.handout.ticket
    assert controller.handout.state is Handout.PRINTED and controller.screen is Screen.TICKET
    with demo_hall.staff("admin") as admin:
        stored = admin.ticket(ticket.id)
        mine = admin.tickets_of(controller.ticket.identity)
    assert stored.delivery is TicketDelivery.PRINTED and stored.status is TicketStatus.WAITING
    assert stored.visitor.number_masked == "1101**********651X"
    assert [t.id for t in mine] == [ticket.id]
    runner.run_until(lambda: waiting_in(controller, matter.category_code) == before + 1)
    controller.go_home()
    assert controller.ticket.identity is None and controller.identify.identity is None


def start_with_typed_number(controller) -> None:
    """取号, then a visitor without the card types a valid number on the keypad."""
    controller.ticket.start()
    controller.identify.use_keypad()
    for key in GOOD_TYPED:
        controller.identify.press(key)
    controller.identify.submit()


def test_a_double_tap_issues_one_ticket(headless_kiosk, demo_hall):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    matter = a_matter(controller)
    start_with_typed_number(controller)
    controller.ticket.matter_confirmed(matter)
    controller.ticket.matter_confirmed(matter)
    runner.run_until(lambda: controller.handout.delivered)
    controller.ticket.matter_confirmed(matter)  # a late tap after the ticket was handed out
    runner.run_pending(wait=0.3)
    with demo_hall.staff("admin") as admin:
        mine = admin.tickets_of(controller.ticket.identity)
    assert len(mine) == 1


def test_a_visitor_who_leaves_while_the_ticket_is_issued_leaves_no_ticket_in_the_queue(
    headless_kiosk, demo_hall
):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    matter = a_matter(controller)
    start_with_typed_number(controller)
    controller.ticket.matter_confirmed(matter)
    controller.go_home()  # before the server answered
    runner.run_until(lambda: controller.handout.delivered)
    assert controller.handout.ticket is None and controller.screen is Screen.HOME
    [reported] = controller.handout.delivered.values()
    assert reported.delivery is TicketDelivery.NOT_TAKEN and reported.status is TicketStatus.CANCELLED


def test_a_closed_queue_is_explained_with_what_to_do(headless_kiosk, demo_hall):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    matter = a_matter(controller)
    with demo_hall.staff("admin") as admin:
        admin.end_day()
    start_with_typed_number(controller)
    controller.ticket.matter_confirmed(matter)
    runner.run_until(lambda: controller.ticket.state is not Issue.ISSUING)
    assert controller.ticket.state is Issue.REFUSED and controller.screen is Screen.ISSUE
    assert controller.ticket.error_code == "QUEUE_CLOSED"
    assert "今日取号已结束" in controller.ticket.error_message
    assert "下一个工作日开门后再来取号" in controller.ticket.what_to_do()
    assert controller.handout.ticket is None


def test_a_server_gone_mid_way_says_so_and_invents_no_number(headless_kiosk, demo_hall):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    matter = a_matter(controller)
    start_with_typed_number(controller)
    demo_hall.server.stop()
    controller.ticket.matter_confirmed(matter)
    runner.run_until(lambda: controller.ticket.state in (Issue.LOST, Issue.OFFLINE), timeout=30)
    assert not controller.online
    assert controller.handout.ticket is None and controller.screen is Screen.ISSUE


def test_the_window_takes_a_ticket_from_the_home_button(qtbot, kiosk_window, simulators, demo_hall):
    window, controller = kiosk_window()
    take = window.findChild(QPushButton, "takeTicketButton")
    qtbot.waitUntil(lambda: take.isEnabled() and controller.devices.works("printer"), timeout=60000)
    matter = a_matter(controller)
    qtbot.mouseClick(take, Qt.MouseButton.LeftButton)
    assert window.findChild(QLabel, "identifyTitle").isVisible()
    simulators.place("resident_male")
    qtbot.waitUntil(lambda: controller.ticket.identity is not None, timeout=60000)
    controller.ticket.matter_confirmed(matter)
    qtbot.waitUntil(lambda: controller.handout.state is Handout.PRINTED, timeout=60000)
    number = window.findChild(QLabel, "ticketNumber")
    assert number.isVisible() and number.text() == controller.handout.ticket.number
    assert window.findChild(QLabel, "handoutStatus").text() == "请取走票据"
    window.grab().save("/tmp/ticket-printed.png")
    qtbot.mouseClick(window.findChild(QPushButton, "handoutDoneButton"), Qt.MouseButton.LeftButton)
    assert controller.screen is Screen.HOME and number.text() == ""


def test_a_refusal_is_shown_on_screen_in_landscape_elder(qtbot, kiosk_window, demo_hall):
    window, controller = kiosk_window(orientation=Orientation.LANDSCAPE, elder=True)
    qtbot.waitUntil(lambda: controller.online, timeout=60000)
    matter = a_matter(controller)
    with demo_hall.staff("admin") as admin:
        admin.end_day()
    start_with_typed_number(controller)
    controller.ticket.matter_confirmed(matter)
    qtbot.waitUntil(lambda: controller.ticket.state is Issue.REFUSED, timeout=60000)
    assert window.findChild(QLabel, "issueTitle").text() == "未能取号"
    assert "今日取号已结束" in window.findChild(QLabel, "issueReason").text()
    assert window.findChild(QLabel, "issueWho").text().startswith("3401**********1239")
    window.grab().save("/tmp/ticket-refused-landscape-elder.png")


def test_a_company_takes_a_ticket_with_its_credit_code(headless_kiosk, demo_hall):
    from hall_server.contract.identity import IdKind
    from tests.kiosk.test_identify import USCC

    controller, runner = headless_kiosk()
    ready(controller, runner)
    matter = a_matter(controller)
    controller.ticket.start()
    assert IdKind.USCC in controller.identify.kinds()
    controller.identify.use_keypad()
    controller.identify.choose_kind(IdKind.USCC)
    for key in USCC:
        controller.identify.press(key)
    controller.identify.submit()
    controller.ticket.matter_confirmed(matter)
    runner.run_until(lambda: controller.handout.delivered, timeout=15)
    [ticket] = controller.handout.delivered.values()
    assert ticket.visitor.kind is IdKind.USCC
    assert USCC not in ticket.visitor.number_masked
