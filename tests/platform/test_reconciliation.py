"""The query API the hall's reconciliation uses: per local day (Asia/Shanghai) a count and the SM3 hash of
the event ids, which must equal wire.day_hash of what the hall sent for that day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hall_server.sync import wire
from tests.platform.helpers import SHANGHAI, SignedClient, envelope


def test_day_summary_hash_equals_day_hash_of_what_was_sent(client: SignedClient):
    # 23:59 and 00:01 Shanghai time straddle midnight; 16:30Z is 00:30 the next day in Shanghai.
    day_one = [
        envelope(f"t{i}", 1, occurred_at=datetime(2026, 11, 25, 8 + i, 0, tzinfo=SHANGHAI)) for i in range(5)
    ]
    day_one.append(envelope("late", 1, occurred_at=datetime(2026, 11, 25, 23, 59, tzinfo=SHANGHAI)))
    day_two = [
        envelope("late", 2, occurred_at=datetime(2026, 11, 26, 0, 1, tzinfo=SHANGHAI)),
        envelope("utc", 1, occurred_at=datetime(2026, 11, 25, 16, 30, tzinfo=UTC)),
        envelope(
            "other-zone", 1, occurred_at=datetime(2026, 11, 26, 1, 0, tzinfo=timezone(timedelta(hours=9)))
        ),
    ]
    assert client.deliver(*day_one, *day_two) == ["accepted"] * 9

    one = client.day("2026-11-25")
    assert (one.count, one.hash, one.event_ids) == (6, wire.day_hash([e["event_id"] for e in day_one]), None)
    two = client.day("2026-11-26", ids=True)
    sent_two = sorted(e["event_id"] for e in day_two)
    assert (two.count, two.hash, two.event_ids) == (3, wire.day_hash(sent_two), sent_two)
    empty = client.day("2026-11-27", ids=True)
    assert (empty.count, empty.hash, empty.event_ids) == (0, wire.day_hash([]), [])

    # Duplicates and rejections change nothing; a gap filled later lands in its own day.
    assert client.deliver(day_one[0], envelope("t0", 3)) == ["duplicate", "retry"]
    assert client.day("2026-11-25").hash == one.hash


def test_other_time_zone_moves_the_day_boundary(start):
    platform = start(tz=ZoneInfo("UTC"))
    client = SignedClient(platform.base_url)
    event = envelope("t1", 1, occurred_at=datetime(2026, 11, 26, 0, 30, tzinfo=SHANGHAI))
    assert client.deliver(event) == ["accepted"]
    assert client.day("2026-11-25", ids=True).event_ids == [event["event_id"]]
    assert client.day("2026-11-26").count == 0
    client.close()


def test_aggregate_events_after_seq(client: SignedClient):
    events = [envelope("t1", seq) for seq in (1, 2, 3)]
    client.deliver(*events)
    response = client.send(
        "GET", wire.AGGREGATE_PATH.format(type="ticket", id="t1"), params={"after_seq": "1"}
    )
    body = response.json()
    assert (body["last_seq"], [e["seq"] for e in body["events"]]) == (3, [2, 3])
