"""Frames against the verified byte vectors of devices.md Appendix A."""

from __future__ import annotations

import re

import pytest

from devices.errors import DeviceError
from devices.idcard import errors, protocol
from devices.idcard.protocol import CardRecord, CorruptFrame, Frame, FrameParser, Response, Sw3


def hexbytes(text: str) -> bytes:
    return bytes.fromhex(text)


REQUESTS = [
    (protocol.RESET, b"", "AA AA AA 96 69 00 03 10 FF EC"),
    (protocol.SAM_STATUS, b"", "AA AA AA 96 69 00 03 11 FF ED"),
    (protocol.SAM_ID, b"", "AA AA AA 96 69 00 03 12 FF EE"),
    (protocol.FIND, b"", "AA AA AA 96 69 00 03 20 01 22"),
    (protocol.SELECT, b"", "AA AA AA 96 69 00 03 20 02 21"),
    (protocol.READ, b"", "AA AA AA 96 69 00 03 30 01 32"),
    (protocol.READ_NEW_ADDRESS, b"", "AA AA AA 96 69 00 03 30 03 30"),
    (protocol.READ_WITH_FINGERPRINT, b"", "AA AA AA 96 69 00 03 30 10 23"),
    (protocol.set_baud_command(115200), b"", "AA AA AA 96 69 00 03 60 00 63"),
    (protocol.set_baud_command(57600), b"", "AA AA AA 96 69 00 03 60 01 62"),
    (protocol.set_baud_command(38400), b"", "AA AA AA 96 69 00 03 60 02 61"),
    (protocol.set_baud_command(19200), b"", "AA AA AA 96 69 00 03 60 03 60"),
    (protocol.set_baud_command(9600), b"", "AA AA AA 96 69 00 03 60 04 67"),
    (protocol.SET_RF_FRAME_SIZE, b"\x50", "AA AA AA 96 69 00 04 61 FF 50 CA"),
]

RESPONSES = [
    (Sw3.SUCCESS, b"", "AA AA AA 96 69 00 04 00 00 90 94"),
    (Sw3.SAM_SELFTEST_FAILED, b"", "AA AA AA 96 69 00 04 00 00 60 64"),
    (Sw3.FIND_OK, bytes(4), "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"),
    (Sw3.FIND_FAILED, b"", "AA AA AA 96 69 00 04 00 00 80 84"),
    (Sw3.SUCCESS, bytes(8), "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"),
    (Sw3.SELECT_FAILED, b"", "AA AA AA 96 69 00 04 00 00 81 85"),
    (Sw3.READ_FAILED, b"", "AA AA AA 96 69 00 04 00 00 41 45"),
]


@pytest.mark.parametrize(("command", "data", "expected"), REQUESTS)
def test_requests_match_appendix_a(command: protocol.Cmd, data: bytes, expected: str) -> None:
    assert protocol.encode_request(command, data) == hexbytes(expected)


@pytest.mark.parametrize(("command", "data", "wire"), REQUESTS)
def test_requests_parse_back(command: protocol.Cmd, data: bytes, wire: str) -> None:
    (frame,) = FrameParser().feed(hexbytes(wire))
    assert isinstance(frame, Frame)
    assert protocol.Request.from_frame(frame) == protocol.Request(command, data)


@pytest.mark.parametrize(("sw3", "data", "expected"), RESPONSES)
def test_responses_match_appendix_a(sw3: Sw3, data: bytes, expected: str) -> None:
    assert protocol.encode_response(sw3, data) == hexbytes(expected)
    (frame,) = FrameParser().feed(hexbytes(expected))
    assert isinstance(frame, Frame)
    assert Response.from_frame(frame) == Response(0, 0, sw3, data)


def read_frame(*, with_fingerprint: bool, fingerprint: bytes | None) -> bytes:
    record = CardRecord(bytes(range(256)), bytes(1024), fingerprint)
    return protocol.encode_response(
        Sw3.SUCCESS, protocol.encode_card_record(record, with_fingerprint=with_fingerprint)
    )


def test_read_response_is_1295_bytes_with_text_at_14_and_photo_at_270() -> None:
    frame = read_frame(with_fingerprint=False, fingerprint=None)
    assert len(frame) == 1295
    assert frame[:14] == hexbytes("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    assert frame[14:270] == bytes(range(256))
    assert frame[1294] == protocol.checksum(frame[5:1294])


def test_read_with_fingerprint_frames() -> None:
    without = read_frame(with_fingerprint=True, fingerprint=None)
    assert len(without) == 1297
    assert without[:16] == hexbytes("AA AA AA 96 69 05 0A 00 00 90 01 00 04 00 00 00")
    with_fp = read_frame(with_fingerprint=True, fingerprint=b"\x5a" * 1024)
    assert len(with_fp) == 2321
    assert with_fp[:16] == hexbytes("AA AA AA 96 69 09 0A 00 00 90 01 00 04 00 04 00")
    assert with_fp[1296:2320] == b"\x5a" * 1024


def test_card_record_round_trip_and_length_check() -> None:
    record = CardRecord(b"t" * 256, b"p" * 1024, b"f" * 1024)
    data = protocol.encode_card_record(record, with_fingerprint=True)
    assert protocol.decode_card_record(data, with_fingerprint=True) == record
    with pytest.raises(errors.BadResponseError):
        protocol.decode_card_record(data[:-1], with_fingerprint=True)
    with pytest.raises(errors.BadResponseError):
        protocol.decode_card_record(b"\x01", with_fingerprint=False)


def test_the_wrong_find_constant_seen_in_public_code_is_rejected() -> None:
    (item,) = FrameParser().feed(hexbytes("AA AA AA 96 69 00 03 20 01 21"))
    assert item == CorruptFrame(b"\x20\x01", received=0x21, expected=0x22)


def test_parser_resyncs_after_noise_and_a_corrupt_frame() -> None:
    good = protocol.encode_response(Sw3.SUCCESS)
    corrupt = good[:-1] + b"\x00"
    items = FrameParser().feed(b"\x00\xaa\xaa\x96" + corrupt + b"\x13\x37" + good)
    assert items == [CorruptFrame(b"\x00\x00\x90", 0x00, 0x94), Frame(b"\x00\x00\x90")]


def test_parser_skips_a_preamble_with_an_impossible_length() -> None:
    good = protocol.encode_response(Sw3.SUCCESS)
    assert FrameParser().feed(protocol.PREAMBLE + b"\xff\xff" + good) == [Frame(b"\x00\x00\x90")]
    assert FrameParser().feed(protocol.PREAMBLE + b"\x00\x01" + good) == [Frame(b"\x00\x00\x90")]


def test_parser_waits_for_split_bytes_and_keeps_a_partial_preamble_only() -> None:
    good = protocol.encode_response(Sw3.FIND_OK, bytes(4))
    parser = FrameParser()
    assert parser.feed(b"\x01\x02\x03" + good[:3]) == []
    assert parser.pending == 3  # "AA AA AA": maybe a preamble, the noise before it is gone
    for byte in good[3:-1]:
        assert parser.feed(bytes([byte])) == []
    assert parser.feed(good[-1:]) == [Frame(b"\x00\x00\x9f" + bytes(4))]
    assert parser.pending == 0


def test_every_status_maps_to_its_own_error() -> None:
    failures = [sw3 for sw3 in Sw3 if sw3 not in (Sw3.SUCCESS, Sw3.FIND_OK)]
    assert set(protocol.STATUSES) == set(failures)
    codes = set()
    for sw3 in failures:
        error = Response(0x6A, 0x82, sw3, b"").error()
        assert isinstance(error, errors.SamError)
        assert isinstance(error, DeviceError)
        assert type(error) is not errors.SamError
        assert error.sw3 == sw3
        assert (error.sw1, error.sw2) == (0x6A, 0x82)
        assert error.code.startswith("IDCARD_")
        assert re.search(r"[\u4e00-\u9fff]", error.message)
        codes.add(error.code)
    assert len(codes) == len(failures)


@pytest.mark.parametrize(
    ("sw3", "error_class"),
    [
        (Sw3.FIND_FAILED, errors.NoCardError),
        (Sw3.SELECT_FAILED, errors.CardSelectError),
        (Sw3.READ_FAILED, errors.CardReadError),
        (Sw3.SAM_SELFTEST_FAILED, errors.SamUnusableError),
        (Sw3.SAM_UNAUTHORISED, errors.SamUnusableError),
        (Sw3.HOST_CHECKSUM, errors.CommandRejectedError),
        (Sw3.CARD_AUTH_SAM_FAILED, errors.CardAuthError),
        (Sw3.NO_SUCH_ITEM, errors.NoSuchItemError),
    ],
)
def test_status_classes(sw3: Sw3, error_class: type[errors.SamError]) -> None:
    with pytest.raises(error_class):
        Response(0, 0, sw3, b"").expect()


def test_unknown_status_keeps_its_byte_in_the_code() -> None:
    error = Response(0, 0, 0x55, b"").error()
    assert error.code == "IDCARD_SW3_55"


def test_expect_returns_the_data_of_the_expected_status() -> None:
    assert Response(0, 0, Sw3.FIND_OK, b"\x00" * 4).expect(Sw3.FIND_OK) == bytes(4)


def test_baud_rates_outside_the_table_are_refused() -> None:
    with pytest.raises(ValueError, match="4800"):
        protocol.set_baud_command(4800)


def test_sam_id_format() -> None:
    raw = bytes([5, 0, 1, 0]) + (20101019).to_bytes(4, "little")
    raw += (10062538).to_bytes(4, "little") + (2066720134).to_bytes(4, "little")
    assert protocol.format_sam_id(raw) == "05.01-20101019-0010062538-2066720134"


def test_wire_time_of_the_read_frame_at_115200() -> None:
    assert protocol.wire_seconds(1295, 115200) == pytest.approx(0.1124, abs=1e-4)
