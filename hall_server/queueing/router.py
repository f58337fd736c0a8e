from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from hall_server.appointments import service as appointments
from hall_server.contract.auth import DeviceKind
from hall_server.contract.identity import IdentityIn
from hall_server.contract.queue import (
    Channel,
    ClerkDayOut,
    DeliveryReport,
    IdentityCheckOut,
    IssueTicketRequest,
    ParkRequest,
    PauseRequest,
    PublicTicketOut,
    TicketCancelRequest,
    TicketOut,
    TicketQuery,
    TransferRequest,
    WindowCategoriesIn,
    WindowIn,
    WindowOperationResult,
    WindowOut,
)
from hall_server.core.context import Ctx
from hall_server.deps import (
    ADMINS,
    ALL_DEVICES,
    DESK,
    MANAGERS,
    STAFF,
    ApiDep,
    IdempotentApiDep,
    IdParam,
    PublicApiDep,
    WindowParam,
    principal_of,
)
from hall_server.follow.service import public_view
from hall_server.identity import service as identity
from hall_server.queueing import clerk_day, tickets, windows
from hall_server.queueing.models import Ticket, Window

router = APIRouter(tags=["queue"])
KIOSK = frozenset({DeviceKind.KIOSK})
FRONT = frozenset({DeviceKind.KIOSK, DeviceKind.COUNTER})


@router.post("/tickets", response_model=TicketOut, status_code=201)
def issue_ticket(body: IssueTicketRequest, api: IdempotentApiDep) -> Response:
    def work(ctx: Ctx) -> TicketOut:
        channel = Channel.KIOSK if principal_of(ctx).device_kind is DeviceKind.KIOSK else Channel.WINDOW
        return tickets.ticket_out(ctx, tickets.issue_ticket(ctx, body, channel))

    return api.answer(work, roles=DESK, devices=FRONT)


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: IdParam, api: ApiDep) -> Response:
    return api.answer_read(
        lambda ctx: tickets.ticket_out(ctx, tickets.get_ticket(ctx, ticket_id)),
        roles=STAFF,
        devices=ALL_DEVICES,
    )


@router.get("/tickets/follow/{code}", response_model=TicketOut)
def ticket_by_code(code: str, api: ApiDep) -> Response:
    return api.answer_read(
        lambda ctx: tickets.ticket_out(ctx, tickets.ticket_by_follow_code(ctx, code)),
        roles=STAFF,
        devices=FRONT,
    )


@router.post("/tickets/lookup", response_model=list[TicketOut])
def tickets_of_visitor(body: TicketQuery, api: ApiDep) -> Response:
    """A visitor's tickets today, by the identity read from the card (in the body, never the URL)."""
    return api.answer(
        lambda ctx: [
            tickets.ticket_out(ctx, t)
            for t in tickets.tickets_of_visitor_today(ctx, identity.find(ctx, body.identity))
        ],
        roles=STAFF,
        devices=FRONT,
    )


@router.post("/tickets/{ticket_id}/requeue", response_model=TicketOut)
def requeue(ticket_id: IdParam, api: IdempotentApiDep) -> Response:
    return api.answer(
        lambda ctx: tickets.ticket_out(ctx, tickets.requeue(ctx, tickets.get_ticket(ctx, ticket_id))),
        roles=DESK,
        devices=FRONT,
    )


@router.post("/tickets/{ticket_id}/cancel", response_model=TicketOut)
def cancel(ticket_id: IdParam, body: TicketCancelRequest, api: IdempotentApiDep) -> Response:
    def work(ctx: Ctx) -> TicketOut:
        by = "STAFF" if principal_of(ctx).is_staff else "CITIZEN"
        return tickets.ticket_out(
            ctx, tickets.cancel(ctx, tickets.get_ticket(ctx, ticket_id), body.reason, by)
        )

    return api.answer(work, roles=DESK, devices=FRONT)


@router.post("/tickets/{ticket_id}/delivery", response_model=TicketOut)
def confirm_delivery(ticket_id: IdParam, body: DeliveryReport, api: IdempotentApiDep) -> Response:
    """The issuing kiosk confirms how a PENDING ticket reached the visitor (printed, screen only, not
    taken); only then does the ticket join the queue (NOT_TAKEN cancels it)."""

    def work(ctx: Ctx) -> TicketOut:
        ticket = tickets.confirm_delivery(ctx, tickets.get_ticket(ctx, ticket_id), body.method, body.fault)
        appointments.undo_untaken_check_in(ctx, ticket)  # a check-in nobody took can be done again
        return tickets.ticket_out(ctx, ticket)

    return api.answer(work, roles=frozenset(), devices=KIOSK)


@router.get("/public/tickets/{code}", response_model=PublicTicketOut, tags=["public"])
def follow_ticket(code: str, api: PublicApiDep) -> PublicTicketOut:
    """Opened from the QR code on the ticket; the unguessable code is the credential. No personal data.
    On the ticket's day only, as the page and its live topic (later the code only rates and complains)."""
    return api.read_public(lambda ctx: public_view(ctx, code))


@router.get("/windows", response_model=list[WindowOut])
def list_windows(api: ApiDep) -> Response:
    return api.answer_read(
        lambda ctx: windows.windows_out(ctx, windows.list_windows(ctx)),
        roles=STAFF,
        devices=ALL_DEVICES,
    )


@router.get("/windows/{number}", response_model=WindowOut)
def get_window(number: WindowParam, api: ApiDep) -> Response:
    return api.answer_read(
        lambda ctx: windows.window_out(ctx, windows.window_by_number(ctx, number)),
        roles=STAFF,
        devices=ALL_DEVICES,
    )


@router.put("/windows/{number}", response_model=WindowOut)
def save_window(number: WindowParam, body: WindowIn, api: ApiDep) -> Response:
    body = body.replaced(number=number)
    return api.answer(lambda ctx: windows.window_out(ctx, windows.save_window(ctx, body)), roles=ADMINS)


@router.put("/windows/{number}/categories", response_model=WindowOut)
def set_categories(number: WindowParam, body: WindowCategoriesIn, api: ApiDep) -> Response:
    return api.answer(
        lambda ctx: windows.window_out(ctx, windows.set_categories(ctx, number, body.category_codes)),
        roles=MANAGERS,
    )


def _result(ctx: Ctx, window_no: int, ticket: Ticket | None, message: str = "") -> WindowOperationResult:
    window = windows.window_by_number(ctx, window_no)
    return WindowOperationResult(
        window=windows.window_out(ctx, window),
        ticket=tickets.ticket_out(ctx, ticket) if ticket else None,
        message=message,
    )


def _window_result(ctx: Ctx, window: Window) -> WindowOperationResult:
    return _result(ctx, window.number, None)


@router.post("/windows/{number}/open", response_model=WindowOperationResult)
def open_window(number: WindowParam, api: IdempotentApiDep) -> Response:
    return api.answer(lambda ctx: _window_result(ctx, windows.open_window(ctx, number)), roles=DESK)


@router.post("/windows/{number}/close", response_model=WindowOperationResult)
def close_window(number: WindowParam, api: IdempotentApiDep) -> Response:
    return api.answer(lambda ctx: _window_result(ctx, windows.close(ctx, number)), roles=DESK)


@router.post("/windows/{number}/pause", response_model=WindowOperationResult)
def pause(number: WindowParam, api: IdempotentApiDep, body: PauseRequest | None = None) -> Response:
    request = body or PauseRequest()
    return api.answer(lambda ctx: _window_result(ctx, windows.pause(ctx, number, request)), roles=DESK)


@router.post("/windows/{number}/resume", response_model=WindowOperationResult)
def resume(number: WindowParam, api: IdempotentApiDep) -> Response:
    return api.answer(lambda ctx: _window_result(ctx, windows.resume(ctx, number)), roles=DESK)


@router.post("/windows/{number}/call-next", response_model=WindowOperationResult)
def call_next(number: WindowParam, api: IdempotentApiDep) -> Response:
    def work(ctx: Ctx) -> WindowOperationResult:
        ticket = windows.call_next(ctx, number)
        return _result(ctx, number, ticket, "" if ticket else "当前没有等候的号")

    return api.answer(work, roles=DESK)


@router.post("/windows/{number}/recall", response_model=WindowOperationResult)
def recall(number: WindowParam, api: IdempotentApiDep) -> Response:
    return api.answer(lambda ctx: _result(ctx, number, windows.recall(ctx, number)), roles=DESK)


@router.post("/windows/{number}/no-show", response_model=WindowOperationResult)
def no_show(number: WindowParam, api: IdempotentApiDep) -> Response:
    return api.answer(lambda ctx: _result(ctx, number, windows.no_show(ctx, number)), roles=DESK)


@router.post("/windows/{number}/start", response_model=WindowOperationResult)
def start(number: WindowParam, api: IdempotentApiDep) -> Response:
    return api.answer(lambda ctx: _result(ctx, number, windows.start(ctx, number)), roles=DESK)


@router.post("/windows/{number}/complete", response_model=WindowOperationResult)
def complete(number: WindowParam, api: IdempotentApiDep) -> Response:
    return api.answer(lambda ctx: _result(ctx, number, windows.complete(ctx, number)), roles=DESK)


@router.post("/windows/{number}/transfer", response_model=WindowOperationResult)
def transfer(number: WindowParam, body: TransferRequest, api: IdempotentApiDep) -> Response:
    return api.answer(lambda ctx: _result(ctx, number, windows.transfer(ctx, number, body)), roles=DESK)


@router.post("/windows/{number}/cancel", response_model=WindowOperationResult)
def cancel_current(number: WindowParam, body: TicketCancelRequest, api: IdempotentApiDep) -> Response:
    """取消 the window's current visitor (called or being served) with a reason."""
    return api.answer(
        lambda ctx: _result(ctx, number, windows.cancel_current(ctx, number, body.reason.strip())), roles=DESK
    )


@router.post("/windows/{number}/park", response_model=WindowOperationResult)
def park(number: WindowParam, api: IdempotentApiDep, body: ParkRequest | None = None) -> Response:
    request = body or ParkRequest()
    return api.answer(lambda ctx: _result(ctx, number, windows.park(ctx, number, request)), roles=DESK)


@router.get("/windows/{number}/queue", response_model=list[TicketOut])
def upcoming(number: WindowParam, api: ApiDep, limit: Annotated[int, Query(ge=1, le=50)] = 5) -> Response:
    """The next tickets this window would call, in calling order."""
    return api.answer_read(
        lambda ctx: [tickets.ticket_out(ctx, t) for t in windows.upcoming(ctx, number, limit)], roles=STAFF
    )


@router.get("/windows/{number}/parked", response_model=list[TicketOut])
def parked(number: WindowParam, api: ApiDep) -> Response:
    return api.answer_read(
        lambda ctx: [tickets.ticket_out(ctx, t) for t in windows.parked(ctx, number)], roles=STAFF
    )


@router.post("/windows/{number}/parked/{ticket_id}/resume", response_model=WindowOperationResult)
def unpark(number: WindowParam, ticket_id: IdParam, api: IdempotentApiDep) -> Response:
    return api.answer(lambda ctx: _result(ctx, number, windows.unpark(ctx, number, ticket_id)), roles=DESK)


@router.post("/windows/{number}/identity-check", response_model=IdentityCheckOut)
def identity_check(number: WindowParam, body: IdentityIn, api: ApiDep) -> Response:
    """The visitor's ID card (in the body, never the URL) against the window's current ticket. A read:
    it changes nothing, so it takes no Idempotency-Key."""
    return api.answer(lambda ctx: windows.check_identity(ctx, number, body), roles=DESK)


@router.get("/staff/me/today", response_model=ClerkDayOut)
def my_day(api: ApiDep) -> Response:
    return api.answer_read(clerk_day.my_day, roles=STAFF)
