"""Appointments (排队预约) through the real server: slots, booking, cancel, check-in, automatic no-show."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest

from hall_server.client import ApiError, HallClient
from hall_server.contract.appointments import BookRequest, CheckInRequest, SlotGenerateIn, SlotIn
from hall_server.contract.queue import DeliveryMethod, IssueTicketRequest, Priority, TicketDelivery
from hall_server.queueing import day
from tests.conftest import SHANGHAI
from tests.factories import ELDERLY_ID, OTHER_ID, YOUNG_ID, RawBody, citizen_id, person

TEN = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


def make_slot(manager, start=TEN, capacity=2, category="SOCIAL"):
    return manager.create_slot(
        SlotIn(category_code=category, start=start, end=start + timedelta(minutes=30), capacity=capacity)
    )


def test_generate_slots_skips_weekends_and_lunch_and_is_idempotent(client_for):
    manager = client_for("manager")
    request = SlotGenerateIn(category_code="SOCIAL", date_from=date(2026, 11, 27), date_to=date(2026, 11, 30))
    created = manager.generate_slots(request)
    days = {s.start.astimezone(SHANGHAI).date() for s in created}
    assert days == {date(2026, 11, 27), date(2026, 11, 30)}  # Friday and Monday; the weekend is skipped
    friday = manager.slots("SOCIAL", date(2026, 11, 27))
    starts = [s.start.astimezone(SHANGHAI).strftime("%H:%M") for s in friday]
    assert starts[0] == "09:00" and starts[-1] == "16:30"
    assert "12:00" not in starts and "13:00" not in starts and "13:30" in starts
    assert manager.generate_slots(request) == []
    with pytest.raises(ApiError) as caught:
        make_slot(manager, start=friday[0].start)
    assert caught.value.code == "SLOT_EXISTS"


def test_book_by_identity_capacity_and_double_booking(client_for):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    slot = make_slot(manager, capacity=2)
    booked = kiosk.book(BookRequest(slot_id=slot.id, identity=person(), mobile="13812341234"))
    assert booked.status == "BOOKED" and len(booked.code) == 8
    assert booked.visitor.number_masked == "3401**********1234"[:4] + "*" * 10 + YOUNG_ID[-4:]
    assert booked.mobile_masked == "138****1234"
    with pytest.raises(ApiError) as caught:
        kiosk.book(BookRequest(slot_id=slot.id, identity=person()))
    assert caught.value.code == "ALREADY_BOOKED"
    kiosk.book(BookRequest(slot_id=slot.id, identity=person(OTHER_ID)))
    with pytest.raises(ApiError) as caught:
        kiosk.book(BookRequest(slot_id=slot.id, identity=person(ELDERLY_ID)))
    assert (caught.value.status, caught.value.code) == (409, "SLOT_FULL")
    kiosk.cancel_appointment(booked.id)
    assert manager.slots("SOCIAL", date(2026, 11, 25))[0].available == 1
    kiosk.book(BookRequest(slot_id=slot.id, identity=person(ELDERLY_ID)))


def test_concurrent_bookings_never_exceed_capacity(client_for, server, hall):
    manager = client_for("manager")
    slot = make_slot(manager, capacity=3)
    people = [citizen_id(f"340102199001{n:02d}123") for n in range(1, 11)]

    def book(number: str) -> str:
        with HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk:
            try:
                kiosk.book(BookRequest(slot_id=slot.id, identity=person(number)))
            except ApiError as exc:
                return exc.code
            return "OK"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(book, people))
    assert outcomes.count("OK") == 3 and outcomes.count("SLOT_FULL") == 7
    assert manager.slots("SOCIAL", date(2026, 11, 25))[0].booked == 3


def test_check_in_by_code_gives_a_priority_ticket_at_the_slot_time(client_for, clock):
    manager, kiosk, clerk = client_for("manager"), client_for("kiosk"), client_for("clerk1")
    slot = make_slot(manager)
    appointment = kiosk.book(BookRequest(slot_id=slot.id, identity=person(), matter_id=None))
    walk_in = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clock.set(TEN - timedelta(minutes=5))
    result = kiosk.check_in(CheckInRequest(code=appointment.code))
    assert result.ticket.priority is Priority.APPOINTMENT and result.ticket.appointment_id == appointment.id
    assert result.appointment.status == "CHECKED_IN" and "签到成功" in result.message
    assert result.ticket.visitor.number_masked.endswith(YOUNG_ID[-4:])
    clerk.window_op(1, "open")
    # Walk-in came at 09:00; the appointment is placed at 10:00 minus a 20-minute head start.
    assert clerk.call_next(1).ticket.number == walk_in.number
    clerk.window_op(1, "complete")
    assert clerk.call_next(1).ticket.number == result.ticket.number
    with pytest.raises(ApiError) as caught:
        kiosk.check_in(CheckInRequest(code=appointment.code))
    assert caught.value.code == "APPOINTMENT_NOT_BOOKED" and "已签到" in caught.value.message


def test_check_in_by_identity_and_the_early_late_and_none_cases(client_for, clock):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    slot = make_slot(manager)
    kiosk.book(BookRequest(slot_id=slot.id, identity=person()))
    clock.set(TEN - timedelta(minutes=31))
    with pytest.raises(ApiError) as caught:
        kiosk.check_in(CheckInRequest(identity=person()))
    assert caught.value.code == "CHECK_IN_TOO_EARLY" and "09:30" in caught.value.message
    with pytest.raises(ApiError) as caught:
        kiosk.check_in(CheckInRequest(identity=person(OTHER_ID)))
    assert (caught.value.status, caught.value.code) == (404, "NO_APPOINTMENT_TODAY")
    clock.set(TEN + timedelta(minutes=16))
    with pytest.raises(ApiError) as caught:
        kiosk.check_in(CheckInRequest(identity=person()))
    assert caught.value.code == "APPOINTMENT_EXPIRED" and "普通号" in caught.value.message
    clock.set(TEN + timedelta(minutes=14))
    assert kiosk.check_in(CheckInRequest(identity=person())).ticket.priority is Priority.APPOINTMENT


def test_unattended_appointments_become_no_shows_after_the_slot(client_for, clock, server):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    slot = make_slot(manager)
    appointment = kiosk.book(BookRequest(slot_id=slot.id, identity=person()))
    clock.set(TEN + timedelta(minutes=10))
    assert server.state.uow.run(day.sweep)["appointments_no_show"] == 0
    clock.set(TEN + timedelta(minutes=16))
    assert server.state.uow.run(day.sweep)["appointments_no_show"] == 1
    assert kiosk.appointment(appointment.id).status == "NO_SHOW"
    with pytest.raises(ApiError) as caught:
        kiosk.check_in(CheckInRequest(code=appointment.code))
    assert "过期" in caught.value.message
    trace = manager.trace("appointment", appointment.id)
    assert [e.event_type for e in trace.events] == ["appointment.booked", "appointment.no_show"]


def test_reschedule_moves_the_booking_and_its_capacity(client_for):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    first, second = (
        make_slot(manager, capacity=1),
        make_slot(manager, start=TEN + timedelta(hours=1), capacity=1),
    )
    appointment = kiosk.book(BookRequest(slot_id=first.id, identity=person()))
    moved = kiosk.reschedule(appointment.id, second.id)
    assert moved.slot_id == second.id and moved.code == appointment.code
    slots = {s.id: s for s in manager.slots("SOCIAL", date(2026, 11, 25))}
    assert (slots[first.id].booked, slots[second.id].booked) == (0, 1)
    with pytest.raises(ApiError) as caught:
        kiosk.reschedule(kiosk.book(BookRequest(slot_id=first.id, identity=person(OTHER_ID))).id, second.id)
    assert caught.value.code == "SLOT_FULL"


def test_past_slots_and_search(client_for, clock):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    slot = make_slot(manager)
    kiosk.book(BookRequest(slot_id=slot.id, identity=person()))
    assert [a.slot_id for a in kiosk.search_appointments(person(), date(2026, 11, 25))] == [slot.id]
    assert kiosk.search_appointments(person(OTHER_ID)) == []
    clock.set(TEN + timedelta(minutes=1))
    with pytest.raises(ApiError) as caught:
        kiosk.book(BookRequest(slot_id=slot.id, identity=person(OTHER_ID)))
    assert caught.value.code == "SLOT_PAST"


def test_slot_times_need_an_offset(client_for):
    manager = client_for("manager")
    with pytest.raises(ApiError) as caught:
        manager._call(
            "POST",
            "/appointments/slots",
            dict,
            RawBody(
                {
                    "category_code": "SOCIAL",
                    "start": "2026-11-25T10:00:00",
                    "end": "2026-11-25T10:30:00",
                    "capacity": 2,
                }
            ),
        )
    assert caught.value.status == 422 and caught.value.code == "VALIDATION_ERROR"


def test_check_in_on_another_day_says_which_day(client_for, clock):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    tomorrow = make_slot(manager, start=TEN + timedelta(days=1))
    appointment = kiosk.book(BookRequest(slot_id=tomorrow.id, identity=person()))
    with pytest.raises(ApiError) as caught:
        kiosk.check_in(CheckInRequest(code=appointment.code))
    assert caught.value.code == "CHECK_IN_WRONG_DAY" and "11月26日 10:00" in caught.value.message
    clock.set(TEN + timedelta(days=1, minutes=-10))
    assert kiosk.check_in(CheckInRequest(code=appointment.code)).ticket.priority is Priority.APPOINTMENT


def test_a_kiosk_check_in_can_wait_for_its_print_like_a_ticket(client_for, clock):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    appointment = kiosk.book(BookRequest(slot_id=make_slot(manager).id, identity=person()))
    clock.set(TEN - timedelta(minutes=5))
    request = CheckInRequest(code=appointment.code, delivery=TicketDelivery.PENDING)
    with pytest.raises(ApiError) as caught:
        manager.check_in(request)
    assert caught.value.code == "DELIVERY_PENDING_KIOSK_ONLY"
    ticket = kiosk.check_in(request).ticket
    assert ticket.delivery is TicketDelivery.PENDING and ticket.priority is Priority.APPOINTMENT
    assert kiosk.confirm_delivery(ticket.id, DeliveryMethod.PRINTED).delivery is TicketDelivery.PRINTED


def test_a_check_in_ticket_reported_not_taken_lets_the_visitor_check_in_again(client_for, clock):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    appointment = kiosk.book(BookRequest(slot_id=make_slot(manager).id, identity=person()))
    clock.set(TEN - timedelta(minutes=5))
    first = kiosk.check_in(CheckInRequest(code=appointment.code, delivery=TicketDelivery.PENDING))
    assert first.appointment.status == "CHECKED_IN"
    kiosk.confirm_delivery(first.ticket.id, DeliveryMethod.NOT_TAKEN, "PRINTER_PAPER_OUT")
    again = kiosk.appointment(appointment.id)
    assert (again.status, again.checked_in_at, again.ticket_id) == ("BOOKED", None, None)
    second = kiosk.check_in(CheckInRequest(code=appointment.code, delivery=TicketDelivery.PENDING))
    assert second.appointment.status == "CHECKED_IN" and second.ticket.id != first.ticket.id
    trace = manager.trace("appointment", appointment.id).events
    events = [e.event_type for e in trace if e.event_type.startswith("appointment.")]
    assert events == [
        "appointment.booked",
        "appointment.checked_in",
        "appointment.check_in_undone",
        "appointment.checked_in",
    ]


def test_the_sweep_of_unconfirmed_check_in_tickets_rebooks_only_while_the_slot_lasts(
    client_for, clock, server
):
    manager, kiosk = client_for("manager"), client_for("kiosk")
    slot = make_slot(manager)
    appointment = kiosk.book(BookRequest(slot_id=slot.id, identity=person()))
    late = kiosk.book(BookRequest(slot_id=slot.id, identity=person(OTHER_ID)))
    confirm = server.state.settings.ticket_confirm_seconds
    clock.set(TEN - timedelta(minutes=5))
    kiosk.check_in(CheckInRequest(code=appointment.code, delivery=TicketDelivery.PENDING))
    clock.advance(seconds=confirm + 1)
    assert day.sweep_once(server.state.uow)["unconfirmed_tickets"] == 1
    assert kiosk.appointment(appointment.id).status == "BOOKED"
    clock.set(TEN + timedelta(minutes=14))
    ticket = kiosk.check_in(CheckInRequest(code=late.code, delivery=TicketDelivery.PENDING)).ticket
    clock.set(slot.end + timedelta(seconds=1))  # the slot is over when the sweep finds the ticket untaken
    day.sweep_once(server.state.uow)
    assert kiosk.ticket(ticket.id).delivery is TicketDelivery.NOT_TAKEN
    assert kiosk.appointment(late.id).status == "CHECKED_IN"
