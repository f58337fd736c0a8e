"""Appointments (排队预约): slots with capacity, booking by identity, cancel, check-in, automatic no-show.

Check-in rule: from `appointment_early_minutes` before the slot starts until `appointment_late_minutes`
after it starts, the appointment becomes an APPOINTMENT-priority ticket placed at its slot time (an early
visitor is not served before visitors who came on time for earlier slots). Later than that it has expired.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select, update

from hall_server.appointments.models import Appointment, AppointmentSlot
from hall_server.catalogue.service import category_by_code, offered
from hall_server.contract import idnumbers as numbers
from hall_server.contract.appointments import (
    AppointmentOut,
    AppointmentStatus,
    BookRequest,
    CheckInRequest,
    SlotGenerateIn,
    SlotIn,
    SlotOut,
)
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.identity import IdentityIn
from hall_server.contract.privacy import mask_mobile
from hall_server.contract.queue import Channel, IssueTicketRequest, TicketDelivery
from hall_server.core.context import Ctx
from hall_server.core.db import upsert_statement
from hall_server.core.errors import Conflict, Invalid, NotFound
from hall_server.events.service import record
from hall_server.identity import service as identity
from hall_server.identity.crypto import encrypt
from hall_server.identity.models import Visitor
from hall_server.queueing.models import Ticket
from hall_server.queueing.tickets import issue_ticket

MOBILE_AAD = "appointment.mobile"
LIVE = (AppointmentStatus.BOOKED.value, AppointmentStatus.CHECKED_IN.value)


def create_slot(ctx: Ctx, slot_in: SlotIn) -> AppointmentSlot | None:
    """Create a slot; None if the category already has one starting then (slots are idempotent)."""
    _check_slot_days(ctx, ctx.clock.local(slot_in.start).date(), ctx.clock.local(slot_in.end).date())
    category = category_by_code(ctx, slot_in.category_code)
    statement = (
        upsert_statement(ctx.session, AppointmentSlot)
        .values(
            hall_id=ctx.hall_id,
            category_id=category.id,
            start=slot_in.start,
            end=slot_in.end,
            capacity=slot_in.capacity,
            booked=0,
        )
        .on_conflict_do_nothing(index_elements=["category_id", "start"])
        .returning(AppointmentSlot.id)
    )
    slot_id = ctx.session.execute(statement).scalar_one_or_none()
    if slot_id is None:
        return None
    slot = ctx.session.get_one(AppointmentSlot, slot_id)
    record(
        ctx,
        EventType.SLOT_CREATED,
        AggregateType.HALL,
        f"slot:{slot.id}",
        {
            "queue_code": category.code,
            "slot_start": slot_in.start.isoformat(),
            "slot_end": slot_in.end.isoformat(),
            "capacity": slot_in.capacity,
        },
    )
    return slot


def _check_slot_days(ctx: Ctx, first: date, last: date) -> None:
    """Slots are made from the hall's today up to `slot_days_ahead` days ahead: not for days gone by."""
    today = ctx.clock.today()
    latest = today + timedelta(days=ctx.settings.slot_days_ahead)
    if first < today:
        raise Invalid("SLOT_DAY_PAST", "不能为已过去的日期设置预约时段", {"today": today.isoformat()})
    if last > latest:
        raise Invalid(
            "SLOT_DAY_TOO_FAR",
            f"预约时段最多只能提前 {ctx.settings.slot_days_ahead} 天设置",
            {"latest": latest.isoformat()},
        )


def generate_slots(ctx: Ctx, request: SlotGenerateIn) -> list[AppointmentSlot]:
    _check_slot_days(ctx, request.date_from, request.date_to)
    created: list[AppointmentSlot] = []
    step = timedelta(minutes=request.slot_minutes)
    day = request.date_from
    while day <= request.date_to:
        if not (request.skip_weekends and day.weekday() >= 5):
            for start, end in _day_slots(ctx, day, request, step):
                slot = create_slot(
                    ctx,
                    SlotIn(
                        category_code=request.category_code, start=start, end=end, capacity=request.capacity
                    ),
                )
                if slot is not None:
                    created.append(slot)
        day += timedelta(days=1)
    return created


def _day_slots(
    ctx: Ctx, day: date, request: SlotGenerateIn, step: timedelta
) -> list[tuple[datetime, datetime]]:
    tz = ctx.settings.tz
    moment = datetime.combine(day, request.day_start, tz)
    end_of_day = datetime.combine(day, request.day_end, tz)
    lunch = request.lunch_break
    slots = []
    while moment + step <= end_of_day:
        slot_end = moment + step
        in_lunch = lunch is not None and moment.time() < lunch[1] and slot_end.time() > lunch[0]
        if not in_lunch:
            slots.append((moment, slot_end))
        moment = slot_end
    return slots


def list_slots(ctx: Ctx, category_code: str, on_date: date) -> list[AppointmentSlot]:
    category = category_by_code(ctx, category_code)
    start, end = ctx.clock.day_bounds(on_date)
    return list(
        ctx.session.scalars(
            select(AppointmentSlot)
            .where(
                AppointmentSlot.category_id == category.id,
                AppointmentSlot.start >= start,
                AppointmentSlot.start < end,
            )
            .order_by(AppointmentSlot.start)
        )
    )


def book(ctx: Ctx, request: BookRequest) -> Appointment:
    slot = ctx.session.get(AppointmentSlot, request.slot_id)
    if slot is None:
        raise NotFound("SLOT_NOT_FOUND", "没有找到该预约时段")
    if slot.start <= ctx.clock.now():
        raise Conflict("SLOT_PAST", "该时段已开始或已过去，请选择其他时段")
    offer = offered(ctx, request.matter_id) if request.matter_id is not None else None
    matter = offer.matter if offer is not None else None
    if offer is not None and (
        offer.category_id != slot.category_id or not offer.matter.appointment_available
    ):
        raise Invalid("MATTER_NOT_BOOKABLE", "该事项不能在此时段预约")
    visitor = identity.identify(ctx, identity.check(request.identity, ctx.clock.today()))
    _refuse_double_booking(ctx, visitor, slot)
    _take_place(ctx, slot)
    appointment = Appointment(
        code=_new_code(ctx),
        slot_id=slot.id,
        slot=slot,
        category_id=slot.category_id,
        category=slot.category,
        matter_id=matter.id if matter else None,
        matter=matter,
        visitor_id=visitor.id,
        status=AppointmentStatus.BOOKED.value,
        mobile_cipher=encrypt(ctx.keys, request.mobile, MOBILE_AAD) if request.mobile else None,
        mobile_masked=_mask_mobile(request.mobile),
        booked_at=ctx.clock.now(),
        cancel_reason="",
    )
    ctx.session.add(appointment)
    ctx.session.flush()
    _event(
        ctx,
        appointment,
        EventType.APPOINTMENT_BOOKED,
        {
            "channel": "KIOSK" if ctx.principal and ctx.principal.device_kind else "WINDOW",
            "slot_start": slot.start.isoformat(),
            "slot_end": slot.end.isoformat(),
            "task_code": matter.task_code if matter else None,
            "queue_code": slot.category.code,
            "applicant_ref": visitor.id_hash,
            "applicant_name_masked": visitor.name_masked,
            "mobile_masked": appointment.mobile_masked,
        },
    )
    return appointment


def _refuse_double_booking(ctx: Ctx, visitor: Visitor, slot: AppointmentSlot) -> None:
    day_start, day_end = ctx.clock.day_bounds(ctx.clock.local(slot.start).date())
    existing = ctx.session.scalars(
        select(Appointment)
        .join(AppointmentSlot)
        .where(
            Appointment.visitor_id == visitor.id,
            Appointment.category_id == slot.category_id,
            Appointment.status == AppointmentStatus.BOOKED.value,
            AppointmentSlot.start >= day_start,
            AppointmentSlot.start < day_end,
        )
    ).first()
    if existing is not None:
        local = ctx.clock.local(existing.slot.start)
        raise Conflict("ALREADY_BOOKED", f"您当天已预约该类业务（{local:%H:%M}），如需改约请先取消")


def _new_code(ctx: Ctx) -> str:
    while True:
        code = f"{secrets.randbelow(10**8):08d}"
        if ctx.session.scalar(select(Appointment.id).where(Appointment.code == code)) is None:
            return code


def _mask_mobile(mobile: str | None) -> str | None:
    return mask_mobile(mobile) if mobile else None


def get_appointment(ctx: Ctx, appointment_id: int) -> Appointment:
    appointment = ctx.session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("APPOINTMENT_NOT_FOUND", "没有找到该预约")
    return appointment


def search(ctx: Ctx, who: IdentityIn, on_date: date | None) -> list[Appointment]:
    visitor = identity.find(ctx, who)
    if visitor is None:
        return []
    query = select(Appointment).join(AppointmentSlot).where(Appointment.visitor_id == visitor.id)
    if on_date is not None:
        start, end = ctx.clock.day_bounds(on_date)
        query = query.where(AppointmentSlot.start >= start, AppointmentSlot.start < end)
    return list(ctx.session.scalars(query.order_by(AppointmentSlot.start)))


def cancel(ctx: Ctx, appointment: Appointment, reason: str) -> Appointment:
    if appointment.status != AppointmentStatus.BOOKED.value:
        raise Conflict("APPOINTMENT_NOT_BOOKED", "该预约已签到、已取消或已失约，不能取消")
    appointment.status = AppointmentStatus.CANCELLED.value
    appointment.cancelled_at = ctx.clock.now()
    appointment.cancel_reason = reason
    ctx.session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == appointment.slot_id)
        .values(booked=AppointmentSlot.booked - 1)
    )
    ctx.session.flush()
    _event(ctx, appointment, EventType.APPOINTMENT_CANCELLED, {"by": _by(ctx), "reason": reason})
    return appointment


def reschedule(ctx: Ctx, appointment: Appointment, slot_id: int) -> Appointment:
    """Move a booking to another slot of the same category, keeping its code."""
    if appointment.status != AppointmentStatus.BOOKED.value:
        raise Conflict("APPOINTMENT_NOT_BOOKED", "该预约已签到、已取消或已失约，不能改约")
    new_slot = ctx.session.get(AppointmentSlot, slot_id)
    if new_slot is None or new_slot.category_id != appointment.category_id:
        raise NotFound("SLOT_NOT_FOUND", "没有找到该类业务的这个预约时段")
    if new_slot.start <= ctx.clock.now():
        raise Conflict("SLOT_PAST", "该时段已开始或已过去，请选择其他时段")
    if new_slot.id == appointment.slot_id:
        return appointment
    _take_place(ctx, new_slot)
    old_slot = appointment.slot
    ctx.session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == old_slot.id)
        .values(booked=AppointmentSlot.booked - 1)
    )
    appointment.slot_id = new_slot.id
    appointment.slot = new_slot
    ctx.session.flush()
    _event(
        ctx,
        appointment,
        EventType.APPOINTMENT_RESCHEDULED,
        {"old_slot": old_slot.start.isoformat(), "new_slot": new_slot.start.isoformat()},
    )
    return appointment


def _take_place(ctx: Ctx, slot: AppointmentSlot) -> None:
    """Count one booking against the slot's capacity, atomically (two last-place bookings: one wins)."""
    taken = ctx.session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == slot.id, AppointmentSlot.booked < AppointmentSlot.capacity)
        .values(booked=AppointmentSlot.booked + 1)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("SLOT_FULL", "该时段已约满，请选择其他时段")
    ctx.session.refresh(slot)


def _by(ctx: Ctx) -> str:
    if ctx.principal is None:
        return "SYSTEM"
    return "STAFF" if ctx.principal.is_staff else "CITIZEN"


def check_in(ctx: Ctx, request: CheckInRequest) -> tuple[Appointment, Ticket, str]:
    appointment = _find_for_check_in(ctx, request)
    now = ctx.clock.now()
    slot = appointment.slot
    opens = slot.start - timedelta(minutes=ctx.settings.appointment_early_minutes)
    closes = slot.start + timedelta(minutes=ctx.settings.appointment_late_minutes)
    if ctx.clock.local(slot.start).date() != ctx.clock.today():
        raise Conflict(
            "CHECK_IN_WRONG_DAY",
            f"您预约的是 {ctx.clock.local(slot.start):%m月%d日 %H:%M}，不是今天，请在预约当天前来签到",
        )
    if now < opens:
        raise Conflict(
            "CHECK_IN_TOO_EARLY",
            f"您预约的是 {ctx.clock.local(slot.start):%H:%M}，请于 {ctx.clock.local(opens):%H:%M} 后签到",
        )
    if now > closes:
        raise Conflict(
            "APPOINTMENT_EXPIRED",
            f"您预约的 {ctx.clock.local(slot.start):%H:%M} 时段已超过签到时间，请取普通号排队",
        )
    ticket = issue_ticket(
        ctx,
        IssueTicketRequest(matter_id=appointment.matter_id, delivery=request.delivery)
        if appointment.matter_id
        else IssueTicketRequest(category_code=appointment.category.code, delivery=request.delivery),
        Channel.APPOINTMENT_CHECKIN,
        appointment_id=appointment.id,
        arrived_at=max(now, slot.start),
        known_visitor=ctx.session.get_one(Visitor, appointment.visitor_id),
    )
    appointment.status = AppointmentStatus.CHECKED_IN.value
    appointment.checked_in_at = now
    appointment.ticket_id = ticket.id
    ctx.session.flush()
    _event(
        ctx,
        appointment,
        EventType.APPOINTMENT_CHECKED_IN,
        {
            "ticket_id": ticket.id,
            "ticket_no": ticket.number,
            "late_s": max(0, round((now - slot.start).total_seconds())),
        },
    )
    message = f"签到成功，您的号码是 {ticket.number}（预约优先）"
    return appointment, ticket, message


def undo_untaken_check_in(ctx: Ctx, ticket: Ticket) -> None:
    """A check-in ticket cancelled as not taken (the kiosk's NOT_TAKEN report, or the sweep of unconfirmed
    tickets): the visitor never got a number, so the appointment is BOOKED again and can be checked in
    once more, while its slot lasts."""
    if ticket.appointment_id is None or ticket.delivery != TicketDelivery.NOT_TAKEN.value:
        return
    appointment = ctx.session.get(Appointment, ticket.appointment_id)
    if appointment is None or appointment.status != AppointmentStatus.CHECKED_IN.value:
        return
    if appointment.ticket_id != ticket.id or appointment.slot.end <= ctx.clock.now():
        return
    _event(ctx, appointment, EventType.APPOINTMENT_CHECK_IN_UNDONE, {"ticket_no": ticket.number})
    appointment.status = AppointmentStatus.BOOKED.value
    appointment.checked_in_at = None
    appointment.ticket_id = None
    ctx.session.flush()


def _find_for_check_in(ctx: Ctx, request: CheckInRequest) -> Appointment:
    if request.code is not None:
        appointment = ctx.session.scalars(select(Appointment).where(Appointment.code == request.code)).first()
        if appointment is None:
            raise NotFound("APPOINTMENT_NOT_FOUND", "预约码无效，请核对后重试")
        if appointment.status != AppointmentStatus.BOOKED.value:
            raise Conflict("APPOINTMENT_NOT_BOOKED", _status_message(appointment))
        return appointment
    assert request.identity is not None
    today = [a for a in search(ctx, request.identity, ctx.clock.today())]
    booked = [a for a in today if a.status == AppointmentStatus.BOOKED.value]
    if not booked:
        if today:
            raise Conflict("APPOINTMENT_NOT_BOOKED", _status_message(today[-1]))
        raise NotFound("NO_APPOINTMENT_TODAY", "没有查到您今天的预约，请取普通号排队")
    now = ctx.clock.now()
    return min(booked, key=lambda a: abs((a.slot.start - now).total_seconds()))


def _status_message(appointment: Appointment) -> str:
    return {
        AppointmentStatus.CHECKED_IN.value: "该预约已签到，请留意叫号",
        AppointmentStatus.CANCELLED.value: "该预约已取消",
        AppointmentStatus.NO_SHOW.value: "该预约已过期（未按时签到），请取普通号排队",
    }.get(appointment.status, "该预约当前不能签到")


def expire_overdue(ctx: Ctx) -> int:
    """Mark appointments NO_SHOW once their check-in window has closed."""
    return expire_before(ctx, _late_cutoff(ctx))


def overdue_exist(ctx: Ctx) -> bool:
    """Whether expire_overdue has anything to do (a read through the index of booked appointments)."""
    return bool(ctx.session.scalar(select(_overdue(_late_cutoff(ctx)).exists())))


def _late_cutoff(ctx: Ctx) -> datetime:
    return ctx.clock.now() - timedelta(minutes=ctx.settings.appointment_late_minutes)


def _overdue(cutoff: datetime) -> Select[Appointment]:
    return (
        select(Appointment)
        .join(AppointmentSlot)
        .where(Appointment.status == AppointmentStatus.BOOKED.value, AppointmentSlot.start < cutoff)
    )


def expire_before(ctx: Ctx, cutoff: datetime) -> int:
    """Mark NO_SHOW every booked appointment whose slot started before `cutoff`."""
    overdue = ctx.session.scalars(_overdue(cutoff)).all()
    for appointment in overdue:
        mark_no_show(ctx, appointment)
    return len(overdue)


def mark_no_show(ctx: Ctx, appointment: Appointment) -> None:
    appointment.status = AppointmentStatus.NO_SHOW.value
    appointment.no_show_at = ctx.clock.now()
    ctx.session.flush()
    _event(
        ctx,
        appointment,
        EventType.APPOINTMENT_NO_SHOW,
        {"grace_period_s": ctx.settings.appointment_late_minutes * 60},
    )


def _event(ctx: Ctx, appointment: Appointment, event_type: EventType, data: dict[str, object]) -> None:
    refs: dict[str, object] = {"appointment_id": str(appointment.id)}
    if appointment.ticket_id is not None:
        refs["ticket_id"] = str(appointment.ticket_id)
    record(
        ctx,
        event_type,
        AggregateType.APPOINTMENT,
        appointment.id,
        {"code_masked": numbers.mask_number(appointment.code), **data},
        refs=refs,
    )


def slot_out(slot: AppointmentSlot) -> SlotOut:
    return SlotOut(
        id=slot.id,
        category_code=slot.category.code,
        start=slot.start,
        end=slot.end,
        capacity=slot.capacity,
        booked=slot.booked,
        available=max(0, slot.capacity - slot.booked),
    )


def appointment_out(ctx: Ctx, appointment: Appointment) -> AppointmentOut:
    visitor = ctx.session.get_one(Visitor, appointment.visitor_id)
    masked = identity.masked(visitor)
    assert masked is not None
    return AppointmentOut(
        id=appointment.id,
        code=appointment.code,
        status=AppointmentStatus(appointment.status),
        category_code=appointment.category.code,
        category_name=appointment.category.name,
        matter_id=appointment.matter_id,
        matter_name=appointment.matter.name if appointment.matter else None,
        slot_id=appointment.slot_id,
        slot_start=appointment.slot.start,
        slot_end=appointment.slot.end,
        visitor=masked,
        mobile_masked=appointment.mobile_masked,
        booked_at=appointment.booked_at,
        checked_in_at=appointment.checked_in_at,
        ticket_id=appointment.ticket_id,
    )
