"""Tickets: issuing (numbering, priority, estimate), looking up, re-queueing, cancelling, and their views."""

from __future__ import annotations

import functools
import secrets
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Float,
    Select,
    bindparam,
    cast,
    func,
    literal,
    select,
    union_all,
)

from hall_server.catalogue.models import Category, Matter
from hall_server.catalogue.service import category_by_code, offered
from hall_server.contract.auth import DeviceKind
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.queue import (
    Channel,
    DeliveryMethod,
    IssueTicketRequest,
    Priority,
    PublicTicketOut,
    TicketDelivery,
    TicketOut,
    TicketStatus,
    WaitEstimate,
    WindowState,
)
from hall_server.core.context import Ctx
from hall_server.core.db import upsert_statement
from hall_server.core.errors import Conflict, Forbidden, Invalid, NotFound
from hall_server.events.service import record
from hall_server.halls.service import current_hall, queue_closed_today
from hall_server.identity import service as identity
from hall_server.identity.models import Visitor
from hall_server.queueing import rules
from hall_server.queueing.models import Ticket, TicketCounter, Window, window_category

ACTIVE = (TicketStatus.CALLED.value, TicketStatus.SERVING.value)
OPEN_STATUSES = (TicketStatus.WAITING.value, *ACTIVE)


def queued() -> ColumnElement[bool]:
    """The tickets in the queue: waiting, and held by a visitor. A kiosk ticket still PENDING its print
    confirmation is neither called nor counted (waiting counts, people ahead, load, estimates)."""
    return (Ticket.status == TicketStatus.WAITING.value) & (Ticket.delivery != TicketDelivery.PENDING.value)


def _delivery_at_issue(ctx: Ctx, request: IssueTicketRequest) -> TicketDelivery:
    if request.delivery is not TicketDelivery.PENDING:
        return TicketDelivery.HANDED
    if ctx.principal is None or ctx.principal.device_kind is not DeviceKind.KIOSK:
        raise Invalid("DELIVERY_PENDING_KIOSK_ONLY", "只有自助取号机取号时可以选择待确认领取")
    return TicketDelivery.PENDING


def next_number(ctx: Ctx, prefix: str) -> int:
    """Atomically take the next number for this prefix today in the hall (row lock on the counter; resets
    each day; a Core statement, so scoped by hand)."""
    counter = TicketCounter.__table__
    statement = (
        upsert_statement(ctx.session, counter)
        .values(hall_id=ctx.hall_id, prefix=prefix, service_date=ctx.clock.today(), last_no=1)
        .on_conflict_do_update(
            index_elements=["hall_id", "prefix", "service_date"], set_={"last_no": counter.c.last_no + 1}
        )
        .returning(counter.c.last_no)
    )
    number: int = ctx.session.execute(statement).scalar_one()
    return number


def _target(ctx: Ctx, request: IssueTicketRequest) -> tuple[Category, Matter | None]:
    if request.matter_id is not None:
        offer = offered(ctx, request.matter_id)  # the hall's offering: its category, here
        return offer.category, offer.matter
    assert request.category_code is not None
    return category_by_code(ctx, request.category_code), None


def issue_ticket(
    ctx: Ctx,
    request: IssueTicketRequest,
    channel: Channel,
    *,
    appointment_id: int | None = None,
    arrived_at: datetime | None = None,
    known_visitor: Visitor | None = None,
) -> Ticket:
    """Issue a ticket. `arrived_at` places an appointment ticket at its slot time rather than now;
    `known_visitor` is the booked visitor of an appointment checked in by its code."""
    hall = current_hall(ctx)
    if queue_closed_today(ctx, hall):
        raise Conflict("QUEUE_CLOSED", "今日取号已结束，请于下一个工作日再来")
    category, matter = _target(ctx, request)
    delivery = _delivery_at_issue(ctx, request)
    checked = identity.check(request.identity, ctx.clock.today()) if request.identity else None
    visitor = identity.identify(ctx, checked) if checked else known_visitor
    settings = ctx.settings
    priority = rules.derive_priority(
        claim=request.priority_claim,
        age=rules.age_on(checked.birth_date if checked else None, ctx.clock.today()),
        elderly_age=settings.elderly_age,
        appointment=appointment_id is not None,
        head_starts=settings.head_start_minutes,
    )
    now = ctx.clock.now()
    ticket = Ticket(
        number=rules.ticket_number(category.prefix, next_number(ctx, category.prefix)),
        service_date=ctx.clock.today(),
        category_id=category.id,
        category=category,
        matter_id=matter.id if matter else None,
        matter=matter,
        visitor_id=visitor.id if visitor else None,
        appointment_id=appointment_id,
        status=TicketStatus.WAITING.value,
        priority=priority.value,
        channel=channel.value,
        issued_at=now,
        sort_key=rules.sort_key(arrived_at or now, priority, settings.head_start_minutes),
        call_count=0,
        requeue_count=0,
        follow_code=secrets.token_urlsafe(12),
        cancel_reason="",
        transfer_note="",
        delivery=delivery.value,
        issued_by_device_id=ctx.principal.device_id if ctx.principal else None,
    )
    # Estimated before the ticket is added, so that it is inserted with its estimate (no update after).
    estimate = estimate_for(ctx, ticket)
    ticket.people_ahead_at_issue = estimate.people_ahead
    ticket.est_wait_seconds = estimate.wait_seconds
    ctx.session.add(ticket)
    ctx.session.flush()
    ctx.estimates[ticket.id] = estimate
    record(
        ctx,
        EventType.TICKET_ISSUED,
        AggregateType.TICKET,
        ticket.id,
        {
            "ticket_no": ticket.number,
            "queue_code": category.code,
            "task_codes": [matter.task_code] if matter else [],
            "matter_name": matter.name if matter else None,
            "channel": channel.value,
            "priority": priority.value,
            "appointment_id": appointment_id,
            "applicant_ref": visitor.id_hash if visitor else None,
            "applicant_name_masked": visitor.name_masked if visitor else None,
            "waiting_ahead": estimate.people_ahead,
            "est_wait_s": estimate.wait_seconds,
        },
        refs=ticket_refs(ticket),
        new_aggregate=True,
    )
    return ticket


def ticket_refs(ticket: Ticket) -> dict[str, object]:
    refs: dict[str, object] = {"ticket_id": str(ticket.id), "ticket_no": ticket.number}
    if ticket.matter is not None:
        refs.update(catalog_code=ticket.matter.catalog_code, task_code=ticket.matter.task_code)
    if ticket.appointment_id is not None:
        refs["appointment_id"] = str(ticket.appointment_id)
    return refs


# --- the wait estimate's inputs, read in one statement -------------------------------------------------
# A ticket's estimate needs three figures of its queue; each is asked often (at issue and on every view of a
# waiting ticket), so they are read together in one round trip, by Core statements built once (scoped to the
# hall by hand: Core skips the ORM's tenancy hook). Each row is (what, value).
_AHEAD, _SERVICE, _WINDOW = "ahead", "service", "window"


def _people_ahead_part(stored: bool) -> Select[str, float]:
    key = bindparam("sort_key", type_=Float)
    ahead = (Ticket.sort_key < key) | ((Ticket.sort_key == key) & (Ticket.id < bindparam("ticket_id")))
    return select(literal(_AHEAD), cast(func.count(Ticket.id), Float)).where(
        Ticket.hall_id == bindparam("hall"),
        Ticket.service_date == bindparam("day"),
        queued(),
        Ticket.category_id == bindparam("category"),
        ahead if stored else Ticket.sort_key <= key,
    )


def _recent_service_part() -> Select[str, float]:
    recent = (
        select(Ticket.service_seconds.label("seconds"))
        .where(
            Ticket.hall_id == bindparam("hall"),
            Ticket.category_id == bindparam("category"),
            Ticket.completed_at.is_not(None),
            Ticket.service_seconds.is_not(None),
        )
        .order_by(Ticket.completed_at.desc())
        .limit(bindparam("samples"))
        .subquery()
    )
    return select(literal(_SERVICE), recent.c.seconds)


def _open_windows_part() -> Select[str, float]:
    serving = (
        select(window_category.c.window_id)
        .join(Window, window_category.c.window_id == Window.id)
        .where(
            Window.hall_id == bindparam("hall"),
            window_category.c.category_id == bindparam("category"),
            Window.state == WindowState.OPEN.value,
        )
    )
    return (
        select(literal(_WINDOW), cast(func.count(), Float))
        .where(window_category.c.window_id.in_(serving))
        .group_by(window_category.c.window_id)
    )


@functools.cache
def _estimate_inputs_statement(stored: bool) -> CompoundSelect[str, float]:
    return union_all(_people_ahead_part(stored), _recent_service_part(), _open_windows_part())


def estimate_for(ctx: Ctx, ticket: Ticket) -> WaitEstimate:
    ctx.session.flush()  # what this transaction changed counts, as an ORM query's autoflush would make it
    rows = ctx.session.connection().execute(
        _estimate_inputs_statement(ticket.id is not None),
        {
            "hall": ticket.hall_id if ticket.hall_id is not None else ctx.hall_id,  # unset until stored
            "day": ticket.service_date,
            "category": ticket.category_id,
            "sort_key": ticket.sort_key,
            "ticket_id": ticket.id,
            "samples": ctx.settings.service_time_samples,
        },
    )
    values: dict[str, list[float]] = {_AHEAD: [], _SERVICE: [], _WINDOW: []}
    for what, value in rows:
        values[what].append(value)
    return rules.estimate_wait(
        people_ahead=round(sum(values[_AHEAD])),
        durations=values[_SERVICE],
        default_seconds=ticket.category.default_service_minutes * 60,
        categories_served=[round(n) for n in values[_WINDOW]],  # per open window, the categories it serves
    )


def get_ticket(ctx: Ctx, ticket_id: int) -> Ticket:
    ticket = ctx.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("TICKET_NOT_FOUND", "没有找到该号票")
    return ticket


def ticket_by_follow_code(ctx: Ctx, code: str) -> Ticket:
    ticket = ctx.session.scalars(select(Ticket).where(Ticket.follow_code == code)).first()
    if ticket is None:
        raise NotFound("TICKET_NOT_FOUND", "没有找到该号票")
    return ticket


def tickets_of_visitor_today(ctx: Ctx, visitor: Visitor | None) -> list[Ticket]:
    if visitor is None:
        return []
    return list(
        ctx.session.scalars(
            select(Ticket)
            .where(Ticket.visitor_id == visitor.id, Ticket.service_date == ctx.clock.today())
            .order_by(Ticket.issued_at)
        )
    )


def requeue(ctx: Ctx, ticket: Ticket) -> Ticket:
    """A visitor who missed the call comes back within the grace period: rejoin a few places back."""
    if ticket.status != TicketStatus.NO_SHOW.value:
        raise Conflict("NOT_NO_SHOW", f"{ticket.number} 号不是过号状态，无需重新排队")
    grace = timedelta(minutes=ctx.settings.no_show_grace_minutes)
    now = ctx.clock.now()
    if (
        ticket.service_date != ctx.clock.today()
        or ticket.no_show_at is None
        or now - ticket.no_show_at > grace
    ):
        raise Conflict(
            "GRACE_EXPIRED",
            f"过号已超过{ctx.settings.no_show_grace_minutes}分钟，请重新取号",
        )
    waiting = ctx.session.scalars(
        select(Ticket.sort_key).where(
            Ticket.service_date == ticket.service_date,
            queued(),
            Ticket.category_id == ticket.category_id,
        )
    ).all()
    ticket.sort_key = rules.requeue_sort_key(
        list(waiting), ctx.settings.no_show_requeue_positions, now.timestamp()
    )
    ticket.status = TicketStatus.WAITING.value
    ticket.window_id = None
    ticket.staff_id = None
    ticket.call_count = 0
    ticket.requeue_count += 1
    ticket.no_show_at = None
    ctx.session.flush()
    record(
        ctx,
        EventType.TICKET_REQUEUED,
        AggregateType.TICKET,
        ticket.id,
        {
            "ticket_no": ticket.number,
            "positions_back": ctx.settings.no_show_requeue_positions,
            "requeue_count": ticket.requeue_count,
        },
        refs=ticket_refs(ticket),
    )
    return ticket


def cancel(ctx: Ctx, ticket: Ticket, reason: str, by: str) -> Ticket:
    if ticket.status != TicketStatus.WAITING.value:
        raise Conflict("NOT_WAITING", f"{ticket.number} 号当前不在等候中，不能取消")
    if not reason.strip():
        raise Invalid("REASON_REQUIRED", "请填写取消原因")
    mark_cancelled(ctx, ticket, reason, by)
    return ticket


def mark_cancelled(ctx: Ctx, ticket: Ticket, reason: str, by: str) -> None:
    ticket.status = TicketStatus.CANCELLED.value
    ticket.cancelled_at = ctx.clock.now()
    ticket.cancel_reason = reason
    ctx.session.flush()
    record(
        ctx,
        EventType.TICKET_CANCELLED,
        AggregateType.TICKET,
        ticket.id,
        {"ticket_no": ticket.number, "by": by, "reason": reason},
        refs=ticket_refs(ticket),
    )


def ticket_out(ctx: Ctx, ticket: Ticket) -> TicketOut:
    """The ticket as clients see it, with its wait estimate while it waits."""
    estimate = ctx.estimates.get(ticket.id)
    visitor = ctx.session.get(Visitor, ticket.visitor_id) if ticket.visitor_id else None
    waiting = ticket.status == TicketStatus.WAITING.value
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        status=TicketStatus(ticket.status),
        service_date=ticket.service_date,
        category_code=ticket.category.code,
        category_name=ticket.category.name,
        matter_id=ticket.matter_id,
        matter_name=ticket.matter.name if ticket.matter else None,
        priority=Priority(ticket.priority),
        channel=Channel(ticket.channel),
        issued_at=ticket.issued_at,
        visitor=identity.masked(visitor),
        window_no=ticket.window.number if ticket.window else None,
        target_window_no=ticket.target_window.number if ticket.target_window else None,
        call_count=ticket.call_count,
        first_called_at=ticket.first_called_at,
        service_started_at=ticket.service_started_at,
        completed_at=ticket.completed_at,
        transfer_note=ticket.transfer_note,
        return_window_no=ticket.return_window.number if ticket.return_window else None,
        parked_at=ticket.parked_at,
        park_note=ticket.park_note,
        cancel_reason=ticket.cancel_reason,
        appointment_id=ticket.appointment_id,
        follow_code=ticket.follow_code,
        follow_url=follow_url(ctx, ticket.follow_code),
        estimate=(estimate or estimate_for(ctx, ticket)) if waiting else None,
        delivery=TicketDelivery(ticket.delivery),
        delivery_fault=ticket.delivery_fault,
    )


def follow_url(ctx: Ctx, code: str) -> str:
    """What the ticket's QR code holds: the follow page on this server, as phones reach it."""
    return f"{ctx.settings.public_base_url.rstrip('/')}/f/{code}"


def public_ticket_out(ctx: Ctx, ticket: Ticket) -> PublicTicketOut:
    estimate = estimate_for(ctx, ticket) if ticket.status == TicketStatus.WAITING.value else None
    return PublicTicketOut(
        number=ticket.number,
        status=TicketStatus(ticket.status),
        category_name=ticket.category.name,
        people_ahead=estimate.people_ahead if estimate else None,
        wait_seconds=estimate.wait_seconds if estimate else None,
        window_no=ticket.window.number if ticket.window and ticket.status in ACTIVE else None,
        matter_name=ticket.matter.name if ticket.matter else None,
        explanation=estimate.explanation if estimate else "",
    )


NOT_TAKEN_REASON = "号票未被取走（自助机报告未领取），号票作废"
UNCONFIRMED_REASON = "自助机未确认号票已交到办事人手中，超时作废"


def confirm_delivery(ctx: Ctx, ticket: Ticket, method: DeliveryMethod, fault: str | None) -> Ticket:
    """The issuing kiosk reports how its PENDING ticket reached the visitor. Repeating the same report is
    harmless; changing a final one is refused. NOT_TAKEN cancels the ticket."""
    caller = ctx.principal.device_id if ctx.principal else None
    if ticket.issued_by_device_id is None or caller != ticket.issued_by_device_id:
        raise Forbidden("DELIVERY_NOT_ISSUER", f"{ticket.number} 号只能由出票的自助机确认领取情况")
    if ticket.delivery == method.value:
        return ticket
    if ticket.delivery == TicketDelivery.HANDED.value:
        raise Conflict("DELIVERY_NOT_REQUESTED", f"{ticket.number} 号取号时未要求确认领取，无需确认")
    if ticket.delivery != TicketDelivery.PENDING.value:
        raise Conflict(
            "DELIVERY_ALREADY_FINAL",
            f"{ticket.number} 号的领取情况已确认，不能再改",
            {"delivery": ticket.delivery},
        )
    if ticket.status != TicketStatus.WAITING.value:
        raise Conflict("NOT_WAITING", f"{ticket.number} 号已不在等候中，不能再确认领取")
    settle_delivery(ctx, ticket, TicketDelivery(method.value), fault, "KIOSK")
    return ticket


def settle_delivery(ctx: Ctx, ticket: Ticket, delivery: TicketDelivery, fault: str | None, by: str) -> None:
    ticket.delivery = delivery.value
    ticket.delivery_fault = fault
    ctx.session.flush()
    record(
        ctx,
        EventType.TICKET_DELIVERED,
        AggregateType.TICKET,
        ticket.id,
        {
            "ticket_no": ticket.number,
            "queue_code": ticket.category.code,
            "method": delivery.value,
            "fault": fault,
            "by": by,
        },
        refs=ticket_refs(ticket),
    )
    if delivery is TicketDelivery.NOT_TAKEN:
        reason = NOT_TAKEN_REASON if by == "KIOSK" else UNCONFIRMED_REASON
        mark_cancelled(ctx, ticket, reason, by)


def unconfirmed(ctx: Ctx) -> ColumnElement[bool]:
    """Kiosk tickets still PENDING after YIMEN_TICKET_CONFIRM_SECONDS: nobody took them."""
    deadline = ctx.clock.now() - timedelta(seconds=ctx.settings.ticket_confirm_seconds)
    return (
        (Ticket.delivery == TicketDelivery.PENDING.value)
        & (Ticket.issued_at < deadline)
        & (Ticket.status == TicketStatus.WAITING.value)
    )


def expire_unconfirmed(ctx: Ctx, limit: int) -> list[Ticket]:
    """Cancel (a batch of) kiosk tickets whose delivery was never confirmed: they leave no ghost to call."""
    stale = ctx.session.scalars(select(Ticket).where(unconfirmed(ctx)).order_by(Ticket.id).limit(limit)).all()
    for ticket in stale:
        settle_delivery(ctx, ticket, TicketDelivery.NOT_TAKEN, None, "SYSTEM")
    return list(stale)
