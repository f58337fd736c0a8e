"""The hall's sender against receivers it did not write (standards.md §6.4): whatever dialect they answer
in, every event arrives once and in order, a refused event is a dead letter with the receiver's words,
and an answer nobody can read is retried a bounded number of times with its reason on the sync status,
never resent forever."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from hall_server.client import HallClient
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.queue import IssueTicketRequest
from hall_server.contract.sync import TargetStatus
from hall_server.events.service import record
from hall_server.sync import service
from hall_server.sync.models import Delivery
from tests.conftest import RunningServer, make_settings, start_server
from tests.factories import SeededHall, seed_hall
from tests.sync.foreign import ForeignReceiver
from tests.sync.processes import wait_for

BAD = "BAD-EVENT-马"
RFC3339_MS_0800 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00")


@dataclass
class Setup:
    server: RunningServer
    hall: SeededHall
    receiver: ForeignReceiver

    def deliveries(self) -> list[Delivery]:
        with self.server.state.factory() as session:
            return list(session.scalars(select(Delivery).order_by(Delivery.event_pk)))

    def statuses(self) -> dict[str, str]:
        return {row.event_id: row.status for row in self.deliveries()}

    def sync_status(self) -> TargetStatus:
        return self.server.state.uow.read(lambda ctx: service.status(ctx, ctx.targets))[0]

    def settled(self) -> bool:
        return all(status in ("DONE", "DUPLICATE", "DEAD") for status in self.statuses().values())


@pytest.fixture
def foreign(database_url, tmp_path, clock, monkeypatch, request) -> Iterator[Setup]:
    dialect, *options = request.param
    receiver = ForeignReceiver(dialect, bad_marker=BAD).start()
    monkeypatch.setenv("YIMEN_TEST_FOREIGN_SECRET", "not-checked-by-this-receiver")
    settings = make_settings(
        database_url,
        tmp_path,
        sync_idle_seconds=0.05,
        sync_probe_seconds=0.1,
        sync_backoff_base_seconds=0.05,
        sync_backoff_cap_seconds=0.2,
        sync_unreadable_limit=3,
        sync_targets=[
            {
                "name": "province",
                "kind": "hall-sync-rest",
                "url": receiver.url,
                "app_id": "HALL-X",
                "secret_env": "YIMEN_TEST_FOREIGN_SECRET",
                "batch_size": 10,
                **dict(options),
            }
        ],
    )
    server = start_server(settings, clock)
    try:
        yield Setup(server, seed_hall(server.state.uow), receiver)
    finally:
        server.stop()
        receiver.stop()


def morning(setup: Setup, tickets: int = 12) -> None:
    """Tickets issued, called, served: several events per ticket, many tickets at once."""
    with HallClient(setup.server.base_url, setup.hall.tokens["kiosk"]) as kiosk:
        for n in range(tickets):
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL" if n % 2 else "ENTERPRISE"))
    with HallClient(setup.server.base_url, setup.hall.tokens["clerk2"]) as clerk:
        clerk.window_op(2, "open")
        for _ in range(tickets // 2):
            clerk.call_next(2)
            clerk.window_op(2, "start")
            clerk.window_op(2, "complete")


def appointment_events(setup: Setup, key: str, notes: list[str]) -> list[str]:
    """Events of one appointment aggregate, in order, with the given notes (one of them may be BAD)."""
    types = [EventType.APPOINTMENT_BOOKED] + [EventType.APPOINTMENT_RESCHEDULED] * (len(notes) - 1)
    ids = []
    for event_type, note in zip(types, notes, strict=True):
        ids.append(
            setup.server.state.uow.run(
                lambda ctx, t=event_type, n=note: (
                    record(ctx, t, AggregateType.APPOINTMENT, key, {"note": n}).event_id
                )
            )
        )
    return ids


def assert_all_stored_once_in_order(setup: Setup) -> None:
    with setup.server.state.factory() as session:
        hall_events = {
            row.event_id: (row.aggregate_key, row.aggregate_seq) for row in session.scalars(select(Delivery))
        }
    stored = [e["event_id"] for e in setup.receiver.stored]
    assert len(stored) == len(set(stored)), "stored twice"
    assert set(stored) == set(hall_events)
    last: dict[str, int] = {}
    for event_id in stored:
        key, seq = hall_events[event_id]
        assert seq == last.get(key, 0) + 1, f"{key} out of order"
        last[key] = seq


@pytest.mark.parametrize("foreign", [("numeric",), ("status_only",), ("singles_only",)], indirect=True)
def test_every_event_arrives_once_in_order_whatever_the_dialect(foreign: Setup):
    morning(foreign)
    wait_for(lambda: foreign.settled() and foreign.statuses(), 30, "every event settled")
    assert set(foreign.statuses().values()) == {"DONE"}
    assert_all_stored_once_in_order(foreign)
    assert foreign.receiver.duplicates == 0  # never sent again once answered
    status = foreign.sync_status()
    assert (status.backlog, status.dead, status.oldest_error) == (0, 0, "")
    for event in foreign.receiver.stored:  # standards.md §7.1: +08:00 with milliseconds
        assert RFC3339_MS_0800.fullmatch(event["occurred_at"]), event["occurred_at"]
        assert RFC3339_MS_0800.fullmatch(event["recorded_at"]), event["recorded_at"]


@pytest.mark.parametrize("foreign", [("singles_only",)], indirect=True)
def test_a_receiver_without_batches_is_sent_one_by_one_after_one_try(foreign: Setup):
    morning(foreign)
    wait_for(foreign.settled, 30, "every event settled")
    assert foreign.receiver.requests["batch"] <= 2  # learnt once per sender thread, not per round
    assert foreign.receiver.requests["single"] >= len(foreign.receiver.stored)


@pytest.mark.parametrize("foreign", [("whole_batch_refused",)], indirect=True)
def test_one_bad_event_never_dead_letters_the_good_ones_beside_it(foreign: Setup):
    good = [appointment_events(foreign, f"A-{n}", ["ok", "ok again"]) for n in range(4)]
    bad = appointment_events(foreign, "A-BAD", ["ok", BAD, "after the bad one"])
    foreign.server.state.worker.wake()  # type: ignore[union-attr]
    wait_for(lambda: foreign.statuses().get(bad[1]) == "DEAD", 30, "the bad event refused")
    wait_for(lambda: all(foreign.statuses()[e] == "DONE" for ids in good for e in ids), 30, "the good ones")
    statuses = foreign.statuses()
    assert statuses[bad[0]] == "DONE"
    assert statuses[bad[2]] in ("PENDING", "RETRY")  # held behind the refused one: order is never broken
    dead = foreign.server.state.uow.read(
        lambda ctx: [(row.event_id, row.last_error) for row in service.dead_letters(ctx)]
    )
    assert dead == [(bad[1], "HTTP 422")]


@pytest.mark.parametrize("foreign", [("numeric",)], indirect=True)
def test_a_refusal_in_the_receivers_numbers_is_a_dead_letter(foreign: Setup):
    ids = appointment_events(foreign, "A-1", ["ok", BAD])
    foreign.server.state.worker.wake()  # type: ignore[union-attr]
    wait_for(lambda: foreign.statuses().get(ids[1]) == "DEAD", 30, "refused")
    assert foreign.statuses()[ids[0]] == "DONE"
    assert foreign.sync_status().dead == 1


@pytest.mark.parametrize("foreign", [("gateway_page",)], indirect=True)
def test_an_answer_nobody_can_read_is_retried_a_bounded_number_of_times(foreign: Setup, clock):
    ids = appointment_events(foreign, "A-1", ["ok"])

    def tried_once() -> bool:
        return foreign.statuses()[ids[0]] in ("RETRY", "DEAD")

    wait_for(tried_once, 30, "a first answer")
    status = foreign.sync_status()
    if status.backlog:  # caught while it is still retried: the reason is on the status already
        assert status.oldest_error.startswith("unreadable answer: HTTP 302")

    def dead() -> bool:
        clock.advance(seconds=1)  # the hall's clock: backoffs come due
        return foreign.statuses()[ids[0]] == "DEAD"

    wait_for(dead, 30, "a dead letter after the limit")
    row = next(row for row in foreign.deliveries() if row.event_id == ids[0])
    assert row.last_error.startswith("UNREADABLE_ANSWER after 3 answers: unreadable answer: HTTP 302")
    assert row.attempts == 3  # bounded: YIMEN_SYNC_UNREADABLE_LIMIT
    requests = sum(foreign.receiver.requests.values())
    clock.advance(minutes=30)
    time.sleep(1.0)  # a window in which a looping sender would have sent again
    assert sum(foreign.receiver.requests.values()) == requests  # no silent loop afterwards
    assert foreign.receiver.stored == []


@pytest.mark.parametrize("foreign", [("unauthorised",)], indirect=True)
def test_refused_credentials_are_retried_and_shown_at_once(foreign: Setup):
    ids = appointment_events(foreign, "A-1", ["ok"])
    wait_for(lambda: foreign.statuses()[ids[0]] == "RETRY", 30, "a retry")
    status = foreign.sync_status()
    assert status.oldest_error == "HTTP 401: SIGN_ERROR: 签名错误"
    assert status.dead == 0  # it will heal when the secret is fixed: never a dead letter


@pytest.mark.parametrize("foreign", [("throttled",)], indirect=True)
def test_retry_after_is_honoured(foreign: Setup, clock):
    ids = appointment_events(foreign, "A-1", ["ok"])
    wait_for(lambda: foreign.statuses()[ids[0]] == "RETRY", 30, "a retry")
    row = next(row for row in foreign.deliveries() if row.event_id == ids[0])
    assert row.next_attempt_at >= clock.now() + timedelta(seconds=119)
    assert foreign.sync_status().oldest_error == "HTTP 429: too many requests"
