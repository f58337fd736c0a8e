"""Background work done once when several processes run it at the same moment.

Each "process" here is a state of its own built on the same database (its own engines, pools and, on
SQLite, write gate), as `yimen server --workers N` or servers on several machines would have; threads
released together by a barrier run the same periodic job at once. On PostgreSQL their transactions really
overlap; on SQLite they meet at the database's write lock, as separate processes do. A lock held by a
connection that dies, and a lease held by a `yimen sync` process killed with SIGKILL, are taken over.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import create_engine, func, literal_column, select, text

from hall_server.alerts import thresholds
from hall_server.alerts.models import Alert
from hall_server.app import AppState, build_state, check_alerts
from hall_server.appointments import service as appointments
from hall_server.contract.alerts import ThresholdIn
from hall_server.contract.appointments import BookRequest, SlotIn
from hall_server.contract.evaluation_rules import DefaultRuleIn
from hall_server.contract.events import EventType
from hall_server.contract.queue import Channel, IssueTicketRequest
from hall_server.core import locks
from hall_server.core.config import Settings
from hall_server.core.context import UnitOfWork
from hall_server.core.errors import Unavailable
from hall_server.evaluation import rules
from hall_server.evaluation.models import Evaluation
from hall_server.events.models import Event
from hall_server.queueing import day, tickets, windows
from hall_server.sync import service as sync_service
from hall_server.sync.models import Delivery
from hall_server.sync.targets import build_target
from hall_server.sync.targets.front_table import exchange
from hall_server.sync.worker import DeliveryWorker
from tests.conftest import START, cli_env, make_settings
from tests.factories import citizen_id, person, seed_hall
from tests.sync.processes import YIMEN, wait_for

PROCESSES = 4
T = TypeVar("T")


@pytest.fixture
def exchange_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/exchange.db"


@pytest.fixture
def hall_settings(database_url: str, tmp_path: Path, exchange_url: str) -> Settings:
    return make_settings(
        database_url,
        tmp_path,
        sync_targets=[{"name": "exchange", "kind": "front-table", "url": exchange_url, "batch_size": 5}],
        sync_idle_seconds=0.1,
        sync_probe_seconds=0.1,
    )


@pytest.fixture
def processes(hall_settings: Settings, clock) -> Iterator[list[AppState]]:
    """PROCESSES states on one database, the first seeded with a hall; workers built, not started."""
    states = [build_state(hall_settings, clock) for _ in range(PROCESSES)]
    seed_hall(states[0].uow)
    yield states
    for state in states:
        if state.worker is not None:
            state.worker.stop()
        state.engine.dispose()
        if state.read_engine is not None:
            state.read_engine.dispose()


def all_at_once(states: list[AppState], job: Callable[[AppState], T]) -> list[T | None]:
    """Run `job` in every state at the same moment (a barrier releases them together). None for a state
    that found the database busy (SQLite's write lock held by the other "processes" past its busy timeout
    on a loaded machine): the server's loop logs that and tries again at its next round, as tests do.
    PostgreSQL never answers busy."""
    barrier = threading.Barrier(len(states))

    def run(state: AppState) -> T | None:
        barrier.wait(timeout=30)
        try:
            return job(state)
        except Unavailable as busy:
            assert busy.code == "DATABASE_BUSY" and state.engine.dialect.name == "sqlite"
            return None

    with ThreadPoolExecutor(len(states)) as pool:
        return list(pool.map(run, states))


def events_of(uow: UnitOfWork, event_type: EventType) -> Counter[str]:
    """How many events of a type each aggregate got."""
    rows = uow.read(
        lambda ctx: ctx.session.execute(
            select(Event.aggregate_id).where(Event.event_type == event_type.value)
        ).all()
    )
    return Counter(aggregate_id for (aggregate_id,) in rows)


def serve(uow: UnitOfWork, count: int) -> None:
    """`count` visitors served at window 1 (each leaves an evaluation opportunity)."""
    request = IssueTicketRequest(category_code="SOCIAL")
    uow.run(lambda ctx: windows.open_window(ctx, 1))
    for _ in range(count):
        uow.run(lambda ctx: tickets.issue_ticket(ctx, request, Channel.WINDOW))
        uow.run(lambda ctx: (windows.call_next(ctx, 1), windows.complete(ctx, 1)))


# --- periodic jobs under advisory locks ----------------------------------------------------------------


def test_the_day_sweep_run_by_every_process_at_once_cancels_and_expires_each_thing_once(processes, clock):
    uow = processes[0].uow
    request = IssueTicketRequest(category_code="SOCIAL")
    ticket_ids = uow.run(
        lambda ctx: [tickets.issue_ticket(ctx, request, Channel.WINDOW).id for _ in range(30)]
    )
    ten = START.replace(hour=10)
    slot = uow.run(
        lambda ctx: appointments.create_slot(
            ctx, SlotIn(category_code="SOCIAL", start=ten, end=ten + timedelta(minutes=30), capacity=5)
        )
    )
    assert slot is not None
    booked = [
        uow.run(
            lambda ctx, n=n: (
                appointments.book(
                    ctx, BookRequest(slot_id=slot.id, identity=person(citizen_id(f"3401021990030712{n}")))
                ).id
            )
        )
        for n in range(3)
    ]
    clock.advance(days=1)

    results = [r for r in all_at_once(processes, lambda state: day.sweep_once(state.uow)) if r]
    results.append(day.sweep_once(uow))  # the next round (nothing left, unless a process found it busy)

    assert sum(r["stale_tickets"] for r in results) == 30
    assert sum(r["appointments_no_show"] for r in results) == 3
    assert events_of(uow, EventType.TICKET_CANCELLED) == Counter({str(i): 1 for i in ticket_ids})
    assert events_of(uow, EventType.APPOINTMENT_NO_SHOW) == Counter({str(i): 1 for i in booked})
    again = [r for r in all_at_once(processes, lambda state: day.sweep_once(state.uow)) if r]
    assert again and all(not any(r.values()) for r in again)


def test_default_evaluations_run_by_every_process_at_once_rate_each_service_once(processes, clock):
    uow = processes[0].uow
    uow.run(lambda ctx: rules.save_rule(ctx, DefaultRuleIn(enabled=True, after_days=1)))
    serve(uow, 12)
    clock.advance(days=1)

    defaulted = all_at_once(processes, lambda state: rules.sweep_once(state.uow))
    next_round = rules.sweep_once(uow)  # nothing left, unless a process found the database busy

    assert sum(d or 0 for d in defaulted) + next_round == 12
    assert events_of(uow, EventType.EVALUATION_DEFAULTED).total() == 12
    per_opportunity = uow.read(
        lambda ctx: ctx.session.execute(
            select(Evaluation.opportunity_id, func.count()).group_by(Evaluation.opportunity_id)
        ).all()
    )
    assert len(per_opportunity) == 12 and {count for _, count in per_opportunity} == {1}


def test_alerts_evaluated_by_every_process_at_once_are_raised_once(processes, clock):
    uow = processes[0].uow
    uow.run(lambda ctx: thresholds.save_threshold(ctx, "SOCIAL", ThresholdIn(max_waiting=2)))
    uow.run(lambda ctx: thresholds.save_threshold(ctx, "hall", ThresholdIn(max_wait_seconds=600)))
    request = IssueTicketRequest(category_code="SOCIAL")
    uow.run(lambda ctx: [tickets.issue_ticket(ctx, request, Channel.WINDOW) for _ in range(3)])
    clock.advance(minutes=11)

    raised = [result.raised for result in all_at_once(processes, check_alerts) if result]
    raised.append(check_alerts(processes[0]).raised)  # the next check: nothing new

    assert sum(raised) == 2  # too many waiting, waited too long: each once, whichever process saw it
    opened = uow.read(
        lambda ctx: ctx.session.scalars(select(Alert.key).where(Alert.cleared_at.is_(None))).all()
    )
    assert len(opened) == 2 and len(set(opened)) == 2
    assert events_of(uow, EventType.ALERT_RAISED).total() == 2


@pytest.mark.postgres
def test_a_job_lock_held_by_a_connection_that_dies_is_free_again(pg_url, tmp_path, clock):
    """A process killed inside the day sweep: its connection ends, and with it the lock. The sweep meanwhile
    skips (another process is on it), and an alert evaluation waits its turn rather than skipping."""
    state = build_state(make_settings(pg_url, tmp_path), clock)
    seed_hall(state.uow)
    request = IssueTicketRequest(category_code="SOCIAL")
    state.uow.run(lambda ctx: [tickets.issue_ticket(ctx, request, Channel.WINDOW) for _ in range(3)])
    state.uow.run(lambda ctx: thresholds.save_threshold(ctx, "SOCIAL", ThresholdIn(max_waiting=2)))
    engine = create_engine(pg_url)
    dying = engine.connect()
    dying.begin()
    pid = dying.execute(text("select pg_backend_pid()")).scalar()
    for job in (locks.DAY_SWEEP, locks.ALERT_EVALUATION):
        dying.execute(text("select pg_advisory_xact_lock(:key)"), {"key": locks.lock_key(job)})
    try:
        with ThreadPoolExecutor(1) as pool:
            evaluation = pool.submit(check_alerts, state)
            wait_for(lambda: _waiting_for_advisory_lock(engine), 20, "the evaluation to wait for the lock")
            assert not evaluation.done()
            clock.advance(days=1)
            assert day.sweep_once(state.uow)["stale_tickets"] == 0  # held elsewhere: skipped, not waited for
            clock.advance(days=-1)
            with engine.connect() as other:  # the holder's process is killed: its connection ends
                other.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})
            assert evaluation.result(timeout=30).raised == 1
        clock.advance(days=1)
        assert day.sweep_once(state.uow)["stale_tickets"] == 3
    finally:
        dying.invalidate()
        engine.dispose()
        state.engine.dispose()
        if state.read_engine is not None:
            state.read_engine.dispose()


def _waiting_for_advisory_lock(engine: Any) -> bool:
    with engine.connect() as connection:
        waiting = connection.execute(
            text("select count(*) from pg_locks where locktype = 'advisory' and not granted")
        ).scalar()
    return bool(waiting)


# --- the delivery stream under a lease -----------------------------------------------------------------


def test_racing_processes_take_a_lease_once(processes):
    owners = all_at_once(
        processes,
        lambda state: (
            state.uow.run(lambda ctx: locks.take_lease(ctx, "sync:exchange", str(id(state)), 60)),
            str(id(state)),
        ),
    )
    winners = [taken[1] for taken in owners if taken and taken[0]]
    assert len(winners) == 1
    assert processes[0].uow.read(lambda ctx: locks.lease_holder(ctx, "sync:exchange")) == winners[0]


def exchange_rows(url: str) -> list[dict[str, Any]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        order = literal_column("rowid")
        rows = [dict(r._mapping) for r in connection.execute(select(exchange).order_by(order))]
    engine.dispose()
    return rows


def delivery_statuses(uow: UnitOfWork) -> Counter[str]:
    return Counter(uow.read(lambda ctx: ctx.session.scalars(select(Delivery.status)).all()))


def assert_each_event_once_in_order(uow: UnitOfWork, exchange_url: str, expected: int) -> None:
    rows = exchange_rows(exchange_url)
    assert len(rows) == expected == len({r["event_id"] for r in rows})
    by_aggregate = defaultdict(list)
    for row in rows:  # in the order they arrived
        by_aggregate[(row["aggregate_type"], row["aggregate_id"])].append(row["aggregate_seq"])
    for seqs in by_aggregate.values():
        assert seqs == list(range(1, len(seqs) + 1))
    assert delivery_statuses(uow) == Counter({"DONE": expected})  # never sent twice (no DUPLICATE)


def test_delivery_workers_of_every_process_deliver_each_event_once_in_order(processes, exchange_url):
    uow = processes[0].uow
    serve(uow, 6)  # a backlog waits when the workers start
    workers = [state.worker for state in processes]
    assert all(workers)
    all_at_once(processes, lambda state: state.worker.start())  # type: ignore[union-attr]
    serve(uow, 6)  # and more comes while they run
    expected = sum(delivery_statuses(uow).values())
    wait_for(lambda: delivery_statuses(uow) == Counter({"DONE": expected}), 60, "every event delivered")

    assert_each_event_once_in_order(uow, exchange_url, expected)
    sent = [worker.attempted for worker in workers]  # type: ignore[union-attr]
    assert sorted(sent) == [0] * (PROCESSES - 1) + [expected]  # one process delivered, the rest stood by
    owner = uow.read(lambda ctx: locks.lease_holder(ctx, sync_service.stream_lease("exchange")))
    assert owner == workers[sent.index(expected)].owner  # type: ignore[union-attr]


def test_a_stream_passes_on_when_its_owner_stops_or_its_lease_expires(processes, clock, hall_settings):
    first, second = (DeliveryWorker(state.uow) for state in processes[:2])
    for worker in (first, second):
        worker.targets = [build_target(config) for config in hall_settings.targets()]
    target_of = {id(w): w.targets[0] for w in (first, second)}
    uow = processes[0].uow
    serve(uow, 1)
    assert first.run_once(target_of[id(first)]) > 0
    serve(uow, 1)
    assert second.run_once(target_of[id(second)]) == 0  # the first owns the stream: stand by
    clock.advance(seconds=hall_settings.sync_lease_seconds - 1)
    assert second.run_once(target_of[id(second)]) == 0
    clock.advance(seconds=2)  # the first fell silent (killed) and its lease ran out
    assert second.run_once(target_of[id(second)]) > 0
    assert first.run_once(target_of[id(first)]) == 0  # back from a pause: no longer the owner
    second.stop()  # a stop gives the stream back at once
    serve(uow, 1)
    assert first.run_once(target_of[id(first)]) > 0
    first.stop()


def test_a_killed_yimen_sync_process_leaves_the_stream_to_another_worker(
    database_url, tmp_path, exchange_url
):
    """Real processes and the real clock: `yimen sync` owns the stream and is killed with SIGKILL; the
    worker of another process takes the stream over once the lease has run out and delivers the rest."""
    settings = make_settings(
        database_url,
        tmp_path,
        sync_targets=[{"name": "exchange", "kind": "front-table", "url": exchange_url, "batch_size": 5}],
        sync_idle_seconds=0.1,
        sync_lease_seconds=2.0,
    )
    state = build_state(settings)  # the real clock, as the `yimen sync` process has
    seed_hall(state.uow)
    env = {
        **cli_env(database_url, tmp_path),
        "YIMEN_SYNC_TARGETS": json.dumps([t.model_dump(mode="json") for t in settings.targets()]),
        "YIMEN_SYNC_IDLE_SECONDS": "0.1",
        "YIMEN_SYNC_LEASE_SECONDS": "2",
        "YIMEN_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "sync.log").open("ab")
    sync = subprocess.Popen([YIMEN, "sync"], env=env, stdout=log, stderr=subprocess.STDOUT)
    lease = sync_service.stream_lease("exchange")
    try:
        serve(state.uow, 2)
        first = sum(delivery_statuses(state.uow).values())
        wait_for(
            lambda: delivery_statuses(state.uow) == Counter({"DONE": first}), 60, "yimen sync to deliver"
        )
        holder = state.uow.read(lambda ctx: locks.lease_holder(ctx, lease))
        assert holder is not None and f":{sync.pid}:" in holder
        sync.send_signal(signal.SIGKILL)
        sync.wait(timeout=30)
        serve(state.uow, 2)
        assert state.worker is not None
        state.worker.start()
        expected = sum(delivery_statuses(state.uow).values())
        wait_for(lambda: delivery_statuses(state.uow) == Counter({"DONE": expected}), 60, "the takeover")
        assert state.uow.read(lambda ctx: locks.lease_holder(ctx, lease)) == state.worker.owner
        assert_each_event_once_in_order(state.uow, exchange_url, expected)
    finally:
        if sync.poll() is None:
            sync.kill()
            sync.wait(timeout=30)
        log.close()
        if state.worker is not None:
            state.worker.stop()
        state.engine.dispose()
        if state.read_engine is not None:
            state.read_engine.dispose()
