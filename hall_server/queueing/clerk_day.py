"""The signed-in clerk's own figures today (ClerkDayOut): their tickets and the ratings they received."""

from __future__ import annotations

from sqlalchemy import func, select

from hall_server.contract.evaluation import OpportunityStatus
from hall_server.contract.queue import ClerkDayOut, TicketStatus
from hall_server.core.context import Ctx
from hall_server.core.errors import Forbidden
from hall_server.evaluation.models import Evaluation, EvaluationOpportunity
from hall_server.queueing.models import Ticket


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
    not_evaluated = ctx.session.scalar(
        select(func.count())
        .select_from(EvaluationOpportunity)
        .where(of_me, EvaluationOpportunity.status == OpportunityStatus.NOT_EVALUATED.value)
    )
    return ClerkDayOut(
        service_date=today,
        served=counts.get(TicketStatus.DONE.value, 0),
        avg_service_seconds=round(float(average), 1) if average is not None else None,
        no_shows=counts.get(TicketStatus.NO_SHOW.value, 0),
        parked_now=counts.get(TicketStatus.PARKED.value, 0),
        ratings={str(level): count for level, count in ratings},
        not_evaluated=not_evaluated or 0,
    )
