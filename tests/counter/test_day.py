"""A clerk's day at two windows, headless (controller + LoopRunner) against the real hall server and the
window devices' wire-level simulators: what the clerk sees, what the LED screen shows, what the server
recorded, and what the evaluation pad sent."""

from __future__ import annotations

from counter_client.controller.counter import IDLE_TEXT, PAUSED_TEXT, Phase, RatingState
from hall_server.client import HallClient
from hall_server.contract.complaints import ComplaintChannel, ComplaintSubject
from hall_server.contract.evaluation import Level, NotEvaluatedReason, OpportunityStatus
from hall_server.contract.queue import PauseReason, TicketStatus, WindowState

PASSWORD = "yimen-demo-2026"


def test_a_full_day_at_two_windows(counters, issue, demo_hall):
    a, b = counters(press="satisfied"), counters(press="very_dissatisfied")
    ca, cb = a.controller, b.controller
    a.sign_in("clerk01", 4)
    b.sign_in("clerk02", 5)
    assert ca.window.state is WindowState.OPEN and ca.window.staff_name == "张敏"
    a.until(lambda: a.sims.shown() == IDLE_TEXT)
    t1, t2, t3 = issue(), issue(), issue()
    a.until(lambda: [t.number for t in ca.upcoming][:3] == [t1.number, t2.number, t3.number])
    a.until(lambda: any(w.code == "SOCIAL_AFFAIRS" and w.waiting == 3 for w in ca.waiting))

    # call, recall, no-show: the LED screen follows, idle again after
    a.act(ca.call_next)
    assert ca.current.number == t1.number and ca.notice.text == f"请 {t1.number} 号到 4 号窗口"
    a.until(lambda: a.sims.shown() == f"请 {t1.number} 号到 4 号窗口")
    a.act(ca.recall)
    assert ca.current.call_count == 2
    a.act(ca.no_show)
    assert ca.current is None
    a.until(lambda: a.sims.shown() == IDLE_TEXT)

    # window 5 serves t2 and sends it to window 4 for one part, to come back (转办回流)
    b.act(cb.call_next)
    assert cb.current.number == t2.number
    b.act(cb.start_service)
    b.act(lambda: cb.transfer(window=4, note="请在4号窗口核验营业执照", back=True))
    assert cb.current is None and not cb.notice.error
    a.until(lambda: t2.number in [t.number for t in ca.upcoming])
    a.act(ca.call_next)
    assert ca.current.number == t2.number
    assert ca.current.transfer_note == "请在4号窗口核验营业执照" and ca.current.return_window_no == 5
    a.act(ca.start_service)
    a.act(ca.complete)
    a.until(lambda: ca.rating.state is not RatingState.ASKING)
    assert ca.rating.words == "评价：满意", ca.rating
    # back at window 5 ahead of t3, which arrived before window 5 sent t2 away
    b.until(lambda: [t.number for t in cb.upcoming][:1] == [t2.number])
    b.act(cb.call_next)
    assert cb.current.number == t2.number
    b.act(cb.start_service)
    b.act(cb.complete)
    b.until(lambda: cb.rating.state is RatingState.RATED)
    assert cb.rating.words == "评价：非常不满意"

    # park (挂起) and resume with one click
    a.act(ca.call_next)
    assert ca.current.number == t3.number
    a.act(lambda: ca.park("回去复印身份证"))
    assert ca.current is None
    a.until(lambda: [t.number for t in ca.parked] == [t3.number])
    assert ca.parked[0].park_note == "回去复印身份证"
    a.act(lambda: ca.resume_parked(ca.parked[0].id))
    assert ca.current.number == t3.number and ca.current.status is TicketStatus.CALLED
    a.until(lambda: ca.parked == [])
    a.act(ca.start_service)
    a.act(ca.complete)
    a.until(lambda: ca.rating.state is RatingState.RATED and ca.rating.ticket_no == t3.number)

    # pause with a reason, resume
    a.act(lambda: ca.pause(PauseReason.MEETING))
    assert ca.window.state is WindowState.PAUSED and ca.window.pause_reason is PauseReason.MEETING
    a.until(lambda: a.sims.shown() == PAUSED_TEXT)
    assert not ca.allowed("call-next") and ca.allowed("resume")
    a.act(ca.resume)
    assert ca.window.state is WindowState.OPEN

    # the clerk's own figures today
    a.until(lambda: ca.my_day is not None and ca.my_day.served == 2)
    assert ca.my_day.no_shows == 1
    a.until(lambda: ca.my_day.ratings.get("SATISFIED") == 2)

    # what the server recorded: the pad's ratings on the service contacts, tied to clerk, window, matter
    manager = HallClient.login(demo_hall.base_url, "manager", PASSWORD)
    contacts = manager.ticket_opportunities(t2.id)
    by_window = {o.window_no: o for o in contacts}
    assert by_window[5].status is OpportunityStatus.EVALUATED
    assert by_window[5].staff_name == "刘洋"
    bad = by_window[5].evaluations[0]
    assert bad.level is Level.VERY_DISSATISFIED and (bad.indicator_codes or bad.text)
    assert manager.window(4).parked_count == 0

    # sign out closes the window
    a.act(ca.sign_out)
    assert ca.phase is Phase.SIGN_IN and ca.notice.text == "已退出登录"
    assert manager.window(4).state is WindowState.CLOSED
    a.until(lambda: a.sims.shown() == IDLE_TEXT)


def test_a_visitor_who_does_not_rate_is_recorded_as_not_rated(counters, issue, demo_hall):
    a = counters(press="none")
    ca = a.controller
    a.sign_in("clerk01", 4)
    ticket = issue()
    a.until(lambda: bool(ca.upcoming))
    a.act(ca.call_next)
    a.act(ca.start_service)
    a.act(ca.complete)
    a.until(lambda: ca.rating.state is RatingState.NOT_RATED, timeout=15)
    assert ca.rating.words == "办事人未评价，已如实记录"
    manager = HallClient.login(demo_hall.base_url, "manager", PASSWORD)
    [contact] = manager.ticket_opportunities(ticket.id)
    assert contact.status is not OpportunityStatus.EVALUATED and contact.evaluations == []
    assert contact.not_evaluated_reason is NotEvaluatedReason.DECLINED


def test_a_window_without_a_pad_records_that_no_pad_asked(counters, issue, demo_hall):
    a = counters(devices=False)
    ca = a.controller
    a.sign_in("clerk01", 4)
    ticket = issue()
    a.until(lambda: bool(ca.upcoming))
    a.act(ca.call_next)
    a.act(ca.complete)
    a.until(lambda: ca.rating.state is RatingState.NOT_RATED)
    manager = HallClient.login(demo_hall.base_url, "manager", PASSWORD)
    [contact] = manager.ticket_opportunities(ticket.id)
    assert contact.not_evaluated_reason is NotEvaluatedReason.PAD_ABSENT


def test_a_complaint_told_at_the_window_is_bound_to_the_visitor_just_served(counters, issue, demo_hall):
    a = counters(devices=False)
    ca = a.controller
    a.sign_in("clerk01", 4)
    ticket = issue()
    a.until(lambda: bool(ca.upcoming))
    a.act(ca.call_next)
    a.act(ca.complete)
    a.act(lambda: ca.record_complaint(ComplaintSubject.ATTITUDE, "办事人反映窗口人员态度生硬"))
    assert ca.notice.text.startswith(f"投诉已记录（{ticket.number} 号）") and not ca.notice.error
    manager = HallClient.login(demo_hall.base_url, "manager", PASSWORD)
    [complaint] = manager.complaints()
    assert (complaint.channel, complaint.ticket_number, complaint.window_no, complaint.staff_name) == (
        ComplaintChannel.WINDOW,
        ticket.number,
        4,
        "张敏",
    )
