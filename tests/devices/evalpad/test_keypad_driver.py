"""The real keypad driver against the simulated keypad over a pty (HallBus/1)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from devices.errors import DeviceTimeout
from devices.evalpad.keypad import KeypadRater
from devices.evalpad.keypad_commands import KeypadState
from devices.evalpad.keypad_sim import KeypadSim
from devices.evalpad.rating import RatingLevel, Staff
from devices.evalpad.script import VisitorScript, parse_action
from devices.hallbus.codec import Command
from devices.hallbus.master import HallBusMaster
from devices.transport import RunningSimulator, start_pty_simulator

STAFF = Staff("1024", "李四")


@dataclass
class KeypadRig:
    keypad: KeypadRater
    sim: KeypadSim
    running: RunningSimulator


@pytest.fixture
def rig(request: pytest.FixtureRequest) -> Iterator[KeypadRig]:
    presses = getattr(request, "param", "satisfied")
    sim = KeypadSim(4, visitor=VisitorScript([parse_action(w) for w in presses.split(",")], delay=0.15))
    running = start_pty_simulator(sim, name="test-keypad")
    master = HallBusMaster.open(running.endpoint, 9600)
    keypad = KeypadRater(master, 4, timeout=0.1, retries=2, poll_interval=0.03, grace_s=0.3)
    yield KeypadRig(keypad, sim, running)
    keypad.close()
    master.close()
    running.stop()


def test_the_visitor_presses_a_key(rig: KeypadRig) -> None:
    rating = rig.keypad.request_rating("A012", STAFF, timeout_s=2)
    assert rating is not None
    assert (rating.ticket_no, rating.level, rating.indicators) == ("A012", RatingLevel.SATISFIED, ())
    assert rig.sim.staff_shown == "1024 李*"  # the full name never leaves the hall PC


@pytest.mark.parametrize("rig", ["very_dissatisfied"], indirect=True)
def test_a_bad_rating_from_a_keypad_needs_detail_collected_elsewhere(rig: KeypadRig) -> None:
    rating = rig.keypad.request_rating("A013", STAFF, timeout_s=2)
    assert rating is not None and rating.level is RatingLevel.VERY_DISSATISFIED
    assert rating.needs_detail


@pytest.mark.parametrize("rig", ["none"], indirect=True)
def test_nobody_presses_within_the_timeout(rig: KeypadRig) -> None:
    started = time.monotonic()
    assert rig.keypad.request_rating("A014", STAFF, timeout_s=0.3) is None
    assert 0.3 <= time.monotonic() - started < 0.3 + 3  # the upper bound only against a hang
    assert rig.sim.state is KeypadState.TIMED_OUT


@pytest.mark.parametrize("rig", ["none"], indirect=True)
def test_cancel_from_another_thread(rig: KeypadRig) -> None:
    threading.Timer(0.1, rig.keypad.cancel).start()
    started = time.monotonic()
    assert rig.keypad.request_rating("A015", STAFF, timeout_s=5) is None
    assert time.monotonic() - started < 1
    assert rig.sim.state is KeypadState.CANCELLED


@pytest.mark.parametrize("rig", ["satisfied,none"], indirect=True)
def test_a_retransmitted_request_does_not_restart_the_rating(rig: KeypadRig) -> None:
    rig.sim.faults.crc = 1  # the ACK of REQUEST_RATING is corrupted: the master sends the request again
    rating = rig.keypad.request_rating("A016", STAFF, timeout_s=1)
    assert rating is not None  # a restarted request would have taken the script's next action: nobody presses
    requests = [f for f in rig.sim.transcript.frames("rx") if f.command == Command.REQUEST_RATING]
    assert len(requests) == 2
    assert any(note.startswith("repeat of seq") for note in rig.sim.transcript.notes())


def test_a_keypad_that_does_not_answer_is_a_device_timeout(rig: KeypadRig) -> None:
    rig.sim.faults.silent = 3
    with pytest.raises(DeviceTimeout):
        rig.keypad.request_rating("A017", STAFF, timeout_s=2)


def test_status(rig: KeypadRig) -> None:
    status = rig.keypad.status()
    assert status.connected and status.model == "YM-KEY5-SIM"
    assert status.detail == "state IDLE"
    rig.sim.faults.silent = 3
    assert not rig.keypad.status().connected


def test_two_ratings_in_a_row_follow_the_script() -> None:
    sim = KeypadSim(4, visitor=VisitorScript([RatingLevel.BASIC_SATISFIED, "none"], delay=0.05))
    running = start_pty_simulator(sim)
    master = HallBusMaster.open(running.endpoint, 9600)
    keypad = KeypadRater(master, 4, timeout=0.1, poll_interval=0.02, grace_s=0.2)
    try:
        first = keypad.request_rating("A018", STAFF, timeout_s=1)
        assert first is not None and first.level is RatingLevel.BASIC_SATISFIED
        assert keypad.request_rating("A019", STAFF, timeout_s=0.2) is None
    finally:
        master.close()
        running.stop()
