"""投诉 rules: record from a channel, route → answer → close (reopen), a deadline in working days."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError

from hall_server.auth.models import Staff
from hall_server.catalogue.models import Matter
from hall_server.complaints.models import Complaint, ComplaintSettings
from hall_server.contract.auth import DeviceKind
from hall_server.contract.complaints import (
    STATUS_NAMES,
    SUBJECT_NAMES,
    AnswerIn,
    ComplaintChannel,
    ComplaintCloseIn,
    ComplaintIn,
    ComplaintOut,
    ComplaintQuery,
    ComplaintSettingsIn,
    ComplaintSettingsOut,
    ComplaintStatus,
    ComplaintStep,
    ComplaintSubject,
    DeadlineWarning,
    FollowComplaintIn,
    HotlineComplaintIn,
    HotlineImportOut,
    ImportOutcome,
    ImportResultOut,
    ReopenIn,
    RouteIn,
)
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.privacy import mask_contact
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from hall_server.departments import service as departments
from hall_server.events.service import record
from hall_server.follow.service import recent_ticket
from hall_server.queueing.models import Ticket, Window
from hall_server.queueing.tickets import ticket_refs
from hall_server.workdays import service as workdays
from hall_server.workdays.calendar import add_working_days
from hall_server.workdays.deadline import warning

DEFAULT_ANSWER_DAYS = 5  # working days from recording to the answer, unless the hall set its own
FOLLOW_PAGE_DAYS = 15  # a ticket's follow code takes complaints this many days after its service day
FOLLOW_PAGE_LIMIT = 3  # complaints per ticket through its follow page
LIST_LIMIT = 1000
OPEN = (ComplaintStatus.RECORDED.value, ComplaintStatus.ROUTED.value)


# --- settings ---------------------------------------------------------------------------------------------


def answer_days(ctx: Ctx) -> int:
    row = ctx.session.scalars(select(ComplaintSettings)).first()
    return row.answer_working_days if row is not None else DEFAULT_ANSWER_DAYS


def settings_out(ctx: Ctx) -> ComplaintSettingsOut:
    row = ctx.session.scalars(select(ComplaintSettings)).first()
    return ComplaintSettingsOut(
        answer_working_days=answer_days(ctx), updated_at=row.updated_at if row is not None else None
    )


def save_settings(ctx: Ctx, body: ComplaintSettingsIn) -> ComplaintSettingsOut:
    """Applies to complaints recorded (or reopened) from now on; earlier deadlines stay as promised."""
    row = ctx.session.scalars(select(ComplaintSettings)).first()
    if row is None:
        row = ComplaintSettings(
            id=ctx.hall_id, answer_working_days=body.answer_working_days, updated_at=ctx.clock.now()
        )
        ctx.session.add(row)
    row.answer_working_days = body.answer_working_days
    row.updated_at = ctx.clock.now()
    ctx.session.flush()
    record(
        ctx,
        EventType.COMPLAINT_SETTINGS_SAVED,
        AggregateType.HALL,
        "complaint_settings",
        {"answer_working_days": body.answer_working_days},
    )
    return settings_out(ctx)


# --- recording --------------------------------------------------------------------------------------------


def record_at_desk(ctx: Ctx, body: ComplaintIn) -> Complaint:
    """A clerk or manager records it (WINDOW), or a kiosk (KIOSK): the caller decides the channel."""
    principal = ctx.principal
    assert principal is not None
    if principal.is_staff:
        channel = ComplaintChannel.WINDOW
    elif principal.device_kind is DeviceKind.KIOSK:
        channel = ComplaintChannel.KIOSK
    else:
        raise Forbidden("COMPLAINT_CHANNEL_REFUSED", "当前设备不能登记投诉")
    ticket = _ticket(ctx, body.ticket_id) if body.ticket_id is not None else None
    # The kiosk offers only the card's tickets of today; a clerk may record one of an earlier day.
    if ticket is not None and channel is ComplaintChannel.KIOSK and ticket.service_date != ctx.clock.today():
        raise Conflict("TICKET_NOT_TODAY", f"{ticket.number} 号不是今天的号票，请到窗口登记投诉")
    if ticket is None and body.window_no is not None:
        _check_window(ctx, body.window_no)
    return _create(
        ctx, channel, body.subject, body.text, body.contact, ticket=ticket, window_no=body.window_no
    )


def record_from_follow_page(ctx: Ctx, code: str, body: FollowComplaintIn) -> Complaint:
    """From the ticket's follow page: bound to the ticket; at most FOLLOW_PAGE_LIMIT per ticket."""
    ticket = ticket_for_complaint(ctx, code)
    made = ctx.session.scalar(
        select(func.count(Complaint.id)).where(
            Complaint.ticket_id == ticket.id, Complaint.channel == ComplaintChannel.FOLLOW_PAGE.value
        )
    )
    if (made or 0) >= FOLLOW_PAGE_LIMIT:
        raise TooMany(
            "COMPLAINT_LIMIT", f"每张号票最多通过跟踪页提交 {FOLLOW_PAGE_LIMIT} 次投诉，如需补充请拨打 12345"
        )
    return _create(ctx, ComplaintChannel.FOLLOW_PAGE, body.subject, body.text, body.contact, ticket=ticket)


def ticket_for_complaint(ctx: Ctx, code: str) -> Ticket:
    """The ticket of a follow code, for FOLLOW_PAGE_DAYS after its service day (the page itself only that
    day): a visitor may complain after going home."""
    missing = NotFound("TICKET_NOT_FOUND", "没有找到该号票，或号票已超过投诉期限")
    return recent_ticket(ctx, code, FOLLOW_PAGE_DAYS, missing)


def import_hotline(ctx: Ctx, items: list[HotlineComplaintIn]) -> HotlineImportOut:
    """12345 工单 (file or HTTP batch): one complaint per 工单号, a repeat reported as ALREADY_THERE."""
    results = [_import_one(ctx, item) for item in items]
    created = sum(r.outcome is ImportOutcome.CREATED for r in results)
    return HotlineImportOut(created=created, already_there=len(results) - created, results=results)


def _import_one(ctx: Ctx, item: HotlineComplaintIn) -> ImportResultOut:
    def result(complaint: Complaint, outcome: ImportOutcome) -> ImportResultOut:
        return ImportResultOut(external_ref=item.external_ref, complaint_id=complaint.id, outcome=outcome)

    existing = _by_external_ref(ctx, item.external_ref)
    if existing is not None:
        return result(existing, ImportOutcome.ALREADY_THERE)
    if item.window_no is not None:
        _check_window(ctx, item.window_no)
    try:
        with ctx.session.begin_nested():
            complaint = _create(
                ctx,
                ComplaintChannel.HOTLINE_12345,
                item.subject,
                item.text,
                item.contact,
                window_no=item.window_no,
                external_ref=item.external_ref,
            )
    except IntegrityError:  # imported concurrently by another request
        existing = _by_external_ref(ctx, item.external_ref)
        if existing is None:
            raise
        return result(existing, ImportOutcome.ALREADY_THERE)
    return result(complaint, ImportOutcome.CREATED)


def _by_external_ref(ctx: Ctx, ref: str) -> Complaint | None:
    return ctx.session.scalars(select(Complaint).where(Complaint.external_ref == ref)).first()


def _ticket(ctx: Ctx, ticket_id: int) -> Ticket:
    ticket = ctx.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("TICKET_NOT_FOUND", "没有找到该号票")
    return ticket


def _check_window(ctx: Ctx, number: int) -> None:
    if ctx.session.scalars(select(Window.id).where(Window.number == number)).first() is None:
        raise Invalid("WINDOW_NOT_FOUND", f"没有 {number} 号窗口")


def _create(
    ctx: Ctx,
    channel: ComplaintChannel,
    subject: ComplaintSubject,
    text: str,
    contact: str | None,
    *,
    ticket: Ticket | None = None,
    window_no: int | None = None,
    external_ref: str | None = None,
) -> Complaint:
    today = ctx.clock.today()
    principal = ctx.principal
    complaint = Complaint(
        channel=channel.value,
        subject=subject.value,
        text=text,
        status=ComplaintStatus.RECORDED.value,
        contact=contact,
        external_ref=external_ref,
        ticket_id=ticket.id if ticket else None,
        matter_id=ticket.matter_id if ticket else None,
        window_no=ticket.window.number if ticket and ticket.window else window_no,
        staff_id=ticket.staff_id if ticket else None,
        device_id=principal.device_id if principal else None,
        recorded_at=ctx.clock.now(),
        recorded_on=today,
        period_start=today,
        due_date=add_working_days(workdays.calendar(ctx), today, answer_days(ctx)),
        reopen_count=0,
    )
    ctx.session.add(complaint)
    ctx.session.flush()
    data: dict[str, object] = {
        "channel": channel.value,
        "subject": subject.value,
        "subject_name": SUBJECT_NAMES[subject],
        "text": text,
        "external_ref": external_ref,
        "window_no": complaint.window_no,
        "staff_id": complaint.staff_id,
        "contact_masked": _masked(contact),
        "due_date": complaint.due_date.isoformat(),
    }
    _event(ctx, EventType.COMPLAINT_RECORDED, complaint, data)
    return complaint


def _masked(contact: str | None) -> str | None:
    return mask_contact(contact) if contact is not None else None


def _event(ctx: Ctx, event_type: EventType, complaint: Complaint, data: Mapping[str, object]) -> None:
    refs: dict[str, object] = {}
    ticket = ctx.session.get(Ticket, complaint.ticket_id) if complaint.ticket_id else None
    if ticket is not None:
        refs.update(ticket_refs(ticket))
    if complaint.external_ref:
        refs["external_ref"] = complaint.external_ref
    record(
        ctx,
        event_type,
        AggregateType.COMPLAINT,
        complaint.id,
        {"status": complaint.status, **data},
        refs=refs,
        window_no=complaint.window_no,
    )


# --- lifecycle --------------------------------------------------------------------------------------------


def get(ctx: Ctx, complaint_id: int) -> Complaint:
    complaint = ctx.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound("COMPLAINT_NOT_FOUND", "没有该投诉")
    return complaint


def _mine(ctx: Ctx) -> ColumnElement[bool] | None:
    """Staff who are not managers see the complaints routed to their department or to them."""
    return departments.visible_to_staff(ctx, Complaint.department_id, Complaint.assignee_id)


def readable(ctx: Ctx, complaint_id: int) -> Complaint:
    """Managers see every complaint; other staff those of their department or routed to them."""
    complaint = get(ctx, complaint_id)
    if not departments.may_see(ctx, complaint.department_id, complaint.assignee_id):
        raise Forbidden("COMPLAINT_NOT_YOURS", "只有管理人员、承办部门或承办人可以查看该投诉")
    return complaint


# The statuses each step may be taken from, and the refusal otherwise (409, naming the current state).
STEP_RULES: dict[ComplaintStep, tuple[tuple[ComplaintStatus, ...], str, str]] = {
    "route": (
        (ComplaintStatus.RECORDED, ComplaintStatus.ROUTED),
        "COMPLAINT_NOT_ROUTABLE",
        "已答复或已办结的投诉不能再转办，请先重新打开",
    ),
    "answer": ((ComplaintStatus.ROUTED,), "COMPLAINT_NOT_ROUTED", "投诉须先转办承办部门才能答复"),
    "close": ((ComplaintStatus.ANSWERED,), "COMPLAINT_NOT_ANSWERED", "投诉须先答复才能办结"),
    "reopen": (
        (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED),
        "COMPLAINT_NOT_REOPENABLE",
        "只有已答复或已办结的投诉可以重新打开",
    ),
}


def _expect(complaint: Complaint, step: ComplaintStep) -> None:
    allowed, code, message = STEP_RULES[step]
    if ComplaintStatus(complaint.status) not in allowed:
        current = STATUS_NAMES[ComplaintStatus(complaint.status)]
        raise Conflict(code, f"{message}（当前状态：{current}）", {"status": complaint.status})


def steps(complaint: Complaint) -> list[ComplaintStep]:
    """The steps the complaint's state allows now, in the order they are taken."""
    status = ComplaintStatus(complaint.status)
    return [step for step, (allowed, _, _) in STEP_RULES.items() if status in allowed]


def route(ctx: Ctx, complaint_id: int, body: RouteIn) -> Complaint:
    """转办 to a department (and optionally a staff member); routing again moves it elsewhere."""
    complaint = get(ctx, complaint_id)
    _expect(complaint, "route")
    assignee = _staff(ctx, body.staff_id) if body.staff_id is not None else None
    department = departments.active_by_code(ctx, body.department_code)
    complaint.department_id = department.id
    complaint.assignee_id = assignee.id if assignee else None
    complaint.status = ComplaintStatus.ROUTED.value
    complaint.routed_at = ctx.clock.now()
    data = {
        "department_code": department.code,
        "department": department.name,
        "assignee_id": complaint.assignee_id,
    }
    _event(ctx, EventType.COMPLAINT_ROUTED, complaint, data)
    return complaint


def _staff(ctx: Ctx, staff_id: int) -> Staff:
    staff = departments.hall_staff(ctx, staff_id)
    if staff is None:
        raise Invalid("STAFF_NOT_FOUND", "没有该工作人员")
    return staff


def answer(ctx: Ctx, complaint_id: int, body: AnswerIn) -> Complaint:
    """The reply (答复), by a manager or the assignee; on time if on or before the due day."""
    complaint = readable(ctx, complaint_id)
    _expect(complaint, "answer")
    complaint.reply = body.reply
    complaint.status = ComplaintStatus.ANSWERED.value
    complaint.answered_at = ctx.clock.now()
    complaint.answered_on = ctx.clock.today()
    data = {
        "reply": body.reply,
        "due_date": complaint.due_date.isoformat(),
        "late": complaint.answered_on > complaint.due_date,
    }
    _event(ctx, EventType.COMPLAINT_ANSWERED, complaint, data)
    return complaint


def close(ctx: Ctx, complaint_id: int, body: ComplaintCloseIn) -> Complaint:
    complaint = get(ctx, complaint_id)
    _expect(complaint, "close")
    complaint.status = ComplaintStatus.CLOSED.value
    complaint.closed_at = ctx.clock.now()
    _event(ctx, EventType.COMPLAINT_CLOSED, complaint, {"note": body.note})
    return complaint


def reopen(ctx: Ctx, complaint_id: int, body: ReopenIn) -> Complaint:
    """Back to its department (ROUTED) with a new answer period counted from today."""
    complaint = get(ctx, complaint_id)
    _expect(complaint, "reopen")
    today = ctx.clock.today()
    complaint.status = ComplaintStatus.ROUTED.value
    complaint.reopen_count += 1
    complaint.period_start = today
    complaint.due_date = add_working_days(workdays.calendar(ctx), today, answer_days(ctx))
    complaint.answered_at = complaint.answered_on = complaint.closed_at = None
    data = {"reason": body.reason, "due_date": complaint.due_date.isoformat()}
    _event(ctx, EventType.COMPLAINT_REOPENED, complaint, data)
    return complaint


# --- reading ----------------------------------------------------------------------------------------------


def warning_of(ctx: Ctx, complaint: Complaint) -> DeadlineWarning:
    if complaint.status not in OPEN:
        return DeadlineWarning.NONE
    level = warning(workdays.calendar(ctx), complaint.period_start, complaint.due_date, ctx.clock.today())
    return DeadlineWarning(level)


def search(ctx: Ctx, query: ComplaintQuery) -> list[Complaint]:
    statement = _filtered(query)
    if query.department_code is not None:
        statement = statement.where(
            Complaint.department_id == departments.by_code(ctx, query.department_code).id
        )
    mine = _mine(ctx)
    if mine is not None:
        statement = statement.where(mine)
    found = list(ctx.session.scalars(statement.order_by(Complaint.id.desc()).limit(LIST_LIMIT)))
    wanted = DeadlineWarning.RED if query.overdue else query.warning
    if wanted is not None:
        found = [c for c in found if warning_of(ctx, c) is wanted]
    elif query.overdue is False:
        found = [c for c in found if warning_of(ctx, c) is not DeadlineWarning.RED]
    return found


def _filtered(query: ComplaintQuery) -> Select[Complaint]:
    statement = select(Complaint)
    if query.status is not None:
        statement = statement.where(Complaint.status == query.status.value)
    if query.channel is not None:
        statement = statement.where(Complaint.channel == query.channel.value)
    if query.window_no is not None:
        statement = statement.where(Complaint.window_no == query.window_no)
    if query.date_from is not None:
        statement = statement.where(Complaint.recorded_on >= query.date_from)
    if query.date_to is not None:
        statement = statement.where(Complaint.recorded_on <= query.date_to)
    if query.warning not in (None, DeadlineWarning.NONE) or query.overdue:
        statement = statement.where(Complaint.status.in_(OPEN))
    return statement


def complaint_out(ctx: Ctx, complaint: Complaint) -> ComplaintOut:
    ticket = ctx.session.get(Ticket, complaint.ticket_id) if complaint.ticket_id else None
    matter = ctx.session.get(Matter, complaint.matter_id) if complaint.matter_id else None
    staff = ctx.session.get(Staff, complaint.staff_id) if complaint.staff_id else None
    assignee = ctx.session.get(Staff, complaint.assignee_id) if complaint.assignee_id else None
    subject, status = ComplaintSubject(complaint.subject), ComplaintStatus(complaint.status)
    return ComplaintOut(
        id=complaint.id,
        channel=ComplaintChannel(complaint.channel),
        subject=subject,
        subject_name=SUBJECT_NAMES[subject],
        text=complaint.text,
        status=status,
        status_name=STATUS_NAMES[status],
        contact=_masked(complaint.contact),
        external_ref=complaint.external_ref,
        ticket_id=complaint.ticket_id,
        ticket_number=ticket.number if ticket else None,
        matter_id=complaint.matter_id,
        matter_name=matter.name if matter else None,
        window_no=complaint.window_no,
        staff_id=complaint.staff_id,
        staff_name=staff.name if staff else None,
        department_code=departments.code_of(ctx, complaint.department_id),
        department=departments.name_of(ctx, complaint.department_id),
        assignee_id=complaint.assignee_id,
        assignee_name=assignee.name if assignee else None,
        reply=complaint.reply,
        recorded_at=complaint.recorded_at,
        recorded_on=complaint.recorded_on,
        routed_at=complaint.routed_at,
        answered_at=complaint.answered_at,
        closed_at=complaint.closed_at,
        due_date=complaint.due_date,
        warning=warning_of(ctx, complaint),
        answered_late=_late(complaint.answered_on, complaint.due_date),
        reopen_count=complaint.reopen_count,
        steps=steps(complaint),
    )


def _late(answered_on: date | None, due: date) -> bool:
    return answered_on is not None and answered_on > due
