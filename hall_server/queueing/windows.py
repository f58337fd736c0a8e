"""Window operations: open, call next, recall, no-show, start, complete, transfer, pause, resume, close.

Concurrency: the window row is locked (FOR UPDATE on PostgreSQL; SQLite transactions are serial) so one
window acts once at a time; the next ticket is taken with FOR UPDATE SKIP LOCKED, so two windows calling
at the same instant take different tickets, and the ticket's version column refuses any lost update.
"""

from __future__ import annotations

import hmac

from sqlalchemy import Select, func, or_, select

from hall_server.auth.models import Staff
from hall_server.catalogue.models import Category
from hall_server.catalogue.service import category_by_code
from hall_server.contract.auth import Role
from hall_server.contract.events import AggregateType, Envelope, EventType
from hall_server.contract.identity import IdentityIn
from hall_server.contract.queue import (
    IdentityCheckOut,
    ParkRequest,
    PauseRequest,
    TicketStatus,
    TransferRequest,
    WindowIn,
    WindowOut,
    WindowState,
)
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, Forbidden, Invalid, NotFound
from hall_server.evaluation import service as evaluation
from hall_server.events.models import Event
from hall_server.events.service import record
from hall_server.identity import service as identity
from hall_server.identity.models import Visitor
from hall_server.queueing import rules
from hall_server.queueing.models import Ticket, Window
from hall_server.queueing.tickets import ACTIVE, queued, ticket_out, ticket_refs, tickets_of_visitor_today

SUPERVISORS = (Role.MANAGER, Role.ADMIN)


def window_by_number(ctx: Ctx, number: int, *, lock: bool = False) -> Window:
    query = select(Window).where(Window.number == number)
    if lock:
        query = query.with_for_update(of=Window)
    window = ctx.session.scalars(query).first()
    if window is None:
        raise NotFound("WINDOW_NOT_FOUND", f"没有 {number} 号窗口")
    return window


def active_ticket(ctx: Ctx, window: Window) -> Ticket | None:
    return ctx.session.scalars(
        select(Ticket).where(Ticket.window_id == window.id, Ticket.status.in_(ACTIVE)).limit(1)
    ).first()


def _operable(ctx: Ctx, number: int, *, lock: bool = True) -> Window:
    """The window, locked, if the caller is its clerk (or a manager)."""
    window = window_by_number(ctx, number, lock=lock)
    principal = ctx.principal
    if principal is None or principal.role in SUPERVISORS:
        return window
    if window.staff_id != principal.staff_id:
        raise Forbidden("NOT_YOUR_WINDOW", f"您未登录 {number} 号窗口，不能操作该窗口")
    return window


def operable_window(ctx: Ctx, number: int) -> Window:
    """The window, if the caller is its clerk (or a manager): for other domains acting for a window."""
    return _operable(ctx, number, lock=False)


def _require_state(window: Window, *states: WindowState) -> None:
    if window.state in {s.value for s in states}:
        return
    messages = {
        WindowState.OPEN.value: ("WINDOW_OPEN", "窗口已开放"),
        WindowState.PAUSED.value: ("WINDOW_PAUSED", "窗口已暂停服务，请先恢复"),
        WindowState.CLOSED.value: ("WINDOW_CLOSED", "窗口未开放，请先登录窗口"),
    }
    code, message = messages[window.state]
    raise Conflict(code, message)


def _require_idle(ctx: Ctx, window: Window) -> None:
    current = active_ticket(ctx, window)
    if current is not None:
        raise Conflict("WINDOW_BUSY", f"请先办结、转移或标记过号当前的 {current.number} 号")


def _current(ctx: Ctx, window: Window, *statuses: TicketStatus) -> Ticket:
    ticket = active_ticket(ctx, window)
    if ticket is None:
        last = last_called_here(ctx, window)
        if last is None:
            raise Conflict("NO_CURRENT_TICKET", "本窗口当前没有叫号中的号票")
        raise Conflict(
            "NO_CURRENT_TICKET",
            f"{last.number} 号{_what_became_of(ctx, last, window)}，本窗口当前没有叫号中的号票",
            {"ticket_no": last.number, "status": last.status},
        )
    if ticket.status not in {s.value for s in statuses}:
        raise Conflict("TICKET_STATE", f"{ticket.number} 号当前状态不允许此操作")
    return ticket


def check_identity(ctx: Ctx, number: int, card: IdentityIn) -> IdentityCheckOut:
    """The card a visitor hands over at the counter, against the window's current ticket: compared by the
    identity's keyed hash on the server, never by masked strings. Only the window's clerk (or a manager)."""
    window = _operable(ctx, number, lock=False)
    checked = identity.check(card, ctx.clock.today())
    card_hash = identity.hash_of(ctx, checked.number)
    visitor = ctx.session.scalars(select(Visitor).where(Visitor.id_hash == card_hash)).first()
    today = tickets_of_visitor_today(ctx, visitor)
    current = active_ticket(ctx, window)
    holder = ctx.session.get(Visitor, current.visitor_id) if current and current.visitor_id else None
    matches: bool | None = None
    if current is None:
        message = f"本窗口当前没有叫号中的号票；该身份证今日有 {len(today)} 张号票"
    elif holder is None:
        message = f"当前号票 {current.number} 未登记身份，无法核对"
    else:
        matches = hmac.compare_digest(holder.id_hash, card_hash)
        message = (
            f"身份证与当前号票 {current.number} 的身份一致"
            if matches
            else f"注意：身份证与当前号票 {current.number} 登记的身份不一致"
        )
    return IdentityCheckOut(
        visitor=identity.masked_card(checked, visitor),
        tickets_today=[ticket_out(ctx, t) for t in today],
        current_ticket_no=current.number if current else None,
        matches_current=matches,
        message=message,
    )


# The events that make a ticket a window's current one.
_MADE_CURRENT = (EventType.TICKET_CALLED.value, EventType.TICKET_UNPARKED.value)


def last_called_here(ctx: Ctx, window: Window) -> Ticket | None:
    """The ticket this window called (or resumed) last today, found in the event log: it may have left the
    window since (completed, transferred, called at another window) by someone else's hand."""
    window_no = Event.payload[("data", "window_no")].as_integer()
    row = ctx.session.execute(
        select(Event.aggregate_id)
        .where(
            Event.event_type.in_(_MADE_CURRENT),
            Event.aggregate_type == AggregateType.TICKET.value,
            window_no == window.number,
        )
        .order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(1)
    ).first()
    ticket = ctx.session.get(Ticket, int(row[0])) if row is not None else None
    return ticket if ticket is not None and ticket.service_date == ctx.clock.today() else None


def _what_became_of(ctx: Ctx, ticket: Ticket, window: Window) -> str:
    """What happened to the ticket, in Chinese, naming the window or the person who did it."""
    last = ctx.session.scalars(
        select(Event)
        .where(Event.aggregate_type == AggregateType.TICKET.value, Event.aggregate_id == str(ticket.id))
        .order_by(Event.aggregate_seq.desc())
        .limit(1)
    ).first()
    actor = Envelope.model_validate(last.payload).actor if last is not None else None
    caller = ctx.principal.staff_id if ctx.principal else None
    by = (
        f"（操作人：{actor.staff_name}）"
        if actor is not None and actor.staff_name and actor.staff_id != str(caller)
        else ""
    )
    elsewhere = ticket.window is not None and ticket.window_id != window.id
    status = ticket.status
    if status == TicketStatus.CANCELLED.value:
        return f"已被取消（原因：{ticket.cancel_reason or '未说明'}）"
    if status in ACTIVE and ticket.window is not None:
        return f"已由 {ticket.window.number} 号窗口接办"
    if status == TicketStatus.DONE.value:
        return f"已由 {ticket.window.number} 号窗口办结" if elsewhere and ticket.window else f"已办结{by}"
    if status == TicketStatus.NO_SHOW.value:
        return f"已标记过号{by}"
    if status == TicketStatus.PARKED.value:
        return f"已挂起{by}，可在挂起列表中恢复"
    if ticket.target_window is not None:
        return f"已转至 {ticket.target_window.number} 号窗口排队{by}"
    if last is not None and last.event_type == EventType.TICKET_TRANSFERRED.value:
        return f"已转至“{ticket.category.name}”排队{by}"
    return f"已回到队列等候{by}"


def set_state(
    ctx: Ctx, window: Window, state: WindowState, event: EventType, data: dict[str, object]
) -> None:
    window.state = state.value
    window.state_since = ctx.clock.now()
    ctx.session.flush()
    record(
        ctx,
        event,
        AggregateType.WINDOW,
        window.number,
        {"window_no": window.number, **data},
        window_no=window.number,
    )


def _ticket_event(
    ctx: Ctx, ticket: Ticket, window: Window, event: EventType, data: dict[str, object]
) -> None:
    ctx.session.flush()
    record(
        ctx,
        event,
        AggregateType.TICKET,
        ticket.id,
        {"ticket_no": ticket.number, "window_no": window.number, **data},
        refs=ticket_refs(ticket),
        window_no=window.number,
    )


def save_window(ctx: Ctx, window_in: WindowIn) -> Window:
    categories = [category_by_code(ctx, code) for code in window_in.category_codes]
    window = ctx.session.scalars(select(Window).where(Window.number == window_in.number)).first()
    if window is None:
        window = Window(number=window_in.number, state=WindowState.CLOSED.value, state_since=ctx.clock.now())
        ctx.session.add(window)
    if window_in.may_serve_codes is not None:
        codes = (category_by_code(ctx, code).code for code in window_in.may_serve_codes)
        window.may_serve = list(dict.fromkeys(codes))
    _require_competent(window_in.number, list(window.may_serve or []), categories)
    window.name = window_in.name
    window.categories = categories
    ctx.session.flush()
    data: dict[str, object] = {
        "window_no": window.number,
        "name": window.name,
        "categories": window_in.category_codes,
    }
    if window_in.may_serve_codes is not None:
        data["may_serve"] = list(window.may_serve)
    number = window.number
    record(ctx, EventType.WINDOW_CONFIGURED, AggregateType.WINDOW, number, data, window_no=number)
    return window


def _require_competent(number: int, may_serve: list[str], categories: list[Category]) -> None:
    """A window with a competence list (may_serve) is given only categories on it; empty: any (综合窗口)."""
    if not may_serve:
        return
    outside = [c.name for c in categories if c.code not in may_serve]
    if outside:
        raise Invalid(
            "CATEGORY_NOT_ALLOWED",
            f"{number} 号窗口不能办理：{'、'.join(outside)}（该窗口可办类别不含这些类别）",
            {"may_serve_codes": may_serve},
        )


def set_categories(ctx: Ctx, number: int, category_codes: list[str]) -> Window:
    window = window_by_number(ctx, number, lock=True)
    return save_window(ctx, WindowIn(number=number, name=window.name, category_codes=category_codes))


def open_window(ctx: Ctx, number: int) -> Window:
    """A clerk signs in at a window. A manager opens one from the dashboard without becoming its clerk:
    the window keeps the clerk assigned to it, if any, and a clerk who signs in later takes it over."""
    window = window_by_number(ctx, number, lock=True)
    principal = ctx.principal
    if principal is not None and principal.role is not Role.CLERK and principal.role not in SUPERVISORS:
        raise Forbidden("FORBIDDEN", "只有窗口工作人员可以登录窗口")
    supervisor = principal is not None and principal.role in SUPERVISORS
    staff_id = window.staff_id if supervisor else principal.staff_id if principal else None
    if window.state != WindowState.CLOSED.value and window.staff_id not in (None, staff_id):
        holder = ctx.session.get(Staff, window.staff_id)
        name = holder.name if holder is not None else "其他工作人员"
        raise Conflict(
            "WINDOW_TAKEN",
            f"{number} 号窗口已由 {name} 登录，请选择其他窗口或请其先退出",
            {"window_no": number, "staff_name": name},
        )
    if staff_id is not None and not supervisor:
        elsewhere = ctx.session.scalars(
            select(Window).where(
                Window.staff_id == staff_id, Window.id != window.id, Window.state != WindowState.CLOSED.value
            )
        ).first()
        if elsewhere is not None:
            raise Conflict("STAFF_AT_OTHER_WINDOW", f"您已登录 {elsewhere.number} 号窗口，请先退出")
    window.staff_id = staff_id
    window.pause_reason = None
    set_state(ctx, window, WindowState.OPEN, EventType.WINDOW_OPENED, {"staff_id": staff_id})
    return window


def window_queue(ctx: Ctx, window: Window) -> Select[Ticket]:
    """Today's waiting tickets this window may call, in calling order: its categories' tickets that
    were not sent to one particular window, and those sent to it."""
    category_ids = [category.id for category in window.categories]
    return (
        select(Ticket)
        .where(
            Ticket.service_date == ctx.clock.today(),
            queued(),
            or_(
                Ticket.category_id.in_(category_ids) & Ticket.target_window_id.is_(None),
                Ticket.target_window_id == window.id,
            ),
        )
        .order_by(Ticket.sort_key, Ticket.id)
    )


def call_next(ctx: Ctx, number: int) -> Ticket | None:
    window = _operable(ctx, number)
    _require_state(window, WindowState.OPEN)
    _require_idle(ctx, window)
    ticket = ctx.session.scalars(
        window_queue(ctx, window).limit(1).with_for_update(of=Ticket, skip_locked=True)
    ).first()
    if ticket is None:
        return None
    now = ctx.clock.now()
    ticket.status = TicketStatus.CALLED.value
    ticket.window_id = window.id
    ticket.window = window
    ticket.staff_id = window.staff_id
    ticket.call_count = 1
    if ticket.first_called_at is None:
        ticket.first_called_at = now
        ticket.wait_seconds = (now - ticket.issued_at).total_seconds()
    ticket.last_called_at = now
    _ticket_event(
        ctx,
        ticket,
        window,
        EventType.TICKET_CALLED,
        {
            "call_count": 1,
            "staff_id": window.staff_id,
            "queue_code": ticket.category.code,
            "waited_s": round((now - ticket.issued_at).total_seconds()),
        },
    )
    return ticket


def recall(ctx: Ctx, number: int) -> Ticket:
    window = _operable(ctx, number)
    ticket = _current(ctx, window, TicketStatus.CALLED)
    limit = ctx.settings.max_recalls
    if ticket.call_count > limit:
        raise Conflict("RECALL_LIMIT", f"{ticket.number} 号已重呼{limit}次，请标记过号")
    ticket.call_count += 1
    ticket.last_called_at = ctx.clock.now()
    _ticket_event(ctx, ticket, window, EventType.TICKET_RECALLED, {"call_count": ticket.call_count})
    return ticket


def no_show(ctx: Ctx, number: int) -> Ticket:
    window = _operable(ctx, number)
    ticket = _current(ctx, window, TicketStatus.CALLED)
    ticket.status = TicketStatus.NO_SHOW.value
    ticket.no_show_at = ctx.clock.now()
    _ticket_event(
        ctx, ticket, window, EventType.TICKET_NO_SHOW, {"reason": "PASSED", "call_count": ticket.call_count}
    )
    return ticket


def cancel_current(ctx: Ctx, number: int, reason: str) -> Ticket:
    """取消 the visitor at the window (called or being served), with the reason the clerk gives."""
    window = _operable(ctx, number)
    ticket = _current(ctx, window, TicketStatus.CALLED, TicketStatus.SERVING)
    ticket.status = TicketStatus.CANCELLED.value
    ticket.cancelled_at = ctx.clock.now()
    ticket.cancel_reason = reason
    _ticket_event(ctx, ticket, window, EventType.TICKET_CANCELLED, {"by": "STAFF", "reason": reason})
    return ticket


def start(ctx: Ctx, number: int) -> Ticket:
    window = _operable(ctx, number)
    ticket = _current(ctx, window, TicketStatus.CALLED)
    ticket.status = TicketStatus.SERVING.value
    ticket.service_started_at = ctx.clock.now()
    _ticket_event(ctx, ticket, window, EventType.TICKET_SERVICE_STARTED, {"staff_id": ticket.staff_id})
    return ticket


def complete(ctx: Ctx, number: int) -> Ticket:
    """Finish the current visitor; a called ticket completed without "start" counts from its last call."""
    window = _operable(ctx, number)
    ticket = _current(ctx, window, TicketStatus.CALLED, TicketStatus.SERVING)
    if ticket.return_window_id not in (None, window.id):
        return _send_back(ctx, ticket, window)
    now = ctx.clock.now()
    ticket.service_started_at = ticket.service_started_at or ticket.last_called_at or now
    ticket.status = TicketStatus.DONE.value
    ticket.completed_at = now
    ticket.service_seconds = (now - ticket.service_started_at).total_seconds()
    _ticket_event(
        ctx,
        ticket,
        window,
        EventType.TICKET_SERVICE_COMPLETED,
        {
            "outcome": "SERVED",
            "duration_s": round((now - ticket.service_started_at).total_seconds()),
            "staff_id": ticket.staff_id,
        },
    )
    evaluation.open_for_window_service(ctx, ticket, window, ticket.staff_id)
    return ticket


def _send_back(ctx: Ctx, ticket: Ticket, window: Window) -> Ticket:
    """This window's part is done: the ticket waits again for the window that expects it back."""
    back = ticket.return_window
    assert back is not None
    served_by = ticket.staff_id
    ticket.status = TicketStatus.WAITING.value
    ticket.target_window_id, ticket.target_window = back.id, back
    ticket.return_window_id, ticket.return_window = None, None
    ticket.window_id, ticket.window, ticket.staff_id = None, None, None
    ticket.call_count = 0
    ticket.service_started_at = None
    ticket.sort_key = rules.return_sort_key(ctx.clock.now(), ctx.settings.head_start_minutes)
    _ticket_event(
        ctx,
        ticket,
        window,
        EventType.TICKET_TRANSFERRED,
        {"from_window": window.number, "to_window": back.number, "returned": True},
    )
    evaluation.open_for_window_service(ctx, ticket, window, served_by)  # this window's contact is done
    return ticket


def transfer(ctx: Ctx, number: int, request: TransferRequest) -> Ticket:
    """Send the current visitor to another category or window, keeping the original queue position."""
    window = _operable(ctx, number)
    ticket = _current(ctx, window, TicketStatus.CALLED, TicketStatus.SERVING)
    data: dict[str, object] = {"from_window": window.number, "note": request.note}
    if request.expect_return:
        ticket.return_window_id, ticket.return_window = window.id, window
        data["return_window"] = window.number
    if request.to_window_no is not None:
        if request.to_window_no == window.number:
            raise Invalid("TRANSFER_SAME", "不能转移到本窗口")
        target = window_by_number(ctx, request.to_window_no)
        if target.state == WindowState.CLOSED.value:
            raise Conflict("TARGET_WINDOW_CLOSED", f"{target.number} 号窗口未开放，不能转入")
        ticket.target_window_id = target.id
        ticket.target_window = target
        data["to_window"] = target.number
    else:
        assert request.to_category_code is not None
        category = category_by_code(ctx, request.to_category_code)
        if category.id == ticket.category_id and ticket.target_window_id is None:
            raise Invalid("TRANSFER_SAME", "号票已在该类别排队")
        ticket.category_id = category.id
        ticket.category = category
        ticket.target_window_id = None
        ticket.target_window = None
        data["to_queue_code"] = category.code
    ticket.status = TicketStatus.WAITING.value
    ticket.window_id = None
    ticket.window = None
    ticket.staff_id = None
    ticket.call_count = 0
    ticket.service_started_at = None
    ticket.transfer_note = request.note
    _ticket_event(ctx, ticket, window, EventType.TICKET_TRANSFERRED, data)
    return ticket


def park(ctx: Ctx, number: int, request: ParkRequest) -> Ticket:
    """挂起: the visitor stepped away; the ticket stays with this window (window_id), which is free."""
    window = _operable(ctx, number)
    ticket = _current(ctx, window, TicketStatus.CALLED, TicketStatus.SERVING)
    ticket.status = TicketStatus.PARKED.value
    ticket.parked_at = ctx.clock.now()
    ticket.park_note = request.note
    _ticket_event(ctx, ticket, window, EventType.TICKET_PARKED, {"note": request.note})
    return ticket


def upcoming(ctx: Ctx, number: int, limit: int) -> list[Ticket]:
    """The next tickets this window would call, in calling order (the clerk's "next few numbers")."""
    window = window_by_number(ctx, number)
    return list(ctx.session.scalars(window_queue(ctx, window).limit(limit)))


def parked(ctx: Ctx, number: int) -> list[Ticket]:
    window = window_by_number(ctx, number)
    return list(
        ctx.session.scalars(
            select(Ticket)
            .where(Ticket.window_id == window.id, Ticket.status == TicketStatus.PARKED.value)
            .order_by(Ticket.parked_at, Ticket.id)
        )
    )


def unpark(ctx: Ctx, number: int, ticket_id: int) -> Ticket:
    """Resume a parked ticket: it becomes the window's current (called) ticket again."""
    window = _operable(ctx, number)
    _require_state(window, WindowState.OPEN)
    ticket = ctx.session.get(Ticket, ticket_id)
    if ticket is None or ticket.window_id != window.id or ticket.status != TicketStatus.PARKED.value:
        raise NotFound("PARKED_TICKET_NOT_FOUND", f"{number} 号窗口没有该挂起的号票")
    current = active_ticket(ctx, window)
    if current is not None:
        raise Conflict(
            "WINDOW_BUSY", f"请先办结、转移、挂起或标记过号当前的 {current.number} 号，再恢复挂起的号"
        )
    parked_s = round((ctx.clock.now() - ticket.parked_at).total_seconds()) if ticket.parked_at else 0
    ticket.status = TicketStatus.CALLED.value
    ticket.staff_id = window.staff_id
    ticket.last_called_at = ctx.clock.now()
    ticket.parked_at = None
    _ticket_event(ctx, ticket, window, EventType.TICKET_UNPARKED, {"parked_s": parked_s})
    return ticket


def pause(ctx: Ctx, number: int, request: PauseRequest) -> Window:
    window = _operable(ctx, number)
    _require_state(window, WindowState.OPEN)
    _require_idle(ctx, window)
    window.pause_reason = request.reason.value
    set_state(
        ctx,
        window,
        WindowState.PAUSED,
        EventType.WINDOW_PAUSED,
        {"reason": request.reason.value, "note": request.note},
    )
    return window


def resume(ctx: Ctx, number: int) -> Window:
    window = _operable(ctx, number)
    _require_state(window, WindowState.PAUSED)
    window.pause_reason = None
    set_state(ctx, window, WindowState.OPEN, EventType.WINDOW_RESUMED, {})
    return window


def close(ctx: Ctx, number: int, reason: str = "SIGN_OUT") -> Window:
    window = _operable(ctx, number)
    _require_state(window, WindowState.OPEN, WindowState.PAUSED)
    _require_idle(ctx, window)
    window.staff_id = None
    window.pause_reason = None
    set_state(ctx, window, WindowState.CLOSED, EventType.WINDOW_CLOSED, {"reason": reason})
    return window


def list_windows(ctx: Ctx) -> list[Window]:
    return list(ctx.session.scalars(select(Window).order_by(Window.number)))


def window_out(ctx: Ctx, window: Window) -> WindowOut:
    return windows_out(ctx, [window])[0]


def windows_out(ctx: Ctx, windows: list[Window]) -> list[WindowOut]:
    """The views of `windows`, their clerks, current tickets and parked counts read for all of them at once
    (a hall's list, its load and its display snapshot show every window: one read per figure, not per
    window)."""
    ids = [window.id for window in windows]
    staff_ids = {window.staff_id for window in windows if window.staff_id is not None}
    names: dict[int, str] = {}
    if staff_ids:  # a window a manager opened, or a closed one, has no clerk: nothing to read
        clerks = select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids))
        names = dict(ctx.session.execute(clerks).tuples().all())
    current: dict[int, Ticket] = {}
    active = select(Ticket).where(Ticket.window_id.in_(ids), Ticket.status.in_(ACTIVE)).order_by(Ticket.id)
    for ticket in ctx.session.scalars(active):
        current.setdefault(ticket.window_id, ticket)  # type: ignore[arg-type]  # window_id set: selected by it
    visitor_ids = {t.visitor_id for t in current.values() if t.visitor_id is not None}
    if visitor_ids:  # into the session, where each ticket's view finds its visitor
        ctx.session.scalars(select(Visitor).where(Visitor.id.in_(visitor_ids))).all()
    parked = dict(
        ctx.session.execute(
            select(Ticket.window_id, func.count())
            .where(Ticket.window_id.in_(ids), Ticket.status == TicketStatus.PARKED.value)
            .group_by(Ticket.window_id)
        )
        .tuples()
        .all()
    )
    return [
        WindowOut(
            id=window.id,
            number=window.number,
            name=window.name,
            state=WindowState(window.state),
            pause_reason=window.pause_reason,
            category_codes=[c.code for c in window.categories],
            may_serve_codes=list(window.may_serve or []),
            staff_id=window.staff_id,
            staff_name=names.get(window.staff_id) if window.staff_id else None,
            state_since=window.state_since,
            current_ticket=ticket_out(ctx, current[window.id]) if window.id in current else None,
            parked_count=parked.get(window.id, 0),
        )
        for window in windows
    ]
