"""Following one ticket from a phone: the ticket's follow code is the credential (printed as its QR code).

A code opens the ticket's public view (number, category, people ahead, estimate, window; never personal
data) on the day the ticket was issued; any other code, or yesterday's, is simply "not found".
"""

from __future__ import annotations

import re
from enum import StrEnum

from sqlalchemy import select

from hall_server.contract.queue import PublicTicketOut, TicketStatus
from hall_server.core.context import Ctx
from hall_server.core.errors import NotFound
from hall_server.queueing.models import Ticket
from hall_server.queueing.tickets import public_ticket_out

CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,32}")
THIRD_IN_LINE_AHEAD = 2  # "you are third": two people before you


class Moment(StrEnum):
    THIRD_IN_LINE = "THIRD_IN_LINE"
    CALLED = "CALLED"


def masked(code: str) -> str:
    """A follow code as logs may show it: enough to correlate, too little to open the page."""
    return f"{code[:4]}…"


def followed_ticket(ctx: Ctx, code: str) -> Ticket:
    if not CODE_PATTERN.fullmatch(code):
        raise NotFound("TICKET_NOT_FOUND", "没有找到该号票")
    ticket = ctx.session.scalars(select(Ticket).where(Ticket.follow_code == code)).first()
    if ticket is None or ticket.service_date != ctx.clock.today():
        raise NotFound("TICKET_NOT_FOUND", "没有找到该号票，号票只在取号当天有效")
    return ticket


def public_view(ctx: Ctx, code: str) -> PublicTicketOut:
    return public_ticket_out(ctx, followed_ticket(ctx, code))


def moments(previous: PublicTicketOut | None, current: PublicTicketOut) -> list[Moment]:
    """The moments a visitor is told about that `current` reaches and `previous` had not."""
    reached = []
    third = current.status is TicketStatus.WAITING and current.people_ahead == THIRD_IN_LINE_AHEAD
    if third and (previous is None or previous.people_ahead != THIRD_IN_LINE_AHEAD):
        reached.append(Moment.THIRD_IN_LINE)
    called = current.status is TicketStatus.CALLED
    if called and (previous is None or previous.status is not TicketStatus.CALLED):
        reached.append(Moment.CALLED)
    return reached
