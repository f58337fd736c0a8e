"""The live feed across server processes on one PostgreSQL database (LISTEN/NOTIFY,
hall_server/live/listener.py): two servers in this process, `yimen server --workers 2`, and two server
processes one of which is killed under load. Every client is to get every change exactly once, in commit
order, whichever process made it.

A `hall` client's events are checked against the event table: after its snapshot it receives exactly the
events at positions first…head, each once, in position order, with seq snapshot+1, +2, … and `first` no
later than the first change the test made (background loops may add events of their own; they count too).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import websockets
from sqlalchemy import create_engine, text

from hall_server.app import build_state
from hall_server.client import HallClient, LiveFeed
from hall_server.client.follower import LiveFollower
from hall_server.commands import connection_budget_warning
from hall_server.contract.live import EventMessage, ServerMessage, SnapshotMessage, Subscribe, server_message
from hall_server.contract.queue import IssueTicketRequest
from tests.cli.test_cli import YIMEN
from tests.conftest import RunningServer, cli_env, free_port, make_settings, start_server
from tests.factories import SeededHall, seed_hall

pytestmark = pytest.mark.postgres
TERMINATE_LISTENERS = (
    "select count(pg_terminate_backend(pid)) from pg_stat_activity"
    " where application_name = 'yimen-live-listener' and datname = current_database()"
)
WAIT = 90.0  # generous: a loaded CI machine; nothing here is a timing claim


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


class Log:
    """The event table as the test reads it."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    def head(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(text("select head_pos from event_chain_head")).scalar_one())

    def ids_from(self, first: int, last: int) -> list[str]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                text("select event_id from event where chain_pos between :a and :b order by chain_pos"),
                {"a": first, "b": last},
            )
            return [row[0] for row in rows]

    def position(self, event_id: str) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    text("select chain_pos from event where event_id = :e"), {"e": event_id}
                ).scalar_one()
            )

    def scalar(self, sql: str) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


@dataclass
class Watcher:
    """A raw `hall` WebSocket client: its snapshot, then every event message as it came."""

    url: str
    token: str
    snapshot_seq: int = -1
    events: list[EventMessage] = field(default_factory=list)
    others: list[ServerMessage] = field(default_factory=list)
    connection: websockets.ClientConnection | None = None
    task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.connection = await websockets.connect(
            self.url, additional_headers={"Authorization": f"Bearer {self.token}"}, max_size=2**24
        )
        await self.connection.send(Subscribe(topics=["hall"]).model_dump_json())
        first = server_message.validate_python(
            json.loads(await asyncio.wait_for(self.connection.recv(), WAIT))
        )
        assert isinstance(first, SnapshotMessage), first
        self.snapshot_seq = first.seq
        self.task = asyncio.create_task(self._receive())

    async def _receive(self) -> None:
        assert self.connection is not None
        async for raw in self.connection:
            message = server_message.validate_python(json.loads(raw))
            if isinstance(message, EventMessage):
                self.events.append(message)
            else:
                self.others.append(message)

    def ids(self) -> list[str]:
        return [m.event.event_id for m in self.events]

    async def stop(self) -> None:
        if self.connection is not None:
            await self.connection.close()
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


async def until_received(watchers: list[Watcher], event_id: str) -> None:
    deadline = time.monotonic() + WAIT
    while not all(event_id in w.ids() for w in watchers):
        assert time.monotonic() < deadline, "a client never got the last change"
        await asyncio.sleep(0.02)


def assert_exactly_once_in_order(watcher: Watcher, log: Log, first_change: int, last: int) -> None:
    """After its snapshot the client got positions first…last, each once, in order, seq without a gap."""
    last_id = log.ids_from(last, last)[0]
    ids = watcher.ids()
    received = ids[: ids.index(last_id) + 1]
    assert len(set(received)) == len(received), "an event arrived twice"
    start = log.position(received[0])
    assert start <= first_change
    assert received == log.ids_from(start, last)
    seqs = [m.seq for m in watcher.events[: len(received)]]
    assert seqs == list(range(watcher.snapshot_seq + 1, watcher.snapshot_seq + 1 + len(received)))
    assert all(m.topic == "hall" for m in watcher.events)
    assert not [m for m in watcher.others if m.type == "error"]


async def all_once_in_order(watchers: list[Watcher], log: Log, first_change: int) -> None:
    """Every watcher got each change from `first_change` to the head once and in order; then they stop."""
    last = log.head()
    await until_received(watchers, log.ids_from(last, last)[0])
    for watcher in watchers:
        assert_exactly_once_in_order(watcher, log, first_change, last)
    for watcher in watchers:
        await watcher.stop()


def serve_some(clerk: HallClient, window: int, count: int = 3) -> None:
    for _ in range(count):
        clerk.call_next(window)
        clerk.window_op(window, "start")
        clerk.window_op(window, "complete")


def kiosk_tickets(base: str, token: str, count: int, category: str = "SOCIAL") -> list[int]:
    with HallClient(base, token) as kiosk:
        return [kiosk.issue_ticket(IssueTicketRequest(category_code=category)).id for _ in range(count)]


# --- (a) two servers in this process ----------------------------------------------------------------------


def test_two_servers_on_one_database_each_client_gets_every_change_once_in_order(pg_url, tmp_path, clock):
    settings = make_settings(pg_url, tmp_path)
    a = start_server(settings, clock)
    b = start_server(settings, clock)
    log = Log(pg_url)
    try:
        hall = seed_hall(a.state.uow)
        for server in (a, b):
            server.state.publisher.wait_idle()

        async def scenario() -> None:
            watchers = [Watcher(s.ws_url, hall.tokens["manager"]) for s in (a, b, a, b, a, b)]
            for watcher in watchers:
                await watcher.start()
            first_change = log.head() + 1

            def through_a() -> None:
                with HallClient(a.base_url, hall.tokens["clerk1"]) as clerk:
                    clerk.window_op(1, "open")
                    kiosk_tickets(a.base_url, hall.tokens["kiosk"], 6)
                    serve_some(clerk, 1)

            def through_b() -> None:
                with HallClient(b.base_url, hall.tokens["clerk2"]) as clerk:
                    clerk.window_op(2, "open")
                    kiosk_tickets(b.base_url, hall.tokens["kiosk"], 6, "ENTERPRISE")
                    serve_some(clerk, 2)

            await asyncio.gather(asyncio.to_thread(through_a), asyncio.to_thread(through_b))

            # Both listen connections are cut (a database restart, a proxy's idle timeout) while more
            # changes are made: each listener reconnects and reads what was committed meanwhile.
            assert log.scalar(TERMINATE_LISTENERS) == 2

            def more_through(server: RunningServer, window: int, category: str) -> None:
                kiosk_tickets(server.base_url, hall.tokens["kiosk"], 3, category)
                with HallClient(server.base_url, hall.tokens[f"clerk{window}"]) as clerk:
                    serve_some(clerk, window, 2)

            await asyncio.gather(
                asyncio.to_thread(more_through, a, 1, "SOCIAL"),
                asyncio.to_thread(more_through, b, 2, "ENTERPRISE"),
            )
            await all_once_in_order(watchers, log, first_change)

        asyncio.run(scenario())
        assert all(s.state.listener is not None and s.state.listener.reconnects >= 1 for s in (a, b))
    finally:
        a.stop()
        b.stop()
        log.close()


# --- real server processes --------------------------------------------------------------------------------


def seeded(pg_url: str, tmp_path: Path) -> SeededHall:
    state = build_state(make_settings(pg_url, tmp_path))
    hall = seed_hall(state.uow)
    state.engine.dispose()
    if state.read_engine is not None:
        state.read_engine.dispose()
    return hall


def server_env(pg_url: str, tmp_path: Path) -> dict[str, str]:
    return {**cli_env(pg_url, tmp_path), "YIMEN_LOG_LEVEL": "WARNING", "YIMEN_SWEEP_SECONDS": "3600"}


def serve(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [YIMEN, "server", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, "the server exited"
        try:
            return httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(healthy, "the server to answer")
    return process, base


def end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def socket_owner(server_port: int, client_port: int, pids: set[int]) -> int | None:
    """Which of `pids` holds the server end of the TCP connection from `client_port`."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                cells = line.split()
                local, remote = cells[1], cells[2]
                if (
                    int(local.split(":")[1], 16) == server_port
                    and int(remote.split(":")[1], 16) == client_port
                ):
                    inode = cells[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if str(fd.readlink()) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


# --- (b) yimen server --workers 2 -------------------------------------------------------------------------


def test_workers_clients_spread_over_processes_see_every_change_once(pg_url, tmp_path):
    hall = seeded(pg_url, tmp_path)
    process, base = serve(server_env(pg_url, tmp_path), "--workers", "2")
    port = int(base.rsplit(":", 1)[1])
    ws_url = f"ws://127.0.0.1:{port}/ws"
    log = Log(pg_url)
    try:

        async def scenario() -> None:
            watchers: list[Watcher] = []
            owners: dict[int, list[Watcher]] = {}
            # keep connecting until clients sit on both workers (which one accepts is the kernel's choice)
            for _ in range(200):
                watcher = Watcher(ws_url, hall.tokens["manager"])
                await watcher.start()
                watchers.append(watcher)
                assert watcher.connection is not None
                owner = socket_owner(port, watcher.connection.local_address[1], children(process.pid))
                assert owner is not None
                owners.setdefault(owner, []).append(watcher)
                if len(owners) == 2 and len(watchers) >= 8:
                    break
                if len(owners) < 2:
                    await asyncio.sleep(0.05)
            assert len(owners) == 2, "every client landed on one worker"
            first_change = log.head() + 1

            def clerk(login: str, window: int, category: str) -> None:
                with HallClient(base, hall.tokens[login]) as staff:
                    staff.window_op(window, "open")
                    kiosk_tickets(base, hall.tokens["kiosk"], 5, category)
                    serve_some(staff, window)

            await asyncio.gather(
                asyncio.to_thread(clerk, "clerk1", 1, "SOCIAL"),
                asyncio.to_thread(clerk, "clerk2", 2, "ENTERPRISE"),
                asyncio.to_thread(clerk, "clerk3", 3, "ENTERPRISE"),
            )
            await all_once_in_order(watchers, log, first_change)

        asyncio.run(scenario())
    finally:
        end(process)
        log.close()


def test_sqlite_refuses_several_workers(tmp_path):
    env = cli_env(f"sqlite:///{tmp_path / 'hall.db'}", tmp_path)
    result = subprocess.run(
        [YIMEN, "server", "--port", str(free_port()), "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "SQLite" in result.stderr and "PostgreSQL" in result.stderr and "--workers 1" in result.stderr


def test_workers_whose_pools_exceed_max_connections_are_warned_about(pg_url, tmp_path):
    with create_engine(pg_url).connect() as connection:
        accepted = connection.execute(
            text(
                "SELECT current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
            )
        ).scalar_one()
    fits = make_settings(pg_url, tmp_path, db_pool_size=1, db_max_overflow=0)  # 3 connections a process
    assert connection_budget_warning(fits, 2) is None
    heavy = make_settings(pg_url, tmp_path, db_pool_size=accepted, db_max_overflow=0)
    warning = connection_budget_warning(heavy, 2)
    assert warning is not None
    assert f"最多需要 {2 * (2 * accepted + 1)} 个数据库连接" in warning and f"可用的 {accepted} 个" in warning
    assert connection_budget_warning(make_settings(f"sqlite:///{tmp_path / 'h.db'}", tmp_path), 1) is None


# --- (c) SIGKILL under load -------------------------------------------------------------------------------


class Kiosk:
    """Issues tickets through its server until told to stop; when its server is gone it goes to the other
    (as behind a load balancer) and repeats the request whose answer it never got, with the same key."""

    def __init__(self, bases: list[str], token: str, category: str) -> None:
        self.bases = bases
        self.token = token
        self.body = IssueTicketRequest(category_code=category).model_dump_json()
        self.keys: list[str] = []
        self.acknowledged: dict[str, tuple[int, str]] = {}  # key -> (ticket id, number)
        self.switched = 0

    def run(self, stop: threading.Event) -> None:
        at = 0
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                key = str(uuid.uuid4())
                self.keys.append(key)
                while True:
                    headers = {
                        "Authorization": f"Bearer {self.token}",
                        "Idempotency-Key": key,
                        "Content-Type": "application/json",
                    }
                    try:
                        response = http.post(
                            f"{self.bases[at]}/api/v1/tickets", content=self.body, headers=headers
                        )
                    except httpx.TransportError:
                        at = (at + 1) % len(self.bases)
                        self.switched += 1
                        time.sleep(0.05)
                        continue
                    if response.status_code >= 500 or response.status_code == 409:
                        time.sleep(0.05)
                        continue
                    assert response.status_code in (200, 201), response.text
                    ticket = response.json()
                    self.acknowledged[key] = (ticket["id"], ticket["number"])
                    break


class Follower:
    """A LiveFollower on `hall` that connects to its own server first and to the other after a drop."""

    def __init__(self, ws_urls: list[str], token: str) -> None:
        self.ws_urls = ws_urls
        self.token = token
        self.connections: list[tuple[str, LiveFeed]] = []
        self.messages: list[list[ServerMessage]] = []
        self.offline: list[str] = []
        self.stop = threading.Event()
        self.follower = LiveFollower(self._connect, self._on_message, self.offline.append, retry_seconds=0.1)
        self.thread = threading.Thread(target=self.follower.run, args=(self.stop,), daemon=True)

    def _connect(self) -> LiveFeed:
        url = self.ws_urls[min(len(self.connections), 1)]  # the first server, then the other
        feed = LiveFeed(url, self.token, ["hall"])
        self.connections.append((url, feed))
        self.messages.append([])
        return feed

    def _on_message(self, message: ServerMessage) -> None:
        self.messages[-1].append(message)

    def events(self, connection: int) -> list[str]:
        return [m.event.event_id for m in self.messages[connection] if isinstance(m, EventMessage)]

    def has(self, event_id: str) -> bool:
        return bool(self.messages) and event_id in self.events(len(self.messages) - 1)


def test_sigkill_one_of_two_servers_under_load(pg_url, tmp_path):
    hall = seeded(pg_url, tmp_path)
    env = server_env(pg_url, tmp_path)
    a, base_a = serve(env)
    b, base_b = serve(env)
    ws_a, ws_b = (base.replace("http://", "ws://") + "/ws" for base in (base_a, base_b))
    log = Log(pg_url)
    stop = threading.Event()
    try:
        with HallClient(base_a, hall.tokens["clerk1"]) as clerk:
            clerk.window_op(1, "open")
        followers = [Follower([ws_a, ws_b], hall.tokens["manager"]) for _ in range(3)]
        followers += [Follower([ws_b, ws_a], hall.tokens["manager"]) for _ in range(3)]
        for follower in followers:
            follower.thread.start()
        wait_for(lambda: all(f.messages and f.messages[0] for f in followers), "every snapshot")
        kiosks = [
            Kiosk([base_a, base_b], hall.tokens["kiosk"], "SOCIAL"),
            Kiosk([base_b, base_a], hall.tokens["kiosk"], "ENTERPRISE"),
            Kiosk([base_a, base_b], hall.tokens["kiosk"], "ENTERPRISE"),
            Kiosk([base_b, base_a], hall.tokens["kiosk"], "SOCIAL"),
        ]
        threads = [threading.Thread(target=k.run, args=(stop,), daemon=True) for k in kiosks]
        for thread in threads:
            thread.start()
        wait_for(lambda: sum(len(k.acknowledged) for k in kiosks) >= 30, "tickets before the kill")
        os.killpg(a.pid, signal.SIGKILL)
        a.wait(timeout=30)
        acknowledged_at_kill = sum(len(k.acknowledged) for k in kiosks)
        wait_for(
            lambda: sum(len(k.acknowledged) for k in kiosks) >= acknowledged_at_kill + 30, "tickets after"
        )
        stop.set()
        for thread in threads:
            thread.join(timeout=WAIT)
            assert not thread.is_alive()

        # every request was answered once and made one ticket; no number twice
        keys = [key for k in kiosks for key in k.keys]
        acknowledged = {key: t for k in kiosks for key, t in k.acknowledged.items()}
        assert set(acknowledged) == set(keys)
        assert sum(k.switched for k in kiosks) >= 1  # the kiosks of the killed server did move
        ids = [ticket_id for ticket_id, _ in acknowledged.values()]
        assert len(set(ids)) == len(ids)
        assert log.scalar("select count(*) from ticket") == len(ids)
        assert (
            log.scalar(
                "select count(*) from (select number from ticket group by number having count(*) > 1) d"
            )
            == 0
        )
        numbers = {number for _, number in acknowledged.values()}
        assert len(numbers) == len(ids)

        # the killed server's clients came back on the other one, from a snapshot; then every change once
        last = log.head()
        last_id = log.ids_from(last, last)[0]
        wait_for(lambda: all(f.has(last_id) for f in followers), "every client to see the last change")
        for follower in followers:
            follower.stop.set()
            follower.follower.reconnect()
        for follower in followers:
            follower.thread.join(timeout=WAIT)
        for n, follower in enumerate(followers):
            moved = n < 3
            assert len(follower.connections) == (2 if moved else 1), follower.offline
            if moved:
                assert follower.connections[1][0] == ws_b
            for connection, (_, feed) in enumerate(follower.connections):
                messages = follower.messages[connection]
                assert isinstance(messages[0], SnapshotMessage)
                assert feed.gaps == 0
                received = follower.events(connection)
                assert len(set(received)) == len(received), "an event arrived twice"
                if received:
                    positions = [log.position(e) for e in received]
                    assert positions == sorted(positions)
            # on the connection that lasted, exactly the log from its first event to the end
            received = follower.events(len(follower.connections) - 1)
            start = log.position(received[0])
            assert received[: received.index(last_id) + 1] == log.ids_from(start, last)
    finally:
        stop.set()
        end(a)
        end(b)
        log.close()
