"""The signed-in clerk's own figures today (ClerkDayOut): their tickets and the ratings they received."""

from __future__ import annotations

from sqlalchemy import func, select

from hall_server.contract.evaluation import OpportunityStatus
from hall_server.contract.events import EventType
from hall_server.contract.queue import ClerkDayOut, TicketStatus
from hall_server.core.context import Ctx
from hall_server.core.errors import Forbidden
from hall_server.evaluation.models import Evaluation, EvaluationOpportunity
from hall_server.events.models import Event
from hall_server.queueing.models import Ticket


def transfers_by(ctx: Ctx, staff_id: int) -> int:
    """Today's transfers this clerk made (queue.ticket.transferred events they are the actor of); a ticket
    going back by itself to the window expecting it (转办回流, "returned") is that window's part done."""
    since, until = ctx.clock.day_bounds(ctx.clock.today())
    rows = ctx.session.scalars(
        select(Event.payload).where(
            Event.event_type == EventType.TICKET_TRANSFERRED.value,
            Event.occurred_at >= since,
            Event.occurred_at < until,
            Event.payload[("actor", "staff_id")].as_string() == str(staff_id),
        )
    )
    return sum(1 for payload in rows if not payload.get("data", {}).get("returned"))


def my_day(ctx: Ctx) -> ClerkDayOut:
    principal = ctx.principal
    if principal is None or principal.staff_id is None:
        raise Forbidden("NOT_STAFF", "只有工作人员可以查看本人今日统计")
    staff_id, today = principal.staff_id, ctx.clock.today()
    mine = (Ticket.staff_id == staff_id) & (Ticket.service_date == today)
    counts = dict(
        ctx.session.execute(select(Ticket.status, func.count()).where(mine).group_by(Ticket.status)).all()
    )
    average = ctx.session.scalar(
        select(func.avg(Ticket.service_seconds)).where(mine, Ticket.status == TicketStatus.DONE.value)
    )
    of_me = (EvaluationOpportunity.staff_id == staff_id) & (EvaluationOpportunity.service_date == today)
    ratings = ctx.session.execute(
        select(Evaluation.level, func.count())
        .join(EvaluationOpportunity, Evaluation.opportunity_id == EvaluationOpportunity.id)
        .where(of_me, Evaluation.is_default.is_(False))
        .group_by(Evaluation.level)
    ).all()
    # Each window service the clerk completed opened one evaluation opportunity (一次一评), also a part done
    # for another window (转办回流), whose ticket ends DONE under the other clerk.
    served = ctx.session.scalar(select(func.count()).select_from(EvaluationOpportunity).where(of_me))
    not_evaluated = ctx.session.scalar(
        select(func.count())
        .select_from(EvaluationOpportunity)
        .where(of_me, EvaluationOpportunity.status == OpportunityStatus.NOT_EVALUATED.value)
    )
    return ClerkDayOut(
        service_date=today,
        served=served or 0,
        avg_service_seconds=round(float(average), 1) if average is not None else None,
        no_shows=counts.get(TicketStatus.NO_SHOW.value, 0),
        transferred=transfers_by(ctx, staff_id),
        parked_now=counts.get(TicketStatus.PARKED.value, 0),
        ratings={str(level): count for level, count in ratings},
        not_evaluated=not_evaluated or 0,
    )
