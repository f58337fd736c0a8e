"""The simulated halls of one server (see server.py), each with a kiosk pair issuing, clerks signed in at
M windows, a manager and K display screens on /ws.

The day runs as a discrete-event simulation over every hall at once: the clock (one per server, every hall
shares it) jumps to the next event of any hall (an arrival, a clerk's call, start, completion, transfer or
no-show) and the simulator makes that event's real API call at that hall time. Events run one at a time in
(time, order) order, so a run is a function of the plans: the same seed gives the same day, whatever the
machine. `speed` > 0 paces the day (simulated seconds per real second); 0 runs it as fast as the server
answers."""

from __future__ import annotations

import asyncio
import heapq
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import websockets

from hall_server.client import HallClient
from hall_server.contract.appointments import BookRequest, CheckInRequest
from hall_server.contract.identity import IdentityIn, IdKind
from hall_server.contract.load import LoadOut
from hall_server.contract.queue import IssueTicketRequest, TicketOut, TransferRequest
from hall_server.core.clock import SettableClock
from hall_server.simulate.plan import Plan, Visitor
from hall_server.simulate.server import SharedClock

T = TypeVar("T")
NO_SHOW_GRACE_S = 120.0  # a clerk recalls once after a minute, marks 过号 after two
HARD_STOP = timedelta(hours=20)  # no calls after 20:00; the manager ends the day, whoever waits has left


@dataclass
class VisitorRecord:
    visitor: Visitor
    ticket_id: int | None = None
    number: str = ""
    issued_s: float = 0.0
    estimate_s: int | None = None
    people_ahead: int = 0  # the estimate's inputs, to see where it goes wrong
    avg_service_s: float = 0.0
    open_windows: int = 0
    window_share: float = 0.0  # the server's: open windows serving it, each 1/(categories it serves)
    first_called_s: float | None = None
    outcome: str = "waiting"  # served, no_show, left
    transferred: bool = False
    calls: int = 0


@dataclass
class HallResult:
    hall: int
    records: list[VisitorRecord]
    latencies: dict[str, list[float]]  # operation -> seconds
    display_latencies: list[float]
    completions_by_hour: dict[int, int]
    server_load: LoadOut
    windows: int
    displays: int
    wall_seconds: float
    errors: list[str] = field(default_factory=list)
    code: str = ""


class Displays:
    """K display screens subscribed to the `display` topic: each notes when it read each call."""

    def __init__(self, ws_url: str, token: str, count: int) -> None:
        self.ws_url, self.token, self.count = ws_url, token, count
        self.received: list[dict[str, list[float]]] = [defaultdict(list) for _ in range(count)]
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._lock = threading.Lock()

    def start(self) -> None:
        if self.count == 0:
            return
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("display subscribers did not start")

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        ready = [asyncio.Event() for _ in range(self.count)]
        tasks = [asyncio.create_task(self._screen(i, ready[i])) for i in range(self.count)]
        await asyncio.gather(*(r.wait() for r in ready))
        self._ready.set()
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _screen(self, index: int, ready: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with websockets.connect(self.ws_url, additional_headers=headers, max_size=2**24) as ws:
            await ws.send(json.dumps({"type": "subscribe", "topics": ["display"]}))
            while json.loads(await ws.recv())["type"] != "snapshot":
                pass
            ready.set()
            async for raw in ws:
                if '"queue.ticket.called"' not in str(raw):
                    continue
                at = time.perf_counter()
                message = json.loads(raw)
                ticket = message.get("ticket") or {}
                with self._lock:
                    self.received[index][str(ticket.get("number", ""))].append(at)

    def drain(self, calls: int, at_most: float = 10.0) -> None:
        """Until every screen has read `calls` calls (or `at_most` seconds passed: a lost one shows as a
        missing sample in the report)."""
        deadline = time.monotonic() + at_most
        while self.count and time.monotonic() < deadline:
            with self._lock:
                least = min(sum(len(t) for t in screen.values()) for screen in self.received)
            if least >= calls:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout=10)

    def latencies(self, sent: dict[str, list[float]]) -> list[float]:
        """The n-th call of a number is matched with the n-th time each screen read a call of it."""
        result: list[float] = []
        with self._lock:
            for screen in self.received:
                for number, times in sent.items():
                    got = screen.get(number, [])
                    result.extend(r - s for s, r in zip(times, got, strict=False))
        return result


def _citizen(visitor: Visitor) -> IdentityIn:
    return IdentityIn(kind=IdKind.RESIDENT, number=visitor.id_number, name="模拟访客")


class Agenda:
    """The day's events of every hall in one queue: (hall time, order) decides, so a seed gives one day."""

    def __init__(self) -> None:
        self.events: list[tuple[float, int, HallSim, str, Any]] = []
        self.order = 0

    def at(self, seconds: float, hall: HallSim, kind: str, payload: Any) -> None:
        self.order += 1
        heapq.heappush(self.events, (seconds, self.order, hall, kind, payload))


class HallSim:
    """One hall of the simulation's server: its kiosks, clerks, manager and display screens."""

    def __init__(
        self,
        hall: int,
        plan: Plan,
        *,
        base_url: str,
        clock: SettableClock | SharedClock,
        t0: datetime,
        accounts: dict[str, Any],
        agenda: Agenda,
        windows: int,
        displays: int,
        log: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.hall, self.plan, self.base_url, self.clock, self.t0 = hall, plan, base_url, clock, t0
        self.accounts, self.agenda = accounts, agenda
        self.code: str = accounts["code"]
        self.window_count, self.display_count, self.log = windows, displays, log
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.call_sent: dict[str, list[float]] = defaultdict(list)
        self.records = [VisitorRecord(v) for v in plan.visitors]
        self.by_ticket: dict[int, VisitorRecord] = {}
        self.completions_by_hour: dict[int, int] = defaultdict(int)
        self.idle: set[int] = set()
        self.current: dict[int, VisitorRecord | None] = {}
        self.serves: dict[int, set[str]] = {}
        self.errors: list[str] = []
        self.displays: Displays | None = None

    # --- set-up ----------------------------------------------------------------------------------------

    def prepare(self) -> None:
        accounts, prefix = self.accounts, self.accounts["prefix"]
        password = accounts["staff"][0]["password"]
        self.kiosks = [
            HallClient(self.base_url, accounts["devices"][name]) for name in ("kiosk-1", "kiosk-2")
        ]
        self.kiosk = self.kiosks[0]  # books the appointments beforehand
        self.manager = HallClient.login(self.base_url, f"{prefix}manager", password)
        self.clerks = {
            n: HallClient.login(self.base_url, f"{prefix}clerk{n:02d}", password)
            for n in range(1, self.window_count + 1)
        }
        self.serves = {w.number: set(w.category_codes) for w in self.manager.windows()}
        self.displays = Displays(
            self.base_url.replace("http", "ws") + "/ws", accounts["devices"]["display-1"], self.display_count
        )
        self.displays.start()
        self._book_appointments()

    def _book_appointments(self) -> None:
        slots: dict[str, dict[int, int]] = {}
        for record in self.records:
            v = record.visitor
            if v.slot_minute is None:
                continue
            if v.category not in slots:
                listed = self._timed("slots", partial(self.kiosk.slots, v.category, self.t0.date()))
                slots[v.category] = {
                    s.start.astimezone(self.clock.tz).hour * 60
                    + s.start.astimezone(self.clock.tz).minute: s.id
                    for s in listed
                }
            slot_id = slots[v.category][v.slot_minute]
            request = BookRequest(slot_id=slot_id, identity=_citizen(v))
            appointment = self._timed("book", partial(self.kiosk.book, request))
            record.number = appointment.code  # until checked in: the appointment code

    # --- the day ---------------------------------------------------------------------------------------

    def _timed(self, operation: str, work: Callable[[], T]) -> T:
        started = time.perf_counter()
        result = work()
        self.latencies[operation].append(time.perf_counter() - started)
        return result

    def _at(self, seconds: float, kind: str, payload: Any) -> None:
        self.agenda.at(seconds, self, kind, payload)

    def _wake(self, category: str, now: float) -> None:
        for number in sorted(self.idle):
            if category in self.serves[number]:
                self.idle.discard(number)
                self._at(now, "free", number)

    def open(self, opens: float) -> None:
        """The windows open (the clock is at `opens`) and the visitors' arrivals are on the agenda."""
        for number, clerk in self.clerks.items():
            self._timed("open", partial(clerk.window_op, number, "open"))
            self.idle.add(number)
            self.current[number] = None
        for record in self.records:
            self._at(max(record.visitor.arrive_s, opens), "arrive", record)

    def handle(self, now: float, kind: str, payload: Any) -> None:
        getattr(self, f"_on_{kind}")(now, payload)

    def end_day(self) -> None:
        summary = self._timed("end-day", self.manager.end_day)
        for record in self.records:
            if record.outcome == "waiting":
                record.outcome = "left"
        self.log(f"大厅 {self.hall}（{self.code}）：已日终 {summary}")

    def drain_displays(self) -> None:
        if self.displays is not None:
            self.displays.drain(sum(len(times) for times in self.call_sent.values()))
            self.displays.stop()

    def result(self, wall_seconds: float) -> HallResult:
        """The hall's figures (the clock already moved past the load cache's second)."""
        load = self._timed("load", self.manager.load)
        for client in [*self.kiosks, self.manager, *self.clerks.values()]:
            client.close()
        assert self.displays is not None
        return HallResult(
            hall=self.hall,
            records=self.records,
            latencies=dict(self.latencies),
            display_latencies=self.displays.latencies(self.call_sent),
            completions_by_hour=dict(self.completions_by_hour),
            server_load=load,
            windows=self.window_count,
            displays=self.display_count,
            wall_seconds=wall_seconds,
            errors=self.errors,
            code=self.code,
        )

    def stop(self) -> None:
        if self.displays is not None:
            self.displays.stop()

    # --- events ----------------------------------------------------------------------------------------

    def _ticket_issued(self, record: VisitorRecord, ticket: TicketOut, now: float) -> None:
        record.ticket_id, record.number, record.issued_s = ticket.id, ticket.number, now
        if ticket.estimate is not None:
            record.estimate_s = ticket.estimate.wait_seconds
            record.people_ahead = ticket.estimate.people_ahead
            record.avg_service_s = ticket.estimate.avg_service_seconds
            record.open_windows = ticket.estimate.open_windows
            record.window_share = ticket.estimate.window_share
        self.by_ticket[ticket.id] = record
        self._wake(ticket.category_code, now)

    def _on_arrive(self, now: float, record: VisitorRecord) -> None:
        v = record.visitor
        kiosk = self.kiosks[v.index % len(self.kiosks)]  # the hall's two kiosks, in turn
        if v.slot_minute is not None:
            check_in = CheckInRequest(code=record.number)
            ticket = self._timed("check-in", partial(kiosk.check_in, check_in)).ticket
        else:
            request = IssueTicketRequest(category_code=v.category)
            ticket = self._timed("issue", partial(kiosk.issue_ticket, request))
        self._ticket_issued(record, ticket, now)

    def _on_free(self, now: float, number: int) -> None:
        clerk = self.clerks[number]
        self.call_sent_at = time.perf_counter()
        result = self._timed("call-next", lambda: clerk.call_next(number))
        ticket = result.ticket
        if ticket is None:
            self.idle.add(number)
            self.current[number] = None
            return
        record = self.by_ticket.get(ticket.id)
        if record is None:  # tenancy broken: a clerk of this hall was given another hall's ticket
            self.errors.append(f"hall {self.code}: window {number} called {ticket.number}, not this hall's")
            self.idle.add(number)
            self.current[number] = None
            return
        self.call_sent[ticket.number].append(self.call_sent_at)
        self.current[number] = record
        record.calls += 1
        if record.first_called_s is None:
            record.first_called_s = now
        waited = now - record.issued_s
        gone = record.visitor.absent or (not record.transferred and waited > record.visitor.patience_s)
        if gone:
            self._at(now + NO_SHOW_GRACE_S / 2, "recall", number)
            self._at(now + NO_SHOW_GRACE_S, "no_show", number)
            return
        self._at(now + record.visitor.walk_s, "start", number)

    def _on_recall(self, now: float, number: int) -> None:
        self._timed("recall", lambda: self.clerks[number].window_op(number, "recall"))

    def _on_no_show(self, now: float, number: int) -> None:
        record = self.current[number]
        assert record is not None
        self._timed("no-show", lambda: self.clerks[number].window_op(number, "no-show"))
        record.outcome = "no_show"
        self._at(now, "free", number)

    def _on_start(self, now: float, number: int) -> None:
        record = self.current[number]
        assert record is not None
        self._timed("start", lambda: self.clerks[number].window_op(number, "start"))
        v = record.visitor
        if v.transfer_to and not record.transferred:
            self._at(now + v.service_s, "transfer", number)
        else:
            self._at(now + (v.second_service_s if record.transferred else v.service_s), "complete", number)

    def _on_transfer(self, now: float, number: int) -> None:
        record = self.current[number]
        assert record is not None and record.visitor.transfer_to is not None
        request = TransferRequest(to_category_code=record.visitor.transfer_to, note="模拟转办")
        self._timed("transfer", lambda: self.clerks[number].transfer(number, request))
        record.transferred = True
        self._wake(record.visitor.transfer_to, now)
        self._at(now, "free", number)

    def _on_complete(self, now: float, number: int) -> None:
        record = self.current[number]
        assert record is not None
        self._timed("complete", lambda: self.clerks[number].window_op(number, "complete"))
        record.outcome = "served"
        self.completions_by_hour[int(now // 3600)] += 1
        self._at(now, "free", number)


def run_day(halls: list[HallSim], agenda: Agenda, clock: SettableClock | SharedClock, speed: float) -> float:
    """Every hall's day, one event at a time in (hall time, order) order; returns the wall seconds."""
    t0 = halls[0].t0
    started = time.perf_counter()
    opens = 9 * 3600.0
    clock.set(t0 + timedelta(seconds=opens))
    for hall in halls:
        hall.open(opens)
    paced_from = time.perf_counter()
    now = opens
    while agenda.events:
        now, _, hall, kind, payload = heapq.heappop(agenda.events)
        if now > HARD_STOP.total_seconds() and kind == "free":
            continue  # the clerks finish whom they have and call nobody more
        if speed > 0:
            lag = paced_from + (now - opens) / speed - time.perf_counter()
            if lag > 0:
                time.sleep(lag)
        clock.set(t0 + timedelta(seconds=now))
        hall.handle(now, kind, payload)
    clock.set(t0 + timedelta(seconds=now + 60))
    for hall in halls:
        hall.end_day()
    for hall in halls:
        hall.drain_displays()
    clock.advance(seconds=5)  # the managers' load figures are cached for a second of hall time
    return time.perf_counter() - started
