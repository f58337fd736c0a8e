"""Take a ticket: identify → choose the matter (controller.matters, another flow) → confirm → the ticket
issued PENDING → handed out (printed, or kept on screen) by the HANDOUT flow.

No ticket number is ever made up here: a ticket exists only once the hall server issued it. The client
sends an Idempotency-Key and retries with it, so a retried request never issues twice; a second tap while
a request is out is ignored. A ticket issued for a visitor who already left is reported NOT_TAKEN.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from hall_server.client import ApiError, HallClient
from hall_server.contract.catalogue import MatterOut
from hall_server.contract.identity import IdentityIn
from hall_server.contract.queue import DeliveryMethod, IssueTicketRequest, TicketDelivery, TicketOut
from kiosk.controller.devices import CardEvent
from kiosk.controller.kiosk import KioskController, Screen
from kiosk.texts import tr

log = logging.getLogger(__name__)


class Issue(StrEnum):
    IDLE = "idle"  # identifying or choosing
    ISSUING = "issuing"  # the request is out
    ISSUED = "issued"  # handed to the HANDOUT flow
    REFUSED = "refused"  # the server said no (queue closed, identity refused...): explained
    LOST = "lost"  # the connection broke mid-way: no ticket
    OFFLINE = "offline"  # the server was unreachable: nothing sent
    NO_CHOOSER = "no_chooser"  # controller.matters is not there (not merged yet)


class TicketFlow:
    def __init__(self, controller: KioskController) -> None:
        self.controller = controller
        controller.flows[Screen.ISSUE] = self
        self._generation = 0
        self.reset()

    def reset(self) -> None:
        self._generation += 1  # an answer for the visitor who left is not shown to the next one
        self.state = Issue.IDLE
        self.identity: IdentityIn | None = None
        self.matter: MatterOut | None = None
        self.error_code = ""
        self.error_message = ""

    def on_card(self, event: CardEvent) -> bool:
        return False

    # -- the steps ----------------------------------------------------------------------------------------

    def start(self) -> None:
        """The home screen's 取号."""
        self.reset()
        self.controller.identify.start("ticket.purpose", self.identified, allow_company=True)

    def identified(self, identity: IdentityIn) -> None:
        self.identity = identity
        matters = getattr(self.controller, "matters", None)
        if matters is None:  # the matter chooser is another flow; until it is wired, say so
            log.warning("kiosk: no matter chooser (controller.matters) wired")
            self._show(Issue.NO_CHOOSER)
            return
        matters.choose(self.matter_confirmed)

    def matter_confirmed(self, matter: MatterOut) -> None:
        """确认取号 on the matter's guide: issue the ticket (once, however often this is called)."""
        if self.identity is None or self.state in (Issue.ISSUING, Issue.ISSUED):
            return
        self.matter = matter
        request = IssueTicketRequest(
            matter_id=matter.id, identity=self.identity, delivery=TicketDelivery.PENDING
        )
        generation = self._generation

        def send(client: HallClient) -> TicketOut:
            return client.issue_ticket(request)

        sent = self.controller.call_server(
            send,
            lambda ticket: self._issued(generation, ticket),
            lambda error: self._refused(generation, error),
            lambda _: self._lost(generation),
        )
        self._show(Issue.ISSUING if sent else Issue.OFFLINE)

    def retry(self) -> None:
        if self.matter is not None and self.state in (Issue.LOST, Issue.OFFLINE):
            self.state = Issue.IDLE
            self.matter_confirmed(self.matter)

    def what_to_do(self) -> str:
        code = self.error_code
        if code == "QUEUE_CLOSED":
            key = "issue.todo.QUEUE_CLOSED"
        elif code.startswith(("ID_", "USCC_")):
            key = "issue.todo.identity"
        else:
            key = "issue.todo.default"
        return tr(key, self.controller.language)

    # -- the server's answer ------------------------------------------------------------------------------

    def _issued(self, generation: int, ticket: TicketOut) -> None:
        if generation != self._generation:  # the visitor left while it was issued
            self.controller.handout.report(ticket.id, DeliveryMethod.NOT_TAKEN, None)
            return
        self.state = Issue.ISSUED
        self.controller.handout.hand_out(ticket)

    def _refused(self, generation: int, error: ApiError) -> None:
        if generation != self._generation:
            return
        self.error_code, self.error_message = error.code, error.message
        self._show(Issue.REFUSED)

    def _lost(self, generation: int) -> None:
        if generation == self._generation:
            self._show(Issue.LOST)

    def _show(self, state: Issue) -> None:
        self.state = state
        self.controller.go(Screen.ISSUE)
