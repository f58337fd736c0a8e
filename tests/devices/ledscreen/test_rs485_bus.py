"""RS-485 addressing: several simulated devices on one line, one real master.

A pty has two ends, so `HallBusLine` plays the shared pair of wires from the master end: every byte the master
sends reaches every device, every reply reaches the master and the other devices. Two devices that answer the
same frame collide (their bytes are ORed), which is what a wrong address setting does to a real bus.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from devices.errors import DeviceTimeout, ProtocolError
from devices.evalpad.keypad import KeypadRater
from devices.evalpad.keypad_sim import KeypadSim
from devices.evalpad.rating import RatingLevel, Staff
from devices.evalpad.script import VisitorScript
from devices.hallbus.codec import Command
from devices.hallbus.master import HallBusMaster
from devices.hallbus.simulator import HallBusDeviceSim, HallBusLine
from devices.ledscreen.driver import LedScreen
from devices.ledscreen.simulator import LedScreenSim
from devices.transport import RunningSimulator, start_pty_simulator


def start_line(*devices: HallBusDeviceSim) -> tuple[HallBusLine, RunningSimulator, HallBusMaster]:
    line = HallBusLine(devices)
    running = start_pty_simulator(line, name="test-rs485")
    return line, running, HallBusMaster.open(running.endpoint, 9600)


@pytest.fixture
def window_line() -> Iterator[tuple[LedScreenSim, KeypadSim, HallBusLine, HallBusMaster]]:
    screen = LedScreenSim(3)
    keypad = KeypadSim(4, visitor=VisitorScript([RatingLevel.VERY_SATISFIED], delay=0.1))
    line, running, master = start_line(screen, keypad)
    yield screen, keypad, line, master
    master.close()
    running.stop()


def test_each_device_answers_its_own_address_only(window_line) -> None:
    screen_sim, keypad_sim, line, master = window_line
    screen = LedScreen(master, 3, timeout=0.1)
    keypad = KeypadRater(master, 4, timeout=0.1, poll_interval=0.03)
    screen.show("请 A012 号")
    rating = keypad.request_rating("A012", Staff("1024", "李四"), timeout_s=2)
    assert rating is not None and rating.level is RatingLevel.VERY_SATISFIED
    assert screen_sim.shown_text(0) == "请 A012 号"
    assert keypad_sim.ticket_no == "A012"
    assert screen.identify().type_name == "LED_SCREEN"
    assert keypad.identify().type_name == "KEYPAD_RATER"
    assert line.collisions == 0
    assert master.stats.retransmissions == 0
    # The screen heard the keypad's replies on the wire and did not answer them.
    heard_by_screen = screen_sim.transcript.frames("rx")
    assert any(frame.address == 4 and frame.is_reply for frame in heard_by_screen)
    assert all(frame.address == 3 for frame in screen_sim.transcript.frames("tx"))


def test_nobody_answers_an_address_that_is_not_on_the_line(window_line) -> None:
    _, _, _, master = window_line
    with pytest.raises(DeviceTimeout):
        master.transact(9, Command.STATUS, timeout=0.05, retries=1)


def test_a_broadcast_reaches_every_device_and_nobody_replies(window_line) -> None:
    screen_sim, keypad_sim, _, master = window_line
    second_screen = LedScreen(master, 3, timeout=0.1)
    second_screen.show("暂停服务")
    master.broadcast(Command.CLEAR)
    deadline = time.monotonic() + 1
    while screen_sim.shown_text(0) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert screen_sim.shown_text(0) == ""
    # The keypad does not know CLEAR, but a broadcast is never answered, not even with a NAK.
    assert not [f for f in keypad_sim.transcript.frames("tx") if f.request_command == Command.CLEAR]


def test_two_devices_set_to_the_same_address_collide() -> None:
    # Different states, so their STATUS answers differ and garble each other (identical bytes would not).
    line, running, master = start_line(LedScreenSim(3, line_count=1), LedScreenSim(3, line_count=2))
    try:
        with pytest.raises((ProtocolError, DeviceTimeout)):
            master.transact(3, Command.STATUS, timeout=0.05, retries=1)
        assert line.collisions >= 1
    finally:
        master.close()
        running.stop()
