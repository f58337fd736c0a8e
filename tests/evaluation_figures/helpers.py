"""A small hall day through the real server: services at windows, rated or not, and staff signed in again
after the settable clock moved past their token's lifetime."""

from __future__ import annotations

from dataclasses import dataclass, field

from hall_server.client import HallClient
from hall_server.contract.evaluation import EvalChannel, EvaluationIn, Level
from hall_server.contract.queue import IssueTicketRequest
from tests.factories import PASSWORD


@dataclass
class Desk:
    """The kiosk, a clerk per window and the manager, signed in against one server."""

    base_url: str
    kiosk: HallClient
    clerks: dict[int, HallClient] = field(default_factory=dict)  # window number -> its clerk
    manager: HallClient | None = None
    logins: dict[int, str] = field(default_factory=dict)

    def sign_in_again(self) -> None:
        """A new day: the staff sign in again (their tokens last 12 hours)."""
        for number, login in self.logins.items():
            self.clerks[number] = signed_in(self.base_url, login)
        self.manager = signed_in(self.base_url, "manager")

    def serve(self, window: int, matter_id: int | None = None) -> int:
        """One visitor served at `window` (a ticket for the matter, or for 社会事务): the new opportunity."""
        request = (
            IssueTicketRequest(matter_id=matter_id)
            if matter_id is not None
            else IssueTicketRequest(category_code="SOCIAL")
        )
        self.kiosk.issue_ticket(request)
        clerk = self.clerks[window]
        clerk.call_next(window)
        clerk.window_op(window, "complete")
        opportunity = clerk.window_opportunity(window)
        assert opportunity is not None
        return opportunity.id

    def rate(self, window: int, opportunity_id: int, level: Level, **extra: object) -> None:
        body = EvaluationIn(level=level, channel=EvalChannel.WINDOW_PAD, **extra)  # type: ignore[arg-type]
        self.clerks[window].evaluate(opportunity_id, body)


def signed_in(base_url: str, login: str) -> HallClient:
    return HallClient.login(base_url, login, PASSWORD)


def open_desk(server, client_for, windows: dict[int, str]) -> Desk:
    desk = Desk(server.base_url, client_for("kiosk"), manager=client_for("manager"), logins=windows)
    for number, login in windows.items():
        desk.clerks[number] = client_for(login)
        desk.clerks[number].window_op(number, "open")
    return desk
