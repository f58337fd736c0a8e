"""When things go wrong at the counter, headless against the real server and simulators: the visitor's ID
card against the ticket, two clerks on one window or ticket, the server going away and coming back, an
answer lost on the way, and a window device that stops answering."""

from __future__ import annotations

import httpx
import pytest

from counter_client.config import CounterConfig
from counter_client.controller.counter import CounterController, Phase
from counter_client.controller.devices import WindowDevices
from devices.idcard.cards import CARDS
from hall_server.client import HallClient
from hall_server.client.runner import LoopRunner
from hall_server.contract.devicehealth import PartState
from hall_server.contract.queue import TicketCancelRequest, TicketStatus, WindowState
from kiosk.controller.devices import identity_of
from tests.counter.conftest import PASSWORD, Counter
from tests.kiosk.test_offline_and_idle import restart_server


def manager_of(hall) -> HallClient:
    return HallClient.login(hall.base_url, "manager", PASSWORD)


def test_the_card_read_at_the_counter_is_checked_against_the_ticket(counters, issue, demo_hall):
    a = counters()
    ca = a.controller
    a.sign_in("clerk01", 4)
    holder = identity_of(CARDS["resident_male"])
    ticket = issue(identity=holder)
    a.until(lambda: bool(ca.upcoming))
    a.act(ca.call_next)
    a.sims.place("resident_longterm")  # someone else's card
    a.until(lambda: ca.card is not None)
    assert ca.card.matches is False and "不一致" in ca.card.message and ticket.number in ca.card.message
    assert ca.card.tickets_today == ()  # the other person has no ticket today
    a.sims.place("resident_male")
    a.until(lambda: ca.card is not None and ca.card.matches is True)
    assert ca.card.tickets_today[0].startswith(f"{ticket.number} 叫号中")
    assert holder.number not in ca.card.visitor and "*" in ca.card.visitor  # masked only


def test_a_reader_plugged_in_after_the_start_is_opened_and_reads_cards(counters, issue, demo_hall, tmp_path):
    plugged = tmp_path / "ttyUSB0"  # not there yet: the reader is plugged in (or enumerated) after the start
    a = counters(idcard=f"serial://{plugged}?baud=115200")
    ca = a.controller
    reader = lambda: next((p for p in ca.devices.parts() if p.kind == "reader"), None)  # noqa: E731
    a.until(lambda: reader() is not None)
    assert reader().state is PartState.FAULT and any("身份证阅读器" in w for w in ca.device_warnings)
    a.sign_in("clerk01", 4)
    issue(identity=identity_of(CARDS["resident_male"]))
    a.until(lambda: bool(ca.upcoming))
    a.act(ca.call_next)
    plugged.symlink_to(a.sims.reader.endpoint)  # as udev's /dev/serial/by-id link appears
    a.until(lambda: reader().state is PartState.OK, timeout=15)
    a.sims.place("resident_male")
    a.until(lambda: ca.card is not None and ca.card.matches is True)
    assert not any("身份证阅读器" in w for w in ca.device_warnings)


def test_two_clerks_get_messages_that_say_what_happened(counters, issue, demo_hall):
    a, b = counters(devices=False), counters(devices=False)
    ca, cb = a.controller, b.controller
    a.sign_in("clerk01", 4)
    cb.sign_in("clerk02", PASSWORD)
    b.until(lambda: cb.phase is Phase.PICK_WINDOW)
    cb.choose_window(4)
    b.until(lambda: not cb.busy)
    assert cb.phase is Phase.PICK_WINDOW and cb.notice.error
    assert "4 号窗口已由" in cb.notice.text and "张敏" in cb.notice.text

    ticket = issue()
    a.until(lambda: bool(ca.upcoming))
    a.act(ca.call_next)
    manager = manager_of(demo_hall)
    manager.window_op(4, "cancel", TicketCancelRequest(reason="办事人已离开大厅"))  # the manager, meanwhile
    a.act(ca.complete)
    assert ca.notice.error and f"{ticket.number} 号已被取消" in ca.notice.text
    assert "办事人已离开大厅" in ca.notice.text
    a.until(lambda: ca.current is None)  # the window read again: the screen shows the truth
    assert ca.allowed("call-next")

    # the clerk cancels a visitor with a reason
    other = issue()
    a.until(lambda: bool(ca.upcoming))
    a.act(ca.call_next)
    a.act(lambda: ca.cancel("材料不属于本大厅受理范围"))
    assert ca.current is None and not ca.notice.error
    cancelled = manager.ticket(other.id)
    assert (cancelled.status, cancelled.cancel_reason) == (TicketStatus.CANCELLED, "材料不属于本大厅受理范围")


def test_the_server_going_away_disables_actions_and_coming_back_resyncs(
    counters, issue, demo_hall, tmp_path, clock
):
    a = counters(devices=False)
    ca = a.controller
    a.sign_in("clerk01", 4)
    first = issue()
    a.until(lambda: bool(ca.upcoming))
    demo_hall.server.stop()
    a.until(lambda: not ca.online)
    assert ca.offline_reason and not ca.allowed("call-next")
    restart_server(demo_hall, tmp_path, clock)
    second = issue()  # taken while the counter was reconnecting
    a.until(
        lambda: ca.online and [t.number for t in ca.upcoming] == [first.number, second.number], timeout=15
    )
    assert ca.window.state is WindowState.OPEN
    a.act(ca.call_next)
    assert ca.current.number == first.number


def test_a_counter_started_before_the_server_comes_online_by_itself(counters, demo_hall, tmp_path, clock):
    demo_hall.server.stop()
    runner = LoopRunner()
    config = CounterConfig(server=demo_hall.base_url, ledscreen="", evalpad="", idcard="")
    counter = Counter(
        CounterController(config, HallClient(config.server), WindowDevices("", "", ""), runner), runner, None
    )
    c = counter.controller
    c.start()
    try:
        counter.until(lambda: bool(c.offline_reason))
        assert not c.online and c.phase is Phase.SIGN_IN
        restart_server(demo_hall, tmp_path, clock)
        counter.until(lambda: c.online, timeout=15)  # no click: the sign-in screen stops saying 离线
        assert c.offline_reason == ""
        counter.sign_in("clerk01", 4)
        assert c.phase is Phase.WORK
    finally:
        c.stop()


class LoseFirstCall(httpx.BaseTransport):
    """The network between counter and server. `answer`: the first call-next reaches the server and its
    answer is lost; `request`: the first call-next never reaches the server."""

    def __init__(self, lose: str) -> None:
        self.real = httpx.HTTPTransport()
        self.lose = lose
        self.keys: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        calling = request.url.path.endswith("/call-next")
        if calling:
            self.keys.append(request.headers["Idempotency-Key"])
        if calling and len(self.keys) == 1 and self.lose == "request":
            raise httpx.ConnectError("network unreachable", request=request)
        response = self.real.handle_request(request)
        if calling and len(self.keys) == 1:
            response.read()
            raise httpx.ReadError("connection reset", request=request)
        return response

    def close(self) -> None:
        self.real.close()


@pytest.mark.parametrize("lose", ["answer", "request"])
def test_a_call_whose_answer_is_lost_is_done_once(issue, demo_hall, lose):
    network = LoseFirstCall(lose)
    config = CounterConfig(server=demo_hall.base_url, ledscreen="", evalpad="", idcard="")
    runner = LoopRunner()
    client = HallClient(config.server, transport=network, retries=0)
    counter = Counter(CounterController(config, client, WindowDevices("", "", ""), runner), runner, None)
    c = counter.controller
    c.start()
    try:
        counter.sign_in("clerk01", 4)
        first, second = issue(), issue()
        counter.until(lambda: len(c.upcoming) == 2)
        counter.act(c.call_next)
        assert c.notice.error and "未得到确认" in c.notice.text
        if lose == "answer":  # back online, the window as the server has it: the call was done
            counter.until(lambda: c.online and c.current is not None, timeout=15)
            assert c.current.number == first.number
        else:
            counter.until(lambda: c.online and c.allowed("call-next"), timeout=15)
            assert c.current is None
            counter.act(c.call_next)  # pressed again: the same request (same key), done once
            assert network.keys[0] == network.keys[1]
            assert c.current.number == first.number
        server_side = manager_of(demo_hall)
        assert server_side.ticket(first.id).call_count == 1
        assert server_side.ticket(second.id).status is TicketStatus.WAITING
    finally:
        c.stop()


def test_a_dead_led_screen_is_a_warning_and_calling_goes_on(counters, issue, demo_hall):
    a = counters()
    ca = a.controller
    a.sign_in("clerk01", 4)
    a.sims.led.stop()  # the screen's cable pulled
    ticket = issue()
    a.until(lambda: bool(ca.upcoming))
    a.act(ca.call_next)
    assert ca.current.number == ticket.number
    a.until(lambda: any(w.startswith("窗口屏不可用") for w in ca.device_warnings), timeout=15)
    a.until(lambda: "counter-4" in {h.name for h in manager_of(demo_hall).device_health()})
    health = {h.name: h for h in manager_of(demo_hall).device_health()}
    screen = next(p for p in health["counter-4"].devices if p.kind == "ledscreen")
    assert screen.state is not PartState.OK and health["counter-4"].faults >= 1
