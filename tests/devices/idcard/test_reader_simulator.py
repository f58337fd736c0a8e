"""The real driver against the simulator over a pty pair, with every fault the simulator can inject."""

from __future__ import annotations

import dataclasses
import time

import pytest
import serial

from devices.errors import DeviceTimeout, DeviceUnavailable
from devices.idcard import protocol
from devices.idcard.cards import CARDS, SimCard, sim_card
from devices.idcard.errors import (
    CardReadError,
    CardSelectError,
    FrameChecksumError,
    IdNumberError,
    SamUnusableError,
)
from devices.idcard.layouts import IdCardData, encode_card
from devices.idcard.protocol import PREAMBLE, Sw3
from devices.idcard.reader import SamReader, SamStatus
from devices.idcard.simulator import DEFAULT_SAM_ID, Faults, IdCardSimulator
from devices.transport import start_tcp_simulator

from .conftest import MakeRig, Rig


def read_placed_card(reader: SamReader, *, with_fingerprint: bool = False) -> IdCardData:
    assert reader.find_card()
    reader.select_card()
    return reader.read_card(with_fingerprint=with_fingerprint)


def test_sam_status_and_id(rig: Rig) -> None:
    assert rig.reader.sam_status() is SamStatus.OK
    assert rig.reader.sam_id() == DEFAULT_SAM_ID
    assert protocol.format_sam_id(rig.reader.sam_id()) == "05.01-20230615-0000123456-0987654321"


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (Sw3.SAM_SELFTEST_FAILED, SamStatus.SELFTEST_FAILED, "IDCARD_SAM_SELFTEST_FAILED"),
        (Sw3.SAM_UNAUTHORISED, SamStatus.UNAUTHORISED, "IDCARD_SAM_UNAUTHORISED"),
    ],
)
def test_a_failed_sam_is_reported_and_refuses_commands(
    make_rig: MakeRig, fault: Sw3, status: SamStatus, code: str
) -> None:
    rig = make_rig("resident_male", faults=Faults(sam=fault))
    assert rig.reader.sam_status() is status
    with pytest.raises(SamUnusableError) as caught:
        rig.reader.find_card()
    assert caught.value.code == code


@pytest.mark.parametrize("name", sorted(CARDS))
def test_each_card_type_is_read_through_the_wire(make_rig: MakeRig, name: str) -> None:
    rig = make_rig(name)
    card = read_placed_card(rig.reader)
    assert card == dataclasses.replace(CARDS[name], fingerprint=None)
    assert [request.command for request in rig.simulator.requests()] == [
        protocol.FIND,
        protocol.SELECT,
        protocol.READ,
    ]
    read_response = rig.simulator.tx_bytes()[-1295:]
    assert read_response[:14] == bytes.fromhex("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    assert read_response[14:270] == encode_card(CARDS[name])


def test_read_with_fingerprint(make_rig: MakeRig) -> None:
    rig = make_rig("resident_minority")
    card = read_placed_card(rig.reader, with_fingerprint=True)
    assert card == CARDS["resident_minority"]
    assert rig.simulator.requests()[-1].command == protocol.READ_WITH_FINGERPRINT
    assert len(rig.simulator.tx_bytes()) == 15 + 19 + 2321


def test_read_with_fingerprint_of_a_card_without_one(make_rig: MakeRig) -> None:
    rig = make_rig("resident_male")
    card = read_placed_card(rig.reader, with_fingerprint=True)
    assert card == CARDS["resident_male"]
    assert rig.simulator.tx_bytes()[-1297:][:16] == bytes.fromhex(
        "AA AA AA 96 69 05 0A 00 00 90 01 00 04 00 00 00"
    )


def test_appended_address(make_rig: MakeRig) -> None:
    with_address = make_rig("resident_minority")
    read_placed_card(with_address.reader)
    assert with_address.reader.read_new_address() == "新疆维吾尔自治区乌鲁木齐市天山区示例路8号"
    without = make_rig("resident_male")
    read_placed_card(without.reader)
    assert without.reader.read_new_address() is None


def test_no_card(rig: Rig) -> None:
    assert rig.reader.find_card() is False
    with pytest.raises(CardSelectError) as caught:
        rig.reader.select_card()
    assert caught.value.code == "IDCARD_SELECT_FAILED"


def test_read_failure_then_success(make_rig: MakeRig) -> None:
    rig = make_rig("resident_male", faults=Faults(read_failures=1))
    with pytest.raises(CardReadError) as caught:
        read_placed_card(rig.reader)
    assert caught.value.code == "IDCARD_READ_FAILED"
    assert caught.value.sw3 == Sw3.READ_FAILED
    assert read_placed_card(rig.reader) == CARDS["resident_male"]


def test_corrupt_checksum_is_detected_and_the_next_command_works(make_rig: MakeRig) -> None:
    rig = make_rig("resident_male")
    assert rig.reader.find_card()
    rig.reader.select_card()
    rig.faults.corrupt_responses = 1
    with pytest.raises(FrameChecksumError) as caught:
        rig.reader.read_card()
    assert caught.value.code == "IDCARD_FRAME_CHECKSUM"
    assert rig.reader.read_card() == CARDS["resident_male"]


def test_noise_before_the_preamble_is_skipped(make_rig: MakeRig) -> None:
    rig = make_rig("foreign_pr_2023", faults=Faults(garbage_responses=3, garbage_size=40))
    assert read_placed_card(rig.reader) == CARDS["foreign_pr_2023"]
    sent = rig.simulator.tx_bytes()
    assert not sent.startswith(PREAMBLE)
    assert sent.index(PREAMBLE) == 40


def test_responses_written_byte_by_byte(make_rig: MakeRig) -> None:
    rig = make_rig("hmt_permit", faults=Faults(chunk_size=1))
    assert read_placed_card(rig.reader) == CARDS["hmt_permit"]
    pieces = [data for direction, data in rig.simulator.transcript if direction == "tx"]
    assert len(pieces) == 15 + 19 + 1295
    assert {len(piece) for piece in pieces} == {1}


def test_a_delay_within_the_timeout_is_waited_for(make_rig: MakeRig) -> None:
    rig = make_rig(faults=Faults(delay=0.15))
    assert rig.reader.sam_status() is SamStatus.OK


def test_a_delay_beyond_the_timeout_is_a_timeout(make_rig: MakeRig) -> None:
    rig = make_rig(faults=Faults(delay=0.45))
    with pytest.raises(DeviceTimeout) as caught:
        rig.reader.sam_status()
    assert caught.value.code == "IDCARD_NO_ANSWER"
    deadline = time.monotonic() + 1
    while not rig.simulator.tx_bytes() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rig.simulator.tx_bytes()  # the late answer is on the line: to be flushed, not taken as the next
    rig.faults.delay = 0
    assert rig.reader.sam_id() == DEFAULT_SAM_ID


def test_a_silent_reader_times_out(make_rig: MakeRig) -> None:
    rig = make_rig(faults=Faults(mute=True))
    started = time.monotonic()
    with pytest.raises(DeviceTimeout):
        rig.reader.find_card()
    assert time.monotonic() - started < 0.5


def test_unplug_is_device_unavailable(make_rig: MakeRig) -> None:
    rig = make_rig("resident_male")
    assert rig.reader.find_card()
    rig.running.unplug()
    with pytest.raises(DeviceUnavailable) as caught:
        rig.reader.select_card()
    assert caught.value.code == "IDCARD_UNAVAILABLE"
    assert not rig.reader.is_open  # dropped, so that watch() reopens the path (see test_polling)


def test_a_bad_card_number_is_refused(make_rig: MakeRig) -> None:
    bad = dataclasses.replace(CARDS["resident_male"], id_number="110101199003076510")
    rig = make_rig(SimCard.of(bad))
    with pytest.raises(IdNumberError) as caught:
        read_placed_card(rig.reader)
    assert caught.value.code == "IDCARD_NUMBER_CHECKSUM"


def test_baud_change_is_honoured_by_both_ends(make_rig: MakeRig) -> None:
    rig = make_rig(pace=True)
    rig.reader.set_baud(9600)
    assert rig.simulator.baud == 9600
    assert rig.reader.baud == 9600
    started = time.monotonic()
    rig.reader.sam_id()
    # request 10 + response 27 bytes at 9600 baud: 38.5 ms on the line (3.2 ms at 115200)
    assert time.monotonic() - started >= protocol.wire_seconds(37, 9600)
    rig.reader.set_baud(115200)
    assert rig.simulator.baud == 115200
    assert rig.simulator.requests()[0].command == protocol.Cmd(0x60, 0x04)


def test_paced_read_takes_at_least_the_wire_time(make_rig: MakeRig) -> None:
    rig = make_rig("resident_male", pace=True)
    assert rig.reader.find_card()
    rig.reader.select_card()
    started = time.monotonic()
    rig.reader.read_card()
    assert time.monotonic() - started >= protocol.wire_seconds(10 + 1295, 115200)


def test_reset_and_rf_frame_size(make_rig: MakeRig) -> None:
    rig = make_rig("resident_male")
    rig.reader.set_rf_frame_size(0x50)
    assert bytes.fromhex("AA AA AA 96 69 00 04 61 FF 50 CA") in rig.simulator.rx_bytes()
    assert rig.reader.find_card()
    rig.reader.select_card()
    rig.reader.reset()  # forgets the selection: a read now fails
    with pytest.raises(CardReadError):
        rig.reader.read_card()


def test_simulator_answers_bad_frames_like_a_reader(rig: Rig) -> None:
    with serial.Serial(rig.running.endpoint, timeout=0.3) as port:
        port.write(bytes.fromhex("AA AA AA 96 69 00 03 20 01 21"))  # wrong CHK
        assert port.read(11) == protocol.encode_response(Sw3.HOST_CHECKSUM)
        port.write(protocol.encode_request(protocol.Cmd(0x7E, 0x01)))
        assert port.read(11) == protocol.encode_response(Sw3.HOST_COMMAND)
        port.write(protocol.encode_request(protocol.FIND, b"\x00"))
        assert port.read(11) == protocol.encode_response(Sw3.HOST_LENGTH)
        port.write(protocol.encode_request(protocol.SET_RF_FRAME_SIZE))
        assert port.read(11) == protocol.encode_response(Sw3.HOST_LENGTH)


def test_driver_over_tcp(make_rig: MakeRig) -> None:
    simulator = IdCardSimulator(sim_card("foreign_pr_old"), pace=False)
    running = start_tcp_simulator(simulator, "idcard-tcp")
    port = running.endpoint.replace("tcp://", "socket://")
    try:
        with SamReader(port, timeout=0.3, read_timeout=0.5) as reader:
            assert read_placed_card(reader) == CARDS["foreign_pr_old"]
    finally:
        running.stop()
