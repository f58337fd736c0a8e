"""The real screen driver against the simulated screen over a pty, with every fault the simulator injects."""

from __future__ import annotations

import time

import pytest

from devices.errors import DeviceTimeout, DeviceUnavailable, ProtocolError
from devices.hallbus.codec import Command, Result
from devices.hallbus.master import NakError
from devices.ledscreen.commands import DisplayMode, ShownLine

from .conftest import TEST_TIMEOUT, ScreenRig


def test_show_text_is_what_the_screen_shows(rig: ScreenRig) -> None:
    rig.screen.show("请 A012 号")
    rig.screen.show("欢迎光临", line=1, mode="scroll")
    assert rig.sim.lines == [ShownLine("请 A012 号"), ShownLine("欢迎光临", DisplayMode.SCROLL)]
    status = rig.screen.status()
    assert status.lines == (ShownLine("请 A012 号"), ShownLine("欢迎光临", DisplayMode.SCROLL))
    assert status.text(0) == "请 A012 号"
    assert status.fault is False


def test_clear_and_brightness(rig: ScreenRig) -> None:
    rig.screen.show("请 A012 号")
    rig.screen.set_brightness(8)
    rig.screen.clear()
    status = rig.screen.status()
    assert [line.text for line in status.lines] == ["", ""]
    assert status.brightness == 8


def test_identify(rig: ScreenRig) -> None:
    identity = rig.screen.identify()
    assert (identity.type_name, identity.model, identity.firmware) == ("LED_SCREEN", "YM-LED-SIM", (1, 0))


def test_a_line_the_screen_does_not_have_is_nakked(rig: ScreenRig) -> None:
    with pytest.raises(NakError) as nak:
        rig.screen.show("第三行", line=2)
    assert nak.value.result == Result.BAD_PARAM
    assert nak.value.message == "设备拒绝了命令：参数超出范围"


def test_a_command_for_keypads_is_unknown_to_a_screen(rig: ScreenRig) -> None:
    with pytest.raises(NakError) as nak:
        rig.screen.request(Command.CANCEL_RATING)
    assert nak.value.result == Result.UNKNOWN_COMMAND


def test_crc_error_is_retried_and_the_retry_is_answered_from_memory(rig: ScreenRig) -> None:
    rig.sim.faults.crc = 1
    rig.screen.show("请 A013 号")
    assert rig.sim.shown_text(0) == "请 A013 号"
    assert rig.screen.master.stats.retransmissions == 1
    assert rig.screen.master.crc_errors == 1
    notes = rig.sim.transcript.notes()
    assert "fault: broken CRC" in notes
    assert any(note.startswith("repeat of seq") for note in notes)  # executed once, answered twice
    show_requests = [f for f in rig.sim.transcript.frames("rx") if f.command == Command.SHOW_TEXT]
    assert len(show_requests) == 2
    assert show_requests[0] == show_requests[1]  # the same SEQ went out again


def test_every_reply_corrupted_is_a_protocol_error(rig: ScreenRig) -> None:
    rig.sim.faults.crc = 3
    with pytest.raises(ProtocolError) as error:
        rig.screen.clear()
    assert error.value.code == "HALLBUS_BAD_CRC"


def test_no_answer_is_a_device_timeout_after_bounded_retries(rig: ScreenRig) -> None:
    rig.sim.faults.silent = 3
    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as timeout:
        rig.screen.show("请 A014 号")
    elapsed = time.monotonic() - started
    assert timeout.value.code == "HALLBUS_NO_REPLY"
    assert "3 attempts" in timeout.value.detail
    assert 3 * TEST_TIMEOUT <= elapsed < 3 * TEST_TIMEOUT + 5  # the upper bound only against a hang
    rig.screen.show("请 A014 号")  # the device answers again once the fault has passed
    assert rig.sim.shown_text(0) == "请 A014 号"


def test_one_silent_request_is_retried(rig: ScreenRig) -> None:
    rig.sim.faults.silent = 1
    rig.screen.show("请 A015 号")
    assert rig.screen.master.stats.retransmissions == 1


def test_a_reply_from_another_address_is_ignored_and_retried(rig: ScreenRig) -> None:
    rig.sim.faults.wrong_addr = 1
    rig.screen.show("请 A016 号")
    assert rig.screen.master.stats.ignored_frames == 1
    assert rig.screen.master.stats.retransmissions == 1


def test_garbage_before_replies_and_byte_by_byte_replies(rig: ScreenRig) -> None:
    rig.sim.faults.garbage = 5
    rig.sim.faults.split = True
    for number in range(5):
        rig.screen.show(f"请 B{number:03d} 号")
    assert rig.screen.status().text(0) == "请 B004 号"


def test_unplugged_device_is_unavailable(rig: ScreenRig) -> None:
    rig.screen.show("请 A017 号")
    rig.running.unplug()
    with pytest.raises(DeviceUnavailable):
        rig.screen.show("请 A018 号")


def test_broadcast_is_executed_without_a_reply(rig: ScreenRig) -> None:
    rig.screen.show("请 A019 号")
    rig.screen.master.broadcast(Command.CLEAR)
    deadline = time.monotonic() + 1
    while rig.sim.shown_text(0) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rig.sim.shown_text(0) == ""
    assert not [f for f in rig.sim.transcript.frames("tx") if f.request_command == Command.CLEAR]
