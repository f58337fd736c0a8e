"""HANDOUT against the real server and the pty printer simulator: a printed ticket joins the queue; a print
fault keeps it on screen until 我已记下 (SCREEN_ONLY, the fault on the ticket and in device health); a
visitor who leaves without tapping leaves no ticket in the queue (NOT_TAKEN)."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from devices.printer.plugin import simulator_for
from devices.transport import start_pty_simulator
from hall_server.contract.queue import (
    IssueTicketRequest,
    TicketDelivery,
    TicketStatus,
)
from kiosk.config import Orientation
from kiosk.controller.handout import (
    PRINTED_SHOWN_SECONDS,
    REPORT_GIVE_UP_SECONDS,
    REPORT_RETRY_SECONDS,
    Handout,
)
from kiosk.controller.kiosk import Screen
from tests.factories import person
from tests.kiosk.conftest import wait_ready


def issue_pending(controller):
    matter = controller.client.matters(high_frequency=True)[0]
    return controller.client.issue_ticket(
        IssueTicketRequest(matter_id=matter.id, identity=person(), delivery=TicketDelivery.PENDING)
    )


def ready(controller, runner):
    runner.run_until(lambda: controller.online and controller.devices.works("printer"), timeout=15)


def waiting_in(controller, code):
    return {w.code: w.waiting for w in controller.waiting}.get(code, 0)


def test_a_printed_ticket_is_confirmed_and_joins_the_queue(headless_kiosk, simulators, demo_hall):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    ticket = issue_pending(controller)
    before = waiting_in(controller, ticket.category_code)
    controller.handout.hand_out(ticket)
    assert controller.screen is Screen.TICKET and controller.handout.state is Handout.PRINTING
    runner.run_until(lambda: ticket.id in controller.handout.delivered)
    assert controller.handout.state is Handout.PRINTED
    assert any(ticket.number in page.lines for page in simulators.printer.simulator.all_pages())
    with demo_hall.staff("admin") as admin:
        stored = admin.ticket(ticket.id)
    assert stored.delivery is TicketDelivery.PRINTED and stored.status is TicketStatus.WAITING
    runner.run_until(lambda: waiting_in(controller, ticket.category_code) == before + 1)


def test_paper_out_keeps_the_ticket_on_screen_until_noted(headless_kiosk, simulators, demo_hall):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    simulators.printer.simulator.set_paper("out")
    ticket = issue_pending(controller)
    controller.handout.hand_out(ticket)
    runner.run_until(lambda: controller.handout.state is Handout.ON_SCREEN)
    assert controller.handout.fault == "PRINTER_PAPER_OUT"
    assert "缺纸" in controller.handout.fault_message
    controller.handout.noted()
    assert controller.screen is Screen.HOME and controller.handout.ticket is None
    runner.run_until(lambda: ticket.id in controller.handout.delivered)
    with demo_hall.staff("admin") as admin:
        stored = admin.ticket(ticket.id)
        assert stored.delivery is TicketDelivery.SCREEN_ONLY
        assert stored.delivery_fault == "PRINTER_PAPER_OUT"
        assert stored.status is TicketStatus.WAITING
        kiosk = next(d for d in admin.device_health() if d.name == "kiosk-1")
        printer = next(part for part in kiosk.devices if part.kind == "printer")
        assert printer.code == "PRINTER_PAPER_OUT"


def test_a_printer_put_right_between_tickets_is_seen_working_again(headless_kiosk, simulators, demo_hall):
    simulators.printer.simulator.set_cover(True)  # the kiosk starts with the cover open
    controller, runner = headless_kiosk()

    def reported_printer_code():
        with demo_hall.staff("admin") as admin:
            kiosk = next((d for d in admin.device_health() if d.name == "kiosk-1"), None)
        printer = next((p for p in kiosk.devices if p.kind == "printer"), None) if kiosk else None
        return printer.code if printer is not None else None

    runner.run_until(lambda: reported_printer_code() == "PRINTER_COVER_OPEN", timeout=15)
    time.sleep(2)  # the health reporter has settled into its wait for the next report
    assert not controller.devices.works("printer")
    simulators.printer.simulator.set_cover(False)  # staff close it; no ticket is printed meanwhile
    wait_ready(controller, runner, "printer")  # not only at the next health report, a minute later


def test_leaving_without_tapping_means_not_taken(headless_kiosk, simulators, demo_hall):
    controller, runner = headless_kiosk(idle_seconds=0.01)
    ready(controller, runner)
    simulators.printer.simulator.set_cover(True)
    ticket = issue_pending(controller)
    controller.handout.hand_out(ticket)
    runner.run_until(lambda: controller.handout.state is Handout.ON_SCREEN)
    assert controller.handout.fault == "PRINTER_COVER_OPEN"
    runner.run_until(lambda: controller.idle_left() <= 0)
    controller.tick()  # the idle wipe
    assert controller.screen is Screen.HOME and controller.handout.ticket is None
    runner.run_until(lambda: ticket.id in controller.handout.delivered)
    with demo_hall.staff("admin") as admin:
        stored = admin.ticket(ticket.id)
    assert stored.delivery is TicketDelivery.NOT_TAKEN and stored.status is TicketStatus.CANCELLED


def test_a_printer_that_does_not_answer_gives_a_screen_only_ticket(
    qtbot, demo_hall, simulators, kiosk_window
):
    silent = start_pty_simulator(simulator_for({"answer": "no"}), "printer")
    try:
        window, controller = kiosk_window(printer=f"serial://{silent.endpoint}?baud=115200")
        qtbot.waitUntil(lambda: controller.online and controller.devices.printer is not None, timeout=60000)
        ticket = issue_pending(controller)
        controller.handout.hand_out(ticket)
        qtbot.waitUntil(lambda: controller.handout.state is Handout.ON_SCREEN, timeout=60000)
        assert controller.handout.fault == "PRINTER_NO_ANSWER"
        assert window.findChild(QLabel, "ticketNumber").text() == ticket.number
        assert window.findChild(QLabel, "waitExplanation").text() == ticket.estimate.explanation
        assert not window.findChild(QLabel, "followQr").pixmap().isNull()
        noted = window.findChild(QPushButton, "notedButton")
        assert noted.isVisible() and noted.accessibleName() == "我已记下"
        window.grab().save("/tmp/ticket-screen-only.png")
        qtbot.mouseClick(noted, Qt.MouseButton.LeftButton)
        assert controller.screen is Screen.HOME
        qtbot.waitUntil(lambda: ticket.id in controller.handout.delivered, timeout=60000)
        assert controller.handout.delivered[ticket.id].delivery is TicketDelivery.SCREEN_ONLY
        assert controller.handout.delivered[ticket.id].delivery_fault == "PRINTER_NO_ANSWER"
    finally:
        silent.stop()


def test_the_ticket_page_fits_landscape_in_elder_mode(qtbot, kiosk_window, simulators):
    window, controller = kiosk_window(orientation=Orientation.LANDSCAPE, elder=True)
    qtbot.waitUntil(lambda: controller.online and controller.devices.works("printer"), timeout=60000)
    simulators.printer.simulator.set_paper("out")
    controller.handout.hand_out(issue_pending(controller))
    qtbot.waitUntil(lambda: controller.handout.state is Handout.ON_SCREEN, timeout=60000)
    window.grab().save("/tmp/ticket-landscape-elder.png")
    assert window.findChild(QPushButton, "notedButton").isVisible()
    page = window.findChild(QWidget, "ticketPage")
    assert page.layout().totalHeightForWidth(page.width()) <= 790  # header and footer take the rest of 1080


def fake_clock(controller):
    now = [1000.0]
    controller.monotonic = lambda: now[0]
    controller.touch()
    return now


def test_a_printed_ticket_goes_home_after_eight_seconds_by_the_tick_not_a_sleeping_worker(
    headless_kiosk, simulators
):
    controller, runner = headless_kiosk(idle_seconds=600)
    ready(controller, runner)
    now = fake_clock(controller)
    first = issue_pending(controller)
    controller.handout.hand_out(first)
    runner.run_until(lambda: first.id in controller.handout.delivered)
    assert controller.handout.state is Handout.PRINTED
    second = issue_pending(controller)  # the next visitor at once: no worker is held by the first ticket
    controller.handout.hand_out(second)
    runner.run_until(lambda: second.id in controller.handout.delivered, timeout=5)
    now[0] += PRINTED_SHOWN_SECONDS - 0.5
    controller.tick()
    assert controller.screen is Screen.TICKET and controller.handout.state is Handout.PRINTED
    now[0] += 1
    controller.tick()
    assert controller.screen is Screen.HOME and controller.handout.ticket is None


def on_screen_with_the_server_down(controller, runner, simulators, demo_hall):
    """Paper out: a ticket kept on screen; then the hall server goes away. Returns the fake clock and it."""
    ready(controller, runner)
    now = fake_clock(controller)
    simulators.printer.simulator.set_paper("out")
    ticket = issue_pending(controller)
    controller.handout.hand_out(ticket)
    runner.run_until(lambda: controller.handout.state is Handout.ON_SCREEN)
    demo_hall.server.stop()
    runner.run_until(lambda: controller.server_down, timeout=15)
    return now, ticket


def test_a_delivery_report_is_retried_every_three_seconds_until_the_server_is_back(
    headless_kiosk, simulators, demo_hall, tmp_path, clock
):
    from tests.kiosk.test_offline_and_idle import restart_server

    controller, runner = headless_kiosk(idle_seconds=600)
    now, ticket = on_screen_with_the_server_down(controller, runner, simulators, demo_hall)
    controller.handout.noted()  # nothing can be sent now: the report waits for the tick
    restart_server(demo_hall, tmp_path, clock)
    runner.run_until(lambda: controller.online, timeout=15)
    now[0] += REPORT_RETRY_SECONDS - 1
    controller.tick()
    runner.run_pending(wait=0.3)
    assert ticket.id not in controller.handout.delivered  # not yet: the retry is due after 3 s
    now[0] += 1.5
    controller.tick()
    runner.run_until(lambda: ticket.id in controller.handout.delivered)
    assert controller.handout.delivered[ticket.id].delivery is TicketDelivery.SCREEN_ONLY


def test_a_delivery_report_is_given_up_after_a_hundred_seconds(headless_kiosk, simulators, demo_hall):
    controller, runner = headless_kiosk(idle_seconds=600)
    now, ticket = on_screen_with_the_server_down(controller, runner, simulators, demo_hall)
    controller.handout.noted()
    tries = 0
    while controller.pending_after() and tries < 100:
        now[0] += REPORT_RETRY_SECONDS
        controller.tick()
        tries += 1
    assert (
        REPORT_GIVE_UP_SECONDS / REPORT_RETRY_SECONDS
        <= tries
        <= REPORT_GIVE_UP_SECONDS / REPORT_RETRY_SECONDS + 2
    )
    assert ticket.id not in controller.handout.delivered
