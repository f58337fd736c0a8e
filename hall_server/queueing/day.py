"""The hall's day: end of day (停止取号, cancel what is left), reopening, and the periodic sweep that
cleans up days nobody ended and appointments nobody came for."""

from __future__ import annotations

from sqlalchemy import select

from hall_server.appointments import service as appointments
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.queue import TicketStatus, WindowState
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict
from hall_server.events.service import record
from hall_server.halls.service import current_hall
from hall_server.queueing import windows
from hall_server.queueing.models import Ticket, Window
from hall_server.queueing.tickets import mark_cancelled

END_OF_DAY_REASON = "当日业务已结束，号票作废"
LEFTOVER_REASON = "未在当日办理，系统日终清理"


def end_day(ctx: Ctx, reason: str = END_OF_DAY_REASON) -> dict[str, int]:
    """Stop issuing today, cancel waiting and called tickets, close idle windows. Visitors being
    served (SERVING) are left to finish; their windows stay open until the clerk closes them."""
    hall = current_hall(ctx)
    today = ctx.clock.today()
    if hall.queue_closed_on == today:
        raise Conflict("DAY_ALREADY_ENDED", "今日已执行日终")
    hall.queue_closed_on = today
    leftovers = ctx.session.scalars(
        select(Ticket)
        .where(
            Ticket.service_date == today,
            Ticket.status.in_((TicketStatus.WAITING.value, TicketStatus.CALLED.value)),
        )
        .order_by(Ticket.id)
    ).all()
    for ticket in leftovers:
        mark_cancelled(ctx, ticket, reason, "SYSTEM_EOD")
    no_shows = appointments.expire_before(ctx, ctx.clock.day_bounds(today)[1])
    closed = 0
    for window in ctx.session.scalars(select(Window).where(Window.state != WindowState.CLOSED.value)).all():
        if windows.active_ticket(ctx, window) is None:
            window.staff_id = None
            window.pause_reason = None
            windows.set_state(
                ctx, window, WindowState.CLOSED, EventType.WINDOW_CLOSED, {"reason": "END_OF_DAY"}
            )
            closed += 1
    summary = {"cancelled": len(leftovers), "appointments_no_show": no_shows, "windows_closed": closed}
    record(
        ctx,
        EventType.DAY_ENDED,
        AggregateType.HALL,
        hall.code,
        {"service_date": today.isoformat(), "reason": reason, **summary},
    )
    return summary


def reopen_day(ctx: Ctx) -> None:
    hall = current_hall(ctx)
    if hall.queue_closed_on != ctx.clock.today():
        raise Conflict("DAY_NOT_ENDED", "今日尚未日终，无需恢复")
    hall.queue_closed_on = None
    record(
        ctx,
        EventType.DAY_REOPENED,
        AggregateType.HALL,
        hall.code,
        {"service_date": ctx.clock.today().isoformat()},
    )


def sweep(ctx: Ctx) -> dict[str, int]:
    """Run periodically: cancel open tickets of earlier days and expire overdue appointments."""
    stale = ctx.session.scalars(
        select(Ticket)
        .where(
            Ticket.service_date < ctx.clock.today(),
            Ticket.status.in_(
                (TicketStatus.WAITING.value, TicketStatus.CALLED.value, TicketStatus.SERVING.value)
            ),
        )
        .order_by(Ticket.id)
    ).all()
    for ticket in stale:
        mark_cancelled(ctx, ticket, LEFTOVER_REASON, "SYSTEM_EOD")
    return {"stale_tickets": len(stale), "appointments_no_show": appointments.expire_overdue(ctx)}
