"""Following one ticket from a phone: the ticket's follow code is the credential (printed as its QR code).

A code opens the ticket's public view (number, category, people ahead, estimate, window; never personal
data) on the day the ticket was issued; any other code, or yesterday's, is simply "not found". For
RATING_DAYS after the service day the code still rates the ticket's services (评价, channel QR) and takes
complaints.
"""

from __future__ import annotations

import re
from enum import StrEnum

from sqlalchemy import select

from hall_server.contract.queue import PublicTicketOut, TicketStatus
from hall_server.core.context import Ctx
from hall_server.core.errors import NotFound
from hall_server.evaluation.models import EvaluationOpportunity
from hall_server.queueing.models import Ticket
from hall_server.queueing.tickets import public_ticket_out

CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,32}")
THIRD_IN_LINE_AHEAD = 2  # "you are third": two people before you
RATING_DAYS = 15  # the follow code rates the ticket's services this many days after its service day


class Moment(StrEnum):
    THIRD_IN_LINE = "THIRD_IN_LINE"
    CALLED = "CALLED"


def masked(code: str) -> str:
    """A follow code as logs may show it: enough to correlate, too little to open the page."""
    return f"{code[:4]}…"


def public_ticket(ctx: Ctx, code: str) -> Ticket | None:
    """A public path's ticket: found by its code in any hall, whose hall the transaction then enters (the
    visitor's page shows that hall's queue)."""
    by_code = select(Ticket.hall_id).where(Ticket.follow_code == code).execution_options(all_halls=True)
    hall_id = ctx.session.scalar(by_code)
    if hall_id is None:
        return None
    ctx.enter_hall(hall_id)
    return ctx.session.scalars(select(Ticket).where(Ticket.follow_code == code)).first()


def followed_ticket(ctx: Ctx, code: str) -> Ticket:
    if not CODE_PATTERN.fullmatch(code):
        raise NotFound("TICKET_NOT_FOUND", "没有找到该号票")
    ticket = public_ticket(ctx, code)
    if ticket is None or ticket.service_date != ctx.clock.today():
        raise NotFound("TICKET_NOT_FOUND", "没有找到该号票，号票只在取号当天有效")
    return ticket


def recent_ticket(ctx: Ctx, code: str, days: int, missing: NotFound) -> Ticket:
    """The ticket of a follow code for `days` after its service day (rating it, complaining of it after
    going home), else `missing`."""
    if not CODE_PATTERN.fullmatch(code):
        raise missing
    ticket = public_ticket(ctx, code)
    if ticket is None or not 0 <= (ctx.clock.today() - ticket.service_date).days <= days:
        raise missing
    return ticket


def rateable_ticket(ctx: Ctx, code: str) -> Ticket:
    """What the page opens for: today's ticket (its queue followed live), or an earlier one with a service
    that may still be rated."""
    missing = NotFound("TICKET_NOT_FOUND", "没有找到该号票，号票只在取号当天有效")
    ticket = recent_ticket(ctx, code, RATING_DAYS, missing)
    if ticket.service_date == ctx.clock.today():
        return ticket
    served = select(EvaluationOpportunity.id).where(EvaluationOpportunity.ticket_id == ticket.id).limit(1)
    if ctx.session.scalar(served) is None:
        raise missing
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
