"""The queue engine through the real HTTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hall_server.client import ApiError
from hall_server.contract.queue import IssueTicketRequest, PauseRequest, Priority, TransferRequest
from tests.conftest import SHANGHAI
from tests.factories import ELDERLY_ID, OTHER_ID, RawBody, person


def issue(kiosk, category="SOCIAL", **kwargs):
    return kiosk.issue_ticket(IssueTicketRequest(category_code=category, **kwargs))


def test_numbers_are_per_prefix_and_follow_on(client_for, hall):
    kiosk = client_for("kiosk")
    assert [issue(kiosk).number for _ in range(3)] == ["B001", "B002", "B003"]
    assert issue(kiosk, "ENTERPRISE").number == "A001"
    by_matter = kiosk.issue_ticket(IssueTicketRequest(matter_id=hall.matters["company"]))
    assert (by_matter.number, by_matter.matter_name, by_matter.category_code) == (
        "A002",
        "企业设立登记",
        "ENTERPRISE",
    )


def test_numbering_resets_at_local_midnight_not_utc(client_for, clock):
    kiosk = client_for("kiosk")
    clock.set(datetime(2026, 11, 25, 23, 58, tzinfo=SHANGHAI))
    assert issue(kiosk).number == "B001"
    assert issue(kiosk).number == "B002"
    clock.set(datetime(2026, 11, 26, 0, 1, tzinfo=SHANGHAI))  # 16:01 UTC: a new local day
    ticket = issue(kiosk)
    assert (ticket.number, str(ticket.service_date)) == ("B001", "2026-11-26")


def test_call_next_takes_the_oldest_across_the_windows_categories(client_for, clock):
    kiosk, clerk = client_for("kiosk"), client_for("clerk2")
    first_social = issue(kiosk, "SOCIAL")
    clock.advance(minutes=1)
    issue(kiosk, "ENTERPRISE")
    clock.advance(minutes=1)
    clerk.window_op(2, "open")  # window 2 serves SOCIAL and ENTERPRISE
    called = clerk.call_next(2).ticket
    assert called.number == first_social.number and called.status == "CALLED" and called.window_no == 2
    clerk.window_op(2, "complete")
    assert clerk.call_next(2).ticket.number == "A001"
    clerk.window_op(2, "complete")
    empty = clerk.call_next(2)
    assert empty.ticket is None and empty.message == "当前没有等候的号"


def test_priority_goes_first_but_ageing_protects_normal_tickets(client_for, clock):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    early_normal = issue(kiosk)
    clock.advance(minutes=12)  # longer than the elderly head start (10 minutes)
    late_elderly = issue(kiosk, identity=person(ELDERLY_ID, "李大爷"))
    fresh_normal = issue(kiosk, identity=person(OTHER_ID))
    assert late_elderly.priority is Priority.ELDERLY
    assert fresh_normal.priority is Priority.NORMAL
    clerk.window_op(1, "open")
    order = []
    for _ in range(3):
        order.append(clerk.call_next(1).ticket.number)
        clerk.window_op(1, "complete")
    assert order == [early_normal.number, late_elderly.number, fresh_normal.number]


def test_claimed_priorities_and_configured_elderly_age(client_for):
    kiosk = client_for("kiosk")
    assert issue(kiosk, priority_claim="DISABLED").priority is Priority.DISABLED
    assert issue(kiosk, priority_claim="MILITARY").priority is Priority.MILITARY
    with pytest.raises(ApiError) as caught:
        kiosk._call(
            "POST", "/tickets", dict, RawBody({"category_code": "SOCIAL", "priority_claim": "ELDERLY"})
        )
    assert caught.value.status == 422 and caught.value.code == "VALIDATION_ERROR"


def test_recall_is_bounded_then_no_show_and_requeue_within_grace(client_for, clock, server):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    missed = issue(kiosk)
    for _ in range(4):
        clock.advance(minutes=1)
        issue(kiosk)
    clerk.window_op(1, "open")
    clerk.call_next(1)
    limit = server.state.settings.max_recalls
    for count in range(2, limit + 2):
        assert clerk.window_op(1, "recall").ticket.call_count == count
    with pytest.raises(ApiError) as caught:
        clerk.window_op(1, "recall")
    assert caught.value.code == "RECALL_LIMIT" and "过号" in caught.value.message
    assert clerk.window_op(1, "no-show").ticket.status == "NO_SHOW"
    clock.advance(minutes=10)
    back = kiosk.requeue(missed.id)
    assert back.status == "WAITING" and back.estimate.people_ahead == 3  # 3 places back (过号顺延)
    order = []
    for _ in range(5):
        order.append(clerk.call_next(1).ticket.number)
        clerk.window_op(1, "complete")
    assert order == ["B002", "B003", "B004", "B001", "B005"]


def test_requeue_after_the_grace_period_is_refused(client_for, clock):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    ticket = issue(kiosk)
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clerk.window_op(1, "no-show")
    clock.advance(minutes=31)
    with pytest.raises(ApiError) as caught:
        kiosk.requeue(ticket.id)
    assert (caught.value.status, caught.value.code) == (409, "GRACE_EXPIRED")
    with pytest.raises(ApiError) as caught:
        kiosk.requeue(issue(kiosk).id)
    assert caught.value.code == "NOT_NO_SHOW"


def test_transfer_to_a_category_keeps_the_original_issue_time(client_for, clock):
    kiosk, social_clerk, company_clerk = client_for("kiosk"), client_for("clerk1"), client_for("clerk3")
    moved = issue(kiosk, "SOCIAL")
    clock.advance(minutes=5)
    already_waiting = issue(kiosk, "ENTERPRISE")
    social_clerk.window_op(1, "open")
    social_clerk.call_next(1)
    social_clerk.window_op(1, "start")
    result = social_clerk.transfer(
        1, TransferRequest(to_category_code="ENTERPRISE", note="需办理营业执照变更")
    )
    assert result.ticket.status == "WAITING" and result.ticket.category_code == "ENTERPRISE"
    assert result.ticket.issued_at == moved.issued_at
    assert result.window.current_ticket is None
    company_clerk.window_op(3, "open")
    called = company_clerk.call_next(3).ticket
    assert called.number == moved.number and called.transfer_note == "需办理营业执照变更"
    company_clerk.window_op(3, "complete")
    assert company_clerk.call_next(3).ticket.number == already_waiting.number


def test_transfer_to_a_window_only_that_window_calls_it(client_for):
    kiosk, clerk1, clerk2 = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    ticket = issue(kiosk, "SOCIAL")
    clerk1.window_op(1, "open")
    clerk2.window_op(2, "open")
    clerk1.call_next(1)
    with pytest.raises(ApiError) as caught:
        clerk1.transfer(1, TransferRequest(to_window_no=4))
    assert caught.value.code == "TARGET_WINDOW_CLOSED"
    moved = clerk1.transfer(1, TransferRequest(to_window_no=2, note="请2号窗口复核")).ticket
    assert moved.target_window_no == 2
    assert clerk1.call_next(1).ticket is None
    assert clerk2.call_next(2).ticket.number == ticket.number


def test_window_states_and_their_errors(client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    with pytest.raises(ApiError) as caught:
        clerk.call_next(1)
    assert caught.value.code == "NOT_YOUR_WINDOW"
    clerk.window_op(1, "open")
    issue(kiosk)
    issue(kiosk)
    clerk.call_next(1)
    with pytest.raises(ApiError) as caught:
        clerk.pause(1)
    assert caught.value.code == "WINDOW_BUSY" and "B001" in caught.value.message
    with pytest.raises(ApiError) as caught:
        clerk.call_next(1)
    assert caught.value.code == "WINDOW_BUSY"
    clerk.window_op(1, "complete")
    paused = clerk.pause(1, PauseRequest(reason="MEETING", note="科室例会"))
    assert paused.window.state == "PAUSED" and paused.window.pause_reason == "MEETING"
    with pytest.raises(ApiError) as caught:
        clerk.call_next(1)
    assert caught.value.code == "WINDOW_PAUSED"
    assert clerk.window_op(1, "resume").window.state == "OPEN"
    assert clerk.call_next(1).ticket.number == "B002"
    clerk.window_op(1, "no-show")
    closed = clerk.window_op(1, "close")
    assert closed.window.state == "CLOSED" and closed.window.staff_id is None


def test_one_clerk_one_window_and_one_window_one_clerk(client_for):
    clerk1, clerk2 = client_for("clerk1"), client_for("clerk2")
    clerk1.window_op(1, "open")
    with pytest.raises(ApiError) as caught:
        clerk2.window_op(1, "open")
    assert caught.value.code == "WINDOW_TAKEN"
    with pytest.raises(ApiError) as caught:
        clerk1.window_op(2, "open")
    assert caught.value.code == "STAFF_AT_OTHER_WINDOW"


def test_a_manager_opens_windows_from_the_dashboard_without_becoming_their_clerk(client_for):
    manager, clerk1, clerk2 = client_for("manager"), client_for("clerk1"), client_for("clerk2")
    clerk1.window_op(1, "open")
    clerk1.window_op(1, "close")
    first = manager.window_op(1, "open").window
    second = manager.window_op(2, "open").window  # a second window: not STAFF_AT_OTHER_WINDOW
    assert (first.state, first.staff_name, second.state, second.staff_name) == ("OPEN", None, "OPEN", None)
    taken = clerk2.window_op(2, "open").window  # the clerk who sits down takes the window over
    assert taken.staff_name == clerk2.whoami().staff.name
    with pytest.raises(ApiError) as caught:
        clerk1.window_op(2, "open")
    assert caught.value.code == "WINDOW_TAKEN"


def test_complete_without_start_counts_from_the_call(client_for, clock):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    issue(kiosk)
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clock.advance(minutes=7)
    done = clerk.window_op(1, "complete").ticket
    assert (done.completed_at - done.service_started_at) == timedelta(minutes=7)


def test_estimate_is_people_ahead_times_rolling_service_time_over_the_open_windows_share(client_for, clock):
    kiosk, clerk1, clerk2 = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    first = issue(kiosk)
    assert first.estimate.wait_seconds is None and first.estimate.open_windows == 0
    clerk1.window_op(1, "open")
    second = issue(kiosk)
    assert second.estimate.people_ahead == 1
    assert second.estimate.service_time_basis == "DEFAULT" and second.estimate.wait_seconds == 600
    for _ in range(4):
        issue(kiosk)
    for minutes in (2, 4, 6):  # three services of 2, 4 and 6 minutes: rolling average 4 minutes
        clerk1.call_next(1)
        clerk1.window_op(1, "start")
        clock.advance(minutes=minutes)
        clerk1.window_op(1, "complete")
    clerk2.window_op(2, "open")
    latest = issue(kiosk)
    estimate = latest.estimate
    assert estimate.service_time_basis == "ROLLING" and estimate.avg_service_seconds == 240
    assert estimate.people_ahead == 3 and estimate.open_windows == 2
    # window 1 serves this category alone, window 2 serves it and one other: 1.5 windows' worth
    assert estimate.window_share == 1.5
    assert estimate.wait_seconds == 3 * 240 / 1.5
    assert estimate.explanation == (
        "前面还有3人，近3位办理平均约4分钟，2个窗口办理（兼办其他业务，折合约1.5个窗口），预计等候约8分钟"
    )


def test_cancel_a_waiting_ticket(client_for):
    kiosk = client_for("kiosk")
    ticket = issue(kiosk)
    cancelled = kiosk.cancel_ticket(ticket.id, "不办了")
    assert cancelled.status == "CANCELLED" and cancelled.cancel_reason == "不办了"
    with pytest.raises(ApiError) as caught:
        kiosk.cancel_ticket(ticket.id, "again")
    assert caught.value.code == "NOT_WAITING"


def test_end_of_day_cancels_what_is_left_and_stops_issuing(client_for, clock):
    kiosk, clerk1, clerk2, manager = (client_for(w) for w in ("kiosk", "clerk1", "clerk2", "manager"))
    for _ in range(4):
        issue(kiosk)
    clerk1.window_op(1, "open")
    clerk2.window_op(2, "open")
    clerk1.call_next(1)
    clerk1.window_op(1, "start")  # being served: left to finish
    clerk2.call_next(2)  # called, not yet served: cancelled
    summary = manager.end_day()
    assert summary == {"cancelled": 3, "parked_expired": 0, "appointments_no_show": 0, "windows_closed": 1}
    assert manager.window(2).state == "CLOSED"  # its called ticket was cancelled, so it was idle
    assert manager.window(1).state == "OPEN"  # still serving
    with pytest.raises(ApiError) as caught:
        issue(kiosk)
    assert (caught.value.status, caught.value.code) == (409, "QUEUE_CLOSED")
    cancelled = next(t for t in manager.load().windows if t.number == 1)
    assert cancelled.current_ticket.status == "SERVING"
    trace = manager.trace("ticket", 4)
    assert trace.events[-1].event_type == "queue.ticket.cancelled"
    assert trace.events[-1].data["by"] == "SYSTEM_EOD" and trace.summary["cancel_reason"]
    with pytest.raises(ApiError) as caught:
        manager.end_day()
    assert caught.value.code == "DAY_ALREADY_ENDED"
    manager.reopen_day()
    assert issue(kiosk).number == "B005"
    clock.advance(days=1)
    assert issue(kiosk).number == "B001"


def test_a_visitors_tickets_today_by_identity(client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    issue(kiosk, identity=person())
    issue(kiosk, "ENTERPRISE", identity=person())
    issue(kiosk, identity=person(OTHER_ID))
    mine = clerk.tickets_of(person())
    assert [t.number for t in mine] == ["B001", "A001"]
    assert all(
        t.visitor.number_masked == "3401**********1234"[:4] + t.visitor.number_masked[4:] for t in mine
    )
    assert clerk.tickets_of(person(ELDERLY_ID)) == []


def test_public_follow_page_shows_no_personal_data(client_for, server):
    kiosk = client_for("kiosk")
    issue(kiosk)
    ticket = issue(kiosk, identity=person())
    from hall_server.client import HallClient

    with HallClient(server.base_url) as anonymous:
        public = anonymous.public_ticket(ticket.follow_code)
        assert (public.number, public.status, public.people_ahead) == ("B002", "WAITING", 1)
        assert "visitor" not in public.model_dump()
        with pytest.raises(ApiError) as caught:
            anonymous.public_ticket("not-a-code")
        assert caught.value.status == 404
