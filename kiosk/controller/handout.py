"""HANDOUT: a ticket the visitor really holds. The ticket (issued PENDING) is printed in a worker, the print
confirmed through the printer's status, and the hall server told how it reached the visitor: PRINTED, or on
a print fault the ticket kept on screen (number, people ahead, the estimate and its explanation, the QR of
the follow page) until the visitor taps 我已记下 (SCREEN_ONLY, with the fault) or leaves (NOT_TAKEN, on
reset: home button or idle wipe). Only then does the ticket count in the queue (README "Kiosk support").
"""

from __future__ import annotations

import logging
import math
from enum import StrEnum
from typing import Any

from devices.errors import DeviceError
from devices.printer.driver import PrintResult
from devices.printer.layouts import QueueTicket
from hall_server.client import ApiError, HallClient
from hall_server.contract.devicehealth import HealthReport
from hall_server.contract.queue import DeliveryMethod, TicketOut
from kiosk.controller.devices import CardEvent
from kiosk.controller.health import kiosk_version
from kiosk.controller.kiosk import KioskController, Screen
from kiosk.texts import tr

log = logging.getLogger(__name__)

PRINTED_SHOWN_SECONDS = 8.0  # the printed ticket stays on screen this long with 请取走票据
REPORT_RETRY_SECONDS = 3.0
REPORT_GIVE_UP_SECONDS = 100.0  # the server treats a ticket unconfirmed after 120 s as not taken
UNCONFIRMED = "PRINT_UNCONFIRMED"  # a write-only printer link: sent, but nobody can say it came out


class Handout(StrEnum):
    IDLE = "idle"
    PRINTING = "printing"
    PRINTED = "printed"  # 请取走票据
    ON_SCREEN = "on_screen"  # printing failed: the ticket stays on screen until 我已记下


def queue_ticket(ticket: TicketOut, hall_name: str) -> QueueTicket:
    estimate = ticket.estimate
    wait = estimate.wait_seconds if estimate and estimate.wait_seconds is not None else 0
    return QueueTicket(
        hall_name=hall_name or "政务服务中心",
        number=ticket.number,
        category=ticket.category_name,
        matter=ticket.matter_name or "",
        people_ahead=estimate.people_ahead if estimate else 0,
        estimated_wait_minutes=math.ceil(wait / 60),
        issued_at=ticket.issued_at.astimezone(),
        follow_url=ticket.follow_url,
    )


class HandoutFlow:
    def __init__(self, controller: KioskController) -> None:
        self.controller = controller
        controller.flows[Screen.TICKET] = self
        self.state = Handout.IDLE
        self.ticket: TicketOut | None = None
        self.fault = ""  # the printer's fault code (PRINTER_PAPER_OUT...), sent with the delivery
        self.fault_message = ""
        self.delivered: dict[int, TicketOut] = {}  # ticket id → the server's answer to our report
        self._generation = 0  # a worker's answer about an earlier ticket is ignored

    def hand_out(self, ticket: TicketOut) -> None:
        """Print the ticket (in a worker), show it, and tell the server how it was delivered."""
        self._generation += 1
        generation = self._generation
        self.ticket, self.state, self.fault, self.fault_message = ticket, Handout.PRINTING, "", ""
        job = queue_ticket(ticket, self.controller.hall_name)
        self.controller.runner.submit(
            lambda: self.controller.devices.print_with(lambda printer: printer.print_ticket(job)),
            lambda result: self._printed(generation, result),
            lambda error: self._print_failed(generation, error),
        )
        self.controller.go(Screen.TICKET)

    def noted(self) -> None:
        """我已记下: the visitor noted or photographed the ticket on screen."""
        if self.state is not Handout.ON_SCREEN or self.ticket is None:
            return
        self.report(self.ticket.id, DeliveryMethod.SCREEN_ONLY, self.fault)
        self._forget()
        self.controller.go_home()

    def finish(self) -> None:
        """完成 on a printed ticket."""
        self.controller.go_home()

    def reset(self) -> None:
        """Home button or idle wipe: a ticket still on screen (or mid-print) was not taken."""
        if self.ticket is not None and self.state in (Handout.ON_SCREEN, Handout.PRINTING):
            self.report(self.ticket.id, DeliveryMethod.NOT_TAKEN, self.fault or None)
        self._forget()

    def on_card(self, event: CardEvent) -> bool:
        return False

    # -- the printer's answer -----------------------------------------------------------------------------

    def _printed(self, generation: int, result: PrintResult) -> None:
        if generation != self._generation or self.ticket is None:
            return
        if not result.confirmed:
            self._keep_on_screen(UNCONFIRMED, "无法确认票据已打印，请记下或拍下屏幕上的号票")
            return
        self.state = Handout.PRINTED
        self.report(self.ticket.id, DeliveryMethod.PRINTED, None)
        self._say_number("say.take_ticket")
        self.controller.after(PRINTED_SHOWN_SECONDS, lambda: self._printed_shown(generation))
        self.controller.changed()

    def _printed_shown(self, generation: int) -> None:
        if generation == self._generation and self.state is Handout.PRINTED:
            self.controller.go_home()

    def _print_failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation or self.ticket is None:
            return
        if isinstance(error, DeviceError):
            self._keep_on_screen(error.code, error.message)
        else:
            log.warning("kiosk: printing failed: %s", type(error).__name__)
            self._keep_on_screen("PRINTER_ERROR", "打印机故障，请联系工作人员")
        self._report_health()

    def _keep_on_screen(self, code: str, message: str) -> None:
        self.state, self.fault, self.fault_message = Handout.ON_SCREEN, code, message
        self.controller.changed()
        self._say_number("say.on_screen")

    def _say_number(self, then_key: str) -> None:
        """Elder mode: the number and the people ahead (after 签到成功 for a check-in), then what to do."""
        if self.ticket is None:
            return
        language = self.controller.language
        estimate = self.ticket.estimate
        ahead = estimate.people_ahead if estimate else 0
        sentence = tr("say.number", language, number=self.ticket.number, count=ahead) + tr(then_key, language)
        if self.ticket.appointment_id is not None:
            sentence = tr("say.checked_in", language) + sentence
        self.controller.speak(sentence)

    # -- telling the hall server --------------------------------------------------------------------------

    def report(self, ticket_id: int, method: DeliveryMethod, fault: str | None, since: float = 0.0) -> None:
        """Send the delivery report; retried while the server is unreachable (a printed ticket left PENDING
        would be cancelled by the server's unclaimed rule)."""
        started = since or self.controller.monotonic()

        def again(_: object = None) -> None:
            if self.controller.monotonic() - started > REPORT_GIVE_UP_SECONDS:
                log.warning("kiosk: delivery report for ticket %s not sent", ticket_id)
                return
            self.controller.after(
                REPORT_RETRY_SECONDS, lambda: self.report(ticket_id, method, fault, started)
            )

        def answered(ticket: TicketOut) -> None:
            self.delivered[ticket_id] = ticket

        def refused(error: ApiError) -> None:
            log.warning("kiosk: delivery report for ticket %s refused: %s", ticket_id, error.code)

        def send(client: HallClient) -> TicketOut:
            return client.confirm_delivery(ticket_id, method, fault)

        if not self.controller.call_server(send, answered, refused, again):
            again()

    def _report_health(self) -> None:
        report = HealthReport(app_version=kiosk_version(), devices=self.controller.devices.parts())

        def send(client: HallClient) -> Any:
            return client.report_health(report)

        self.controller.call_server(send, lambda _: None)

    def _forget(self) -> None:
        self._generation += 1
        self.state, self.ticket, self.fault, self.fault_message = Handout.IDLE, None, "", ""
