"""A morning in the demo hall, made through the API with the settable clock: windows open, tickets issued,
called, served and missed over a few hours (for the statistics and the screenshots)."""

from __future__ import annotations

from collections.abc import Callable

from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest, PauseRequest
from hall_server.core.clock import SettableClock


def busy_morning(client_for: Callable[[str], HallClient], clock: SettableClock) -> None:
    kiosk = client_for("kiosk")
    clerks = {n: client_for(f"clerk{n}") for n in (1, 2, 3)}
    for number, clerk in clerks.items():
        clerk.window_op(number, "open")
    for hour in range(3):  # 09:00 … 11:59
        for code in ("SOCIAL", "SOCIAL", "ENTERPRISE", "SOCIAL", "PICKUP"):
            kiosk.issue_ticket(IssueTicketRequest(category_code=code))
            clock.advance(minutes=3)
        for number in (1, 3):
            clerk = clerks[number]
            clerk.call_next(number)
            clerk.window_op(number, "start")
            clock.advance(minutes=9 + hour)
            clerk.window_op(number, "complete")
        clerks[2].call_next(2)
        clock.advance(minutes=4)
        clerks[2].window_op(2, "no-show")
        clock.advance(minutes=15)
    clerks[1].call_next(1)
    clerks[1].window_op(1, "start")
    clerks[3].pause(3, PauseRequest(note="系统维护"))
    clock.advance(minutes=6)
