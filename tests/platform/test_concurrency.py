"""Two receivers on one database, many senders at once: the same event arriving concurrently is stored
once, and an aggregate's events are applied strictly in seq order whatever order they race in."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.platform.helpers import SignedClient, envelope

SENDERS = 8


@pytest.fixture
def clients(start):
    """SENDERS signed clients, spread over two receiver processes' worth of servers on the same database."""
    first, second = start(), start()
    made = [
        SignedClient((first, second)[i % 2].base_url, ("HALL-A", "HALL-B")[i % 2]) for i in range(SENDERS)
    ]
    yield made
    for client in made:
        client.close()


def test_same_event_sent_concurrently_is_stored_once(clients):
    for round_no in range(10):
        event = envelope(f"t-race-{round_no}", 1)
        barrier = threading.Barrier(len(clients), timeout=10)

        def send(client: SignedClient, event=event, barrier=barrier) -> str:
            barrier.wait()
            return client.results(client.post_event(event))[0].outcome.value

        with ThreadPoolExecutor(len(clients)) as pool:
            statuses = Counter(pool.map(send, clients, timeout=60))
        assert statuses == {"accepted": 1, "duplicate": len(clients) - 1}, statuses
        stored = clients[0].aggregate("ticket", f"t-race-{round_no}")
        assert [e["event_id"] for e in stored["events"]] == [event["event_id"]]
    stats = clients[0].stats()
    assert (stats["accepted"], stats["duplicates"]) == (10, 10 * (len(clients) - 1))


def test_racing_senders_apply_an_aggregate_in_order(clients):
    events = [envelope("t-order", seq) for seq in range(1, 31)]
    answers: Counter[str] = Counter()
    lock = threading.Lock()

    def sender(client: SignedClient, seed: int) -> None:
        rng = random.Random(seed)
        pending = list(events)
        for _ in range(2000):  # bounded: each pass delivers at least the next seq
            if not pending:
                return
            batch = rng.sample(pending, min(len(pending), rng.randint(1, 4)))
            results = client.results(client.post_batch(batch))
            with lock:
                answers.update(r.outcome.value for r in results)
            done = {r.event_id for r in results if r.outcome.value in ("accepted", "duplicate")}
            pending = [e for e in pending if e["event_id"] not in done]
        raise AssertionError(f"sender did not finish: {answers}")

    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(sender, clients, range(len(clients)), timeout=120))

    stored = clients[0].aggregate("ticket", "t-order")["events"]
    assert [e["seq"] for e in stored] == list(range(1, 31))
    assert [e["event_id"] for e in stored] == [e["event_id"] for e in events]
    arrivals = [e["arrival"] for e in stored]
    assert arrivals == sorted(arrivals)  # applied in seq order
    assert answers["accepted"] == 30 and answers["rejected"] == 0
    assert answers["retry"] > 0  # the race was real: events arrived ahead of their turn
