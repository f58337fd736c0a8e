"""The scripted pad follows the EvalPad/1 rules, seen from a raw socket: what a tablet app must do too."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from devices.evalpad.jsonpad_sim import ScriptedPad
from devices.transport import RunningSimulator, parse_device_url, start_tcp_simulator


class RawHall:
    """The hall's side written by hand: one JSON line out, one JSON line in."""

    def __init__(self, endpoint: str) -> None:
        url = parse_device_url(endpoint)
        self.sock = socket.create_connection((url.target, url.port or 0), timeout=2)
        self.reader = self.sock.makefile("rb")

    def send(self, **message: object) -> None:
        self.sock.sendall(json.dumps({"v": 1, **message}).encode() + b"\n")

    def send_raw(self, line: bytes) -> None:
        self.sock.sendall(line)

    def receive(self) -> dict[str, object]:
        line = self.reader.readline()
        assert line, "the pad closed the connection"
        message: dict[str, object] = json.loads(line)
        return message

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


REQUEST = {
    "ticket_no": "A012",
    "window_no": "5",
    "staff": {"staff_id": "1024", "name": "李*"},
    "timeout_s": 5,
}


@pytest.fixture
def pad() -> Iterator[tuple[ScriptedPad, RunningSimulator]]:
    scripted = ScriptedPad.from_options({"press": "satisfied,none", "delay": "0.05"})
    running = start_tcp_simulator(scripted)
    yield scripted, running
    running.stop()


def test_hello_ack_result_and_an_unacked_result_comes_again(
    pad: tuple[ScriptedPad, RunningSimulator],
) -> None:
    _, running = pad
    hall = RawHall(running.endpoint)
    assert hall.receive()["type"] == "hello"
    hall.send(type="rate.request", id="r-1", **REQUEST)
    assert hall.receive() == {"v": 1, "type": "ack", "id": "r-1"}
    result = hall.receive()
    assert (result["type"], result["id"], result["level"]) == ("rate.result", "r-1", "SATISFIED")
    hall.close()  # gone before acking the result

    hall = RawHall(running.endpoint)
    assert hall.receive()["type"] == "hello"
    assert hall.receive() == result  # on connect: every final the hall has not acked
    hall.send(type="rate.request", id="r-1", **REQUEST)
    assert hall.receive() == result  # a finished id asked again: its final again
    hall.send(type="ack", id="r-1")
    hall.close()

    hall = RawHall(running.endpoint)
    assert hall.receive()["type"] == "hello"
    hall.send(type="ping", id="p-1")
    assert hall.receive() == {"v": 1, "type": "pong", "id": "p-1"}  # nothing is pending any more
    hall.close()


def test_a_new_request_replaces_an_open_one(pad: tuple[ScriptedPad, RunningSimulator]) -> None:
    scripted, running = pad
    scripted.visitor.actions = ["none"]
    hall = RawHall(running.endpoint)
    hall.receive()
    hall.send(type="rate.request", id="r-1", **REQUEST)
    assert hall.receive()["type"] == "ack"
    hall.send(type="rate.request", id="r-1", **REQUEST)
    assert hall.receive() == {"v": 1, "type": "ack", "id": "r-1"}  # an open id asked again: acked again
    hall.send(type="rate.request", id="r-2", **REQUEST)
    assert hall.receive() == {"v": 1, "type": "rate.cancelled", "id": "r-1", "by": "replaced"}
    assert hall.receive() == {"v": 1, "type": "ack", "id": "r-2"}
    hall.send(type="rate.cancel", id="r-2")
    assert hall.receive() == {"v": 1, "type": "rate.cancelled", "id": "r-2", "by": "hall"}
    hall.close()


def test_the_pad_answers_invalid_lines_with_errors(pad: tuple[ScriptedPad, RunningSimulator]) -> None:
    _, running = pad
    hall = RawHall(running.endpoint)
    hall.receive()
    hall.send_raw(b"hello?\n")
    error = hall.receive()
    assert (error["type"], error["code"]) == ("error", "invalid")
    hall.send(type="rate.request", id="r-9", **{**REQUEST, "timeout_s": -1})
    error = hall.receive()
    assert (error["id"], error["code"]) == ("r-9", "invalid")
    assert "timeout_s" in str(error["message"])
    hall.close()
