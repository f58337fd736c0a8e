"""Delivery as the hall's worker does it: single events and batches, duplicates, gaps, conflicts."""

from __future__ import annotations

from hall_server.contract.events import AggregateType, EventType
from hall_server.core.ids import uuid7
from tests.platform.helpers import SignedClient, envelope


def test_single_event_is_accepted_stored_and_queryable(client: SignedClient):
    event = envelope("t1", 1, event_type=EventType.TICKET_ISSUED)
    results = client.results(client.post_event(event))
    assert [(r.event_id, r.outcome.value, r.code) for r in results] == [(event["event_id"], "accepted", "")]

    stored = client.aggregate("ticket", "t1")
    assert stored["last_seq"] == 1
    [row] = stored["events"]
    assert (row["event_id"], row["seq"], row["event_type"], row["app_id"]) == (
        event["event_id"], 1, "queue.ticket.issued", "HALL-A",
    )  # fmt: skip
    assert row["envelope"] == event
    assert row["local_day"] == "2026-11-25"


def test_batch_applies_in_order_across_aggregates(client: SignedClient):
    t1 = [envelope("t1", seq) for seq in (1, 2, 3)]
    t2 = [envelope("t2", seq) for seq in (1, 2)]
    appointment = envelope(
        "a9", 1, event_type=EventType.APPOINTMENT_BOOKED, aggregate_type=AggregateType.APPOINTMENT
    )
    # Interleaved: a later event of an aggregate follows its predecessor in the same batch.
    statuses = client.deliver(t1[0], t2[0], t1[1], appointment, t2[1], t1[2])
    assert statuses == ["accepted"] * 6
    assert [e["seq"] for e in client.aggregate("ticket", "t1")["events"]] == [1, 2, 3]
    assert [e["event_id"] for e in client.aggregate("ticket", "t2")["events"]] == [e["event_id"] for e in t2]
    arrivals = [e["arrival"] for e in client.aggregate("ticket", "t1")["events"]]
    assert arrivals == sorted(arrivals) and len(set(arrivals)) == 3


def test_duplicates_count_as_delivered_and_are_stored_once(client: SignedClient):
    first, second = envelope("t1", 1), envelope("t1", 2)
    assert client.deliver(first, second) == ["accepted", "accepted"]
    assert client.results(client.post_event(first))[0].outcome.value == "duplicate"
    assert client.deliver(first, second, first) == ["duplicate", "duplicate", "duplicate"]
    # The same event twice in one new batch: the second copy is a duplicate of the first.
    third = envelope("t1", 3)
    assert client.deliver(third, third) == ["accepted", "duplicate"]
    assert len(client.aggregate("ticket", "t1")["events"]) == 3
    stats = client.stats()
    assert (stats["accepted"], stats["duplicates"]) == (3, 5)
    assert stats["apps"]["HALL-A"] == {"accepted": 3, "duplicate": 5, "rejected": 0, "retry": 0}


def test_gap_answers_retry_with_the_expected_seq_then_fills(client: SignedClient):
    events = [envelope("case-gap", seq) for seq in (1, 2, 3, 4)]
    assert client.deliver(events[0]) == ["accepted"]
    results = client.results(client.post_batch([events[2], events[3]]))
    assert [(r.outcome.value, r.code, r.expected_seq) for r in results] == [
        ("retry", "SEQUENCE_GAP", 2),
        ("retry", "SEQUENCE_GAP", 2),
    ]
    assert "expected seq 2" in results[0].message
    assert client.aggregate("ticket", "case-gap")["last_seq"] == 1
    assert client.deliver(events[1], events[2], events[3]) == ["accepted"] * 3
    assert [e["seq"] for e in client.aggregate("ticket", "case-gap")["events"]] == [1, 2, 3, 4]
    assert client.stats()["retries"] == 2


def test_first_event_must_be_seq_1(client: SignedClient):
    [result] = client.results(client.post_event(envelope("t-late", 3)))
    assert (result.outcome.value, result.code, result.expected_seq) == ("retry", "SEQUENCE_GAP", 1)
    assert client.aggregate("ticket", "t-late") == {
        "type": "ticket",
        "id": "t-late",
        "last_seq": 0,
        "events": [],
    }


def test_allow_mid_stream_accepts_any_first_seq(start):
    platform = start(allow_mid_stream=True)
    client = SignedClient(platform.base_url)
    assert client.deliver(envelope("t-mid", 7), envelope("t-mid", 8)) == ["accepted", "accepted"]
    assert client.deliver(envelope("t-mid", 10))[0] == "retry"
    assert client.results(client.post_event(envelope("t-mid", 8)))[0].code == "SEQUENCE_CONFLICT"
    client.close()


def test_sequence_conflict_is_rejected(client: SignedClient):
    assert client.deliver(envelope("t1", 1), envelope("t1", 2)) == ["accepted", "accepted"]
    [result] = client.results(client.post_event(envelope("t1", 2)))
    assert (result.outcome.value, result.code) == ("rejected", "SEQUENCE_CONFLICT")
    assert "/" in result.message and "序号" in result.message
    assert [e["seq"] for e in client.aggregate("ticket", "t1")["events"]] == [1, 2]
    assert client.stats()["rejected"] == 1


def test_event_id_reused_for_another_event_is_rejected(client: SignedClient):
    first = envelope("t1", 1)
    assert client.deliver(first) == ["accepted"]
    other_aggregate = {**envelope("t2", 1), "event_id": first["event_id"]}
    other_seq = {**envelope("t1", 2), "event_id": first["event_id"]}
    results = client.results(client.post_batch([other_aggregate, other_seq]))
    assert [(r.outcome.value, r.code) for r in results] == [("rejected", "EVENT_ID_REUSED")] * 2
    assert client.aggregate("ticket", "t2")["events"] == []


def test_single_endpoint_checks_the_idempotency_key(client: SignedClient):
    event = envelope("t1", 1)
    [result] = client.results(client.post_event(event, idempotency_key=uuid7()))
    assert (result.outcome.value, result.code) == ("rejected", "IDEMPOTENCY_KEY_MISMATCH")
    [result] = client.results(client.post_event(event, idempotency_key=""))
    assert result.code == "IDEMPOTENCY_KEY_MISMATCH"
    assert client.results(client.post_event(event))[0].outcome.value == "accepted"


def test_apps_are_counted_apart(platform, client: SignedClient):
    other = SignedClient(platform.base_url, "HALL-B")
    assert client.deliver(envelope("t1", 1)) == ["accepted"]
    assert other.deliver(envelope("t2", 1), envelope("t2", 2)) == ["accepted", "accepted"]
    stats = other.stats()
    assert stats["accepted"] == 3 and stats["aggregates"] == 2
    assert (stats["apps"]["HALL-A"]["accepted"], stats["apps"]["HALL-B"]["accepted"]) == (1, 2)
    assert client.aggregate("ticket", "t2")["events"][0]["app_id"] == "HALL-B"
    other.close()
