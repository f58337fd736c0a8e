"""HallBus/1 codec: the CRC variant, the golden frames of the codec docstring, and the frame decoder."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.hallbus import codec
from devices.hallbus.codec import (
    BROADCAST,
    MAX_PAYLOAD,
    Frame,
    FrameDecoder,
    crc16_modbus,
    encode_frame,
    encode_text,
)

GOLDEN = [
    (Frame(3, 0x10, 0x01), "02 01 03 10 01 00 00 10 CA"),
    (Frame(3, 0x10, 0x81, b"\x00"), "02 01 03 10 81 00 01 00 E3 9C"),
    (Frame(BROADCAST, 0x01, 0x11), "02 01 FF 01 11 00 00 44 27"),
    (Frame(3, 0x11, 0x12, b"\x08"), "02 01 03 11 12 00 01 08 F2 DE"),
    (
        Frame(3, 0x12, 0x10, b"\x00\x00" + encode_text("请 A012 号")),
        "02 01 03 12 10 00 0C 00 00 C7 EB 20 41 30 31 32 20 BA C5 C4 FE",
    ),
    (
        Frame(3, 0x13, 0x10, b"\x01\x01" + encode_text("欢迎光临")),
        "02 01 03 13 10 00 0A 01 01 BB B6 D3 AD B9 E2 C1 D9 5B B8",
    ),
    (Frame(4, 0x14, 0x90, b"\x03"), "02 01 04 14 90 00 01 03 56 D6"),
]


def test_crc_is_crc16_modbus_by_its_catalogue_check_value() -> None:
    assert crc16_modbus(b"123456789") == 0x4B37


@pytest.mark.parametrize(
    ("modbus_rtu_request", "crc_on_the_wire"),
    [("01 03 00 00 00 01", "84 0A"), ("01 03 00 00 00 0A", "C5 CD")],
)
def test_crc_matches_well_known_modbus_rtu_frames(modbus_rtu_request: str, crc_on_the_wire: str) -> None:
    crc = crc16_modbus(bytes.fromhex(modbus_rtu_request))
    assert crc.to_bytes(2, "little") == bytes.fromhex(crc_on_the_wire)


@pytest.mark.parametrize(("frame", "wire"), GOLDEN)
def test_golden_frames(frame: Frame, wire: str) -> None:
    assert encode_frame(frame) == bytes.fromhex(wire)
    assert FrameDecoder().feed(bytes.fromhex(wire)) == [frame]


@pytest.mark.parametrize(("frame", "wire"), GOLDEN)
def test_golden_frames_are_the_ones_written_in_the_docstring(frame: Frame, wire: str) -> None:
    assert codec.__doc__ is not None
    assert wire in codec.__doc__


def test_show_text_is_gb18030() -> None:
    assert encode_text("请 A012 号") == bytes.fromhex("C7 EB 20 41 30 31 32 20 BA C5")
    assert encode_text("欢迎光临") == bytes.fromhex("BB B6 D3 AD B9 E2 C1 D9")


@pytest.mark.parametrize(
    "frame",
    [Frame(0, 1, 1), Frame(3, 256, 1), Frame(3, 1, 256), Frame(3, 1, 1, bytes(MAX_PAYLOAD + 1))],
)
def test_encoder_refuses_what_cannot_go_on_the_wire(frame: Frame) -> None:
    with pytest.raises(ValueError):
        encode_frame(frame)


def test_decoder_skips_garbage_and_counts_a_broken_crc() -> None:
    good = encode_frame(Frame(3, 7, 0x02))
    broken = bytearray(encode_frame(Frame(3, 6, 0x02)))
    broken[-1] ^= 0xFF
    decoder = FrameDecoder()
    assert decoder.feed(b"\xff\x00garbage" + bytes(broken) + good) == [Frame(3, 7, 0x02)]
    assert decoder.crc_errors == 1
    assert not decoder.pending


def test_decoder_rejects_another_version_and_an_impossible_length_at_once() -> None:
    other_version = b"\x02\x02\x03\x01\x01\x00\x00\x00\x00"
    too_long = b"\x02\x01\x03\x01\x01\x04\x01"  # LEN 1025
    good = encode_frame(Frame(3, 1, 0x02))
    assert FrameDecoder().feed(other_version + too_long + good) == [Frame(3, 1, 0x02)]


def test_a_false_header_waiting_for_bytes_gives_up_when_the_line_goes_idle() -> None:
    good = encode_frame(Frame(5, 9, 0x02))
    false_header = b"\x02\x01\x05\x09\x02\x03\x00"  # claims 768 payload bytes that never come
    decoder = FrameDecoder()
    assert decoder.feed(false_header + good) == []
    assert decoder.pending
    assert decoder.line_idle() == [Frame(5, 9, 0x02)]
    assert not decoder.pending


frames = st.builds(
    Frame,
    address=st.integers(1, 0xFF),
    seq=st.integers(0, 0xFF),
    command=st.integers(0, 0xFF),
    payload=st.binary(max_size=300),
)


@given(frames)
def test_encode_then_decode_gives_the_frame_back(frame: Frame) -> None:
    wire = encode_frame(frame)
    assert FrameDecoder().feed(wire) == [frame]
    assert crc16_modbus(wire[1:]) == 0  # the Modbus residue: CRC over data and its own CRC


@given(
    st.lists(st.tuples(st.binary(max_size=40), frames), max_size=5),
    st.binary(max_size=40),
    st.data(),
)
def test_frames_survive_garbage_between_them_and_any_split(
    items: list[tuple[bytes, Frame]], tail: bytes, data: st.DataObject
) -> None:
    stream = b"".join(garbage + encode_frame(frame) for garbage, frame in items) + tail
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    decoder = FrameDecoder()
    decoded: list[Frame] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        decoded += decoder.feed(stream[start:end])
    decoded += decoder.line_idle()
    assert decoded == [frame for _, frame in items]


@given(st.lists(st.binary(max_size=64), max_size=20))
def test_random_bytes_never_crash_the_decoder(chunks: list[bytes]) -> None:
    decoder = FrameDecoder()
    decoded = [frame for chunk in chunks for frame in decoder.feed(chunk)] + decoder.line_idle()
    stream = b"".join(chunks)
    for frame in decoded:
        assert encode_frame(frame) in stream
    assert not decoder.pending
