"""One simulated hall: its own server (a real uvicorn on 127.0.0.1, its own database, a clock the simulator
moves), the demo hall loaded, clerks signed in at M windows, a kiosk issuing, K display screens on /ws.

The day runs as a discrete-event simulation: the clock jumps to the next event (an arrival, a clerk's call,
start, completion, transfer or no-show) and the simulator makes that event's real API call at that hall
time. Events run one at a time in (time, order) order, so a run is a function of the plan: the same seed
gives the same day, whatever the machine. `speed` > 0 paces the day (simulated seconds per real second);
0 runs it as fast as the server answers."""

from __future__ import annotations

import asyncio
import heapq
import json
import secrets
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
import websockets

from hall_server.client import HallClient
from hall_server.contract.appointments import BookRequest, CheckInRequest
from hall_server.contract.auth import Role, StaffIn
from hall_server.contract.identity import IdentityIn, IdKind
from hall_server.contract.load import LoadOut
from hall_server.contract.queue import IssueTicketRequest, TicketOut, TransferRequest, WindowIn
from hall_server.core.clock import SettableClock
from hall_server.core.config import Settings
from hall_server.simulate.plan import Plan, Visitor

T = TypeVar("T")
DEMO_WINDOW_COUNT = 12
NO_SHOW_GRACE_S = 120.0  # a clerk recalls once after a minute, marks 过号 after two
HARD_STOP = timedelta(hours=20)  # no calls after 20:00; the manager ends the day, whoever waits has left
PREPARE_AT = timedelta(hours=8, minutes=30)
SETUP_LOCK = threading.Lock()


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
        if self._loop is not None and self._stop is not None:
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


class HallSim:
    def __init__(
        self,
        hall: int,
        plan: Plan,
        *,
        day: date,
        windows: int,
        displays: int,
        speed: float,
        folder: Path,
        database_url: str | None,
        log: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.hall, self.plan, self.day = hall, plan, day
        self.window_count, self.display_count, self.speed = windows, displays, speed
        self.folder, self.database_url, self.log = folder, database_url, log
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.call_sent: dict[str, list[float]] = defaultdict(list)
        self.records = [VisitorRecord(v) for v in plan.visitors]
        self.by_ticket: dict[int, VisitorRecord] = {}
        self.completions_by_hour: dict[int, int] = defaultdict(int)
        self.events: list[tuple[float, int, str, Any]] = []
        self.order = 0
        self.idle: set[int] = set()
        self.current: dict[int, VisitorRecord | None] = {}
        self.serves: dict[int, set[str]] = {}
        self.errors: list[str] = []

    # --- set-up ----------------------------------------------------------------------------------------

    def _settings(self) -> Settings:
        url = self.database_url or f"sqlite:///{self.folder}/hall-{self.hall}.db"
        values: dict[str, Any] = {
            "database_url": url,
            "key_file": self.folder / f"keys-{self.hall}.json",
            "data_key": secrets.token_hex(16),
            "lookup_key": secrets.token_hex(32),
            "sweep_seconds": 24 * 3600.0,  # the simulator ends the day itself
            "log_level": "WARNING",
            "log_json": False,
            "password_time_cost": 1,
            "password_memory_kib": 1024,
        }
        return Settings(_env_file=None, **values)

    def _start_server(self) -> None:
        from hall_server.app import create_app
        from hall_server.migrate import upgrade

        settings = self._settings()
        with SETUP_LOCK:  # alembic keeps its migration context in module globals: one hall at a time
            upgrade(settings.database_url)
        self.t0 = datetime.combine(self.day, datetime.min.time(), settings.tz)
        self.clock = SettableClock(settings.tz, self.t0 + PREPARE_AT)
        app = create_app(settings, self.clock)
        self.state = app.state.yimen
        self.accounts = self._load_hall()  # before the server's first sweep wants the database
        port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", proxy_headers=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"hall {self.hall}: the server did not start")
            time.sleep(0.02)
        self.base_url = f"http://127.0.0.1:{port}"

    def _load_hall(self) -> dict[str, Any]:
        from hall_server.auth.service import create_staff
        from hall_server.demo.load import DEMO_PASSWORD, WINDOWS, load_demo
        from hall_server.queueing.windows import save_window, set_categories

        def build(ctx: Any) -> dict[str, Any]:
            accounts = load_demo(ctx)
            assert accounts is not None
            count = self.window_count
            for number in range(DEMO_WINDOW_COUNT + 1, count + 1):  # more windows: copies of the demo's
                _, name, codes = WINDOWS[(number - 1) % DEMO_WINDOW_COUNT]
                save_window(ctx, WindowIn(number=number, name=f"{number}号{name}", category_codes=codes))
                login = f"clerk{number:02d}"
                create_staff(
                    ctx,
                    StaffIn(login=login, name=f"模拟{number}", role=Role.CLERK, password=DEMO_PASSWORD),
                )
            if count < DEMO_WINDOW_COUNT:  # fewer windows: each takes over the categories of the closed ones
                for number in range(1, count + 1):
                    codes = sorted({c for n, _, cs in WINDOWS if (n - 1) % count == number - 1 for c in cs})
                    set_categories(ctx, number, codes)
            return accounts

        accounts: dict[str, Any] = self.state.uow.run(build)
        return accounts

    def prepare(self) -> None:
        self._start_server()
        accounts = self.accounts
        password = accounts["staff"][0]["password"]
        self.kiosks = [
            HallClient(self.base_url, accounts["devices"][name]) for name in ("kiosk-1", "kiosk-2")
        ]
        self.kiosk = self.kiosks[0]  # books the appointments beforehand
        self.manager = HallClient.login(self.base_url, "manager", password)
        self.clerks = {
            n: HallClient.login(self.base_url, f"clerk{n:02d}", password)
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
                listed = self._timed("slots", partial(self.kiosk.slots, v.category, self.day))
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
        self.order += 1
        heapq.heappush(self.events, (seconds, self.order, kind, payload))

    def _wake(self, category: str, now: float) -> None:
        for number in sorted(self.idle):
            if category in self.serves[number]:
                self.idle.discard(number)
                self._at(now, "free", number)

    def run(self) -> HallResult:
        started = time.perf_counter()
        opens = 9 * 3600.0
        self.clock.set(self.t0 + timedelta(seconds=opens))
        for number, clerk in self.clerks.items():
            self._timed("open", partial(clerk.window_op, number, "open"))
            self.idle.add(number)
            self.current[number] = None
        for record in self.records:
            self._at(max(record.visitor.arrive_s, opens), "arrive", record)
        paced_from = time.perf_counter()
        now = opens
        while self.events:
            now, _, kind, payload = heapq.heappop(self.events)
            if now > HARD_STOP.total_seconds() and kind == "free":
                continue  # the clerks finish whom they have and call nobody more
            if self.speed > 0:
                lag = paced_from + (now - opens) / self.speed - time.perf_counter()
                if lag > 0:
                    time.sleep(lag)
            self.clock.set(self.t0 + timedelta(seconds=now))
            getattr(self, f"_on_{kind}")(now, payload)
        self.clock.set(self.t0 + timedelta(seconds=now + 60))
        summary = self._timed("end-day", self.manager.end_day)
        for record in self.records:
            if record.outcome == "waiting":
                record.outcome = "left"
        self.displays.drain(sum(len(times) for times in self.call_sent.values()))
        self.displays.stop()
        self.clock.advance(seconds=5)  # the manager's load figures are cached for a second of hall time
        load = self._timed("load", self.manager.load)
        self.log(f"大厅 {self.hall}：已日终 {summary}")
        for client in [*self.kiosks, self.manager, *self.clerks.values()]:
            client.close()
        return HallResult(
            hall=self.hall,
            records=self.records,
            latencies=dict(self.latencies),
            display_latencies=self.displays.latencies(self.call_sent),
            completions_by_hour=dict(self.completions_by_hour),
            server_load=load,
            windows=self.window_count,
            displays=self.display_count,
            wall_seconds=time.perf_counter() - started,
            errors=self.errors,
        )

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.state.engine.dispose()

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
        record = self.by_ticket[ticket.id]
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


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
