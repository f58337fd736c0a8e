"""The hall's day: end of day (停止取号, cancel what is left), reopening, and the periodic sweep that
cleans up days nobody ended and appointments nobody came for."""

from __future__ import annotations

from sqlalchemy import exists, select

from hall_server.appointments import service as appointments
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.queue import TicketStatus, WindowState
from hall_server.core import locks
from hall_server.core.context import Ctx, UnitOfWork
from hall_server.core.errors import Conflict
from hall_server.events.service import record
from hall_server.halls.current import hall_ids
from hall_server.halls.service import current_hall
from hall_server.queueing import windows
from hall_server.queueing.models import Ticket, Window
from hall_server.queueing.tickets import expire_unconfirmed, mark_cancelled, unconfirmed

END_OF_DAY_REASON = "当日业务已结束，号票作废"
PARKED_EXPIRED_REASON = "挂起后当日未恢复办理，日终自动失效"
LEFTOVER_REASON = "未在当日办理，系统日终清理"
OPEN_STATUSES = (
    TicketStatus.WAITING.value,
    TicketStatus.CALLED.value,
    TicketStatus.SERVING.value,
    TicketStatus.PARKED.value,
)
SWEEP_BATCH = 200  # tickets cancelled per write transaction, so kiosks never wait long behind the sweep


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
    parked = ctx.session.scalars(
        select(Ticket)
        .where(Ticket.service_date == today, Ticket.status == TicketStatus.PARKED.value)
        .order_by(Ticket.id)
    ).all()
    for ticket in parked:
        # a parked visitor never came back: expired with its own reason, so reports tell it apart
        mark_cancelled(ctx, ticket, PARKED_EXPIRED_REASON, "SYSTEM_EOD")
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
    summary = {
        "cancelled": len(leftovers),
        "parked_expired": len(parked),
        "appointments_no_show": no_shows,
        "windows_closed": closed,
    }
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


def sweep_once(uow: UnitOfWork, hall_id: int | None = None) -> dict[str, int]:
    """One periodic pass over every hall (or `hall_id`'s): look (read-only, beside the writers) whether
    anything is due, and only then write, in short batches. Both looks go through indexes on open tickets
    and booked appointments, so a pass costs the same with a day or with years of history."""
    totals = {"stale_tickets": 0, "appointments_no_show": 0, "unconfirmed_tickets": 0}
    for hall in [hall_id] if hall_id is not None else hall_ids(uow):
        while uow.read(sweep_due, hall_id=hall):
            done = uow.run(sweep_alone, hall_id=hall)
            for key, count in done.items():
                totals[key] += count
            if not any(done.values()):  # a concurrent change got there first
                break
    return totals


def sweep_alone(ctx: Ctx) -> dict[str, int]:
    """A batch of the sweep, unless another process sweeps at this moment (then nothing: it does it)."""
    if not locks.try_exclusive(ctx, locks.DAY_SWEEP):
        return {"stale_tickets": 0, "appointments_no_show": 0, "unconfirmed_tickets": 0}
    return sweep(ctx)


def sweep_due(ctx: Ctx) -> bool:
    stale = exists().where(Ticket.status.in_(OPEN_STATUSES), Ticket.service_date < ctx.clock.today())
    pending = exists().where(unconfirmed(ctx))
    return (
        bool(ctx.session.scalar(select(stale)))
        or bool(ctx.session.scalar(select(pending)))
        or appointments.overdue_exist(ctx)
    )


def sweep(ctx: Ctx) -> dict[str, int]:
    """Cancel (a batch of) open tickets of earlier days and kiosk tickets nobody confirmed taking, and
    expire overdue appointments."""
    untaken = expire_unconfirmed(ctx, SWEEP_BATCH)
    for ticket in untaken:
        appointments.undo_untaken_check_in(ctx, ticket)
    stale = ctx.session.scalars(
        select(Ticket)
        .where(Ticket.status.in_(OPEN_STATUSES), Ticket.service_date < ctx.clock.today())
        .order_by(Ticket.id)
        .limit(SWEEP_BATCH)
    ).all()
    for ticket in stale:
        mark_cancelled(ctx, ticket, LEFTOVER_REASON, "SYSTEM_EOD")
    return {
        "stale_tickets": len(stale),
        "appointments_no_show": appointments.expire_overdue(ctx),
        "unconfirmed_tickets": len(untaken),
    }
