"""The real tablet-pad driver against the scripted pad on loopback TCP (EvalPad/1), with its faults."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from devices.errors import DeviceTimeout, DeviceUnavailable
from devices.evalpad.jsonpad import JsonEvalPad, _LineSplitter, backoff_delays
from devices.evalpad.jsonpad_sim import ScriptedPad
from devices.evalpad.jsonwire import MAX_LINE, RateCancelled, RateTimeout
from devices.evalpad.rating import RatingLevel, Staff
from devices.transport import RunningSimulator, parse_device_url, start_tcp_simulator

STAFF = Staff("1024", "李四")
PadFactory = Callable[..., tuple[JsonEvalPad, ScriptedPad]]


@pytest.fixture
def pad_rig() -> Iterator[PadFactory]:
    opened: list[tuple[JsonEvalPad, RunningSimulator]] = []

    def make(
        driver_options: dict[str, float] | None = None, **pad_options: str
    ) -> tuple[JsonEvalPad, ScriptedPad]:
        pad = ScriptedPad.from_options({"delay": "0.1", **pad_options})
        running = start_tcp_simulator(pad, name="test-evalpad")
        url = parse_device_url(running.endpoint)
        assert url.port is not None
        options = {"ack_timeout": 0.5, "grace_s": 0.5, "backoff_min": 0.02, **(driver_options or {})}
        driver = JsonEvalPad(url.target, url.port, window_no="5", **options)  # type: ignore[arg-type]
        opened.append((driver, running))
        assert driver.wait_connected(2)
        return driver, pad

    yield make
    for driver, running in opened:
        driver.close()
        running.stop()


def sent_by_pad(pad: ScriptedPad, kind: str) -> list[dict[str, object]]:
    return [json.loads(line) for d, line in pad.transcript if d == "tx" and f'"type":"{kind}"' in line]


def received_by_pad(pad: ScriptedPad, kind: str) -> list[dict[str, object]]:
    return [
        json.loads(line.split("  # ")[0])
        for d, line in pad.transcript
        if d == "rx" and f'"type":"{kind}"' in line
    ]


def eventually(check: Callable[[], bool], timeout: float = 1.0) -> bool:
    """For what the other thread does after the call under test has returned (an ack on its way)."""
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.01)
    return check()


def test_the_visitor_rates(pad_rig: PadFactory) -> None:
    driver, pad = pad_rig(press="satisfied")
    rating = driver.request_rating("A012", STAFF, 2, matter="居住证签注")
    assert rating is not None
    assert (rating.ticket_no, rating.level, rating.comment, rating.indicators) == (
        "A012",
        RatingLevel.SATISFIED,
        "",
        (),
    )
    [request] = received_by_pad(pad, "rate.request")
    assert request["staff"] == {"staff_id": "1024", "name": "李*"}  # masked before it leaves the hall PC
    assert (request["window_no"], request["matter"], request["timeout_s"]) == ("5", "居住证签注", 2.0)
    assert eventually(
        lambda: [a["id"] for a in received_by_pad(pad, "ack")] == [request["id"]]
    )  # result acked


def test_a_bad_rating_carries_its_detail(pad_rig: PadFactory) -> None:
    driver, _ = pad_rig(press="very_dissatisfied")
    rating = driver.request_rating("A013", STAFF, 2)
    assert rating is not None
    assert (rating.level, rating.comment, rating.indicators) == (
        RatingLevel.VERY_DISSATISFIED,
        "等候时间太长",
        ("502",),
    )
    assert not rating.needs_detail


def test_nobody_rates_in_time(pad_rig: PadFactory) -> None:
    driver, pad = pad_rig(press="none")
    started = time.monotonic()
    assert driver.request_rating("A014", STAFF, 0.3) is None
    assert 0.3 <= time.monotonic() - started < 0.3 + 3  # the upper bound only against a hang
    assert isinstance(pad.finished[0], RateTimeout)


def test_the_visitor_closes_the_page(pad_rig: PadFactory) -> None:
    driver, pad = pad_rig(press="cancel")
    assert driver.request_rating("A015", STAFF, 2) is None
    assert pad.finished == [RateCancelled(pad.finished[0].id, "visitor")]


def test_the_hall_cancels_from_another_thread(pad_rig: PadFactory) -> None:
    driver, pad = pad_rig(press="none")
    threading.Timer(0.1, driver.cancel).start()
    started = time.monotonic()
    assert driver.request_rating("A016", STAFF, 5) is None
    assert time.monotonic() - started < 1
    assert pad.finished == [RateCancelled(pad.finished[0].id, "hall")]


def test_reconnects_after_a_dropped_connection_and_gets_the_rating(pad_rig: PadFactory) -> None:
    driver, pad = pad_rig(press="basic_satisfied", delay="0.3", drop="1")
    rating = driver.request_rating("A017", STAFF, 2)
    assert rating is not None and rating.level is RatingLevel.BASIC_SATISFIED
    assert pad.connections == 2 and driver.connects == 2
    requests = received_by_pad(pad, "rate.request")
    assert len(requests) == 2 and requests[0]["id"] == requests[1]["id"]  # the same request, sent again
    assert len(sent_by_pad(pad, "rate.result")) == 1


def test_a_result_given_while_disconnected_is_delivered_after_reconnecting(pad_rig: PadFactory) -> None:
    driver, pad = pad_rig({"backoff_min": 0.3}, press="satisfied", delay="0.05", drop="1")
    rating = driver.request_rating("A018", STAFF, 2)
    assert rating is not None and rating.level is RatingLevel.SATISFIED
    assert pad.connections == 2


def test_a_hung_pad_is_found_by_the_heartbeat_and_reconnected(pad_rig: PadFactory) -> None:
    driver, pad = pad_rig(
        {"heartbeat_s": 0.05, "dead_after_s": 0.3}, press="satisfied", delay="0.2", hang="1"
    )
    rating = driver.request_rating("A019", STAFF, 3)
    assert rating is not None
    assert pad.connections == 2
    assert "silent" in driver.last_error
    assert received_by_pad(pad, "ping")  # heartbeats went out while the pad was hung


def test_garbage_and_a_foreign_version_are_answered_with_errors(pad_rig: PadFactory) -> None:
    driver, pad = pad_rig(press="satisfied", garbage="1")
    assert driver.request_rating("A020", STAFF, 2) is not None
    assert eventually(lambda: len(received_by_pad(pad, "error")) == 2)
    assert {e["code"] for e in received_by_pad(pad, "error")} == {"invalid", "unsupported_version"}
    assert driver.errors_sent == 2


def test_a_bad_rating_without_detail_is_refused_and_then_completed(pad_rig: PadFactory) -> None:
    driver, pad = pad_rig(press="dissatisfied", invalid="1")
    rating = driver.request_rating("A021", STAFF, 2)
    assert rating is not None and rating.indicators == ("502",)
    [error] = received_by_pad(pad, "error")
    assert error["code"] == "invalid"
    assert "DISSATISFIED (不满意) needs at least one indicator code" in str(error["message"])


def test_a_pad_that_never_acks_is_a_device_timeout(pad_rig: PadFactory) -> None:
    driver, _ = pad_rig(silent="1")
    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as timeout:
        driver.request_rating("A022", STAFF, 5)
    assert timeout.value.code == "EVALPAD_NO_ACK"
    assert time.monotonic() - started < 1.5


def test_an_absent_pad_is_unavailable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    driver = JsonEvalPad("127.0.0.1", port, window_no="5", ack_timeout=0.3, backoff_min=0.02)
    try:
        with pytest.raises(DeviceUnavailable) as offline:
            driver.request_rating("A023", STAFF, 5)
        assert offline.value.code == "EVALPAD_OFFLINE"
        assert "connect failed" in driver.status().detail
        assert not driver.status().connected
    finally:
        driver.close()


def test_ping_and_status(pad_rig: PadFactory) -> None:
    driver, _ = pad_rig()
    assert 0 < driver.ping() < 0.5
    status = driver.status()
    assert (status.connected, status.pad_id, status.model) == (True, "SIM-PAD", "YM-PAD-SIM fw 1.0")


def test_requests_the_pad_would_refuse_are_refused_here() -> None:
    driver = JsonEvalPad("127.0.0.1", 9, backoff_min=1)
    try:
        with pytest.raises(ValueError, match="ticket_no"):
            driver.request_rating("A 12", STAFF, 5, window_no="5")
        with pytest.raises(ValueError, match="window_no"):
            driver.request_rating("A012", STAFF, 5)
    finally:
        driver.close()


def test_backoff_doubles_to_its_limit_with_jitter() -> None:
    delays = list(itertools.islice(backoff_delays(0.1, 5.0), 9))
    nominal = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
    for delay, expected in zip(delays, nominal, strict=True):
        assert expected * 0.8 <= delay <= expected * 1.2


def test_line_splitter_drops_an_overlong_line_and_keeps_the_next() -> None:
    splitter = _LineSplitter()
    assert splitter.feed(b'{"a":1}\r\n\n{"b"') == [b'{"a":1}']
    assert splitter.feed(b"x" * MAX_LINE) == []
    assert splitter.overflowed
    assert splitter.feed(b'yyy\n{"c":3}\n') == [b'{"c":3}']
