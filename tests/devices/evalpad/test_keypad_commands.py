"""Keypad payloads: the docstring's golden bytes, refusals, and random input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.evalpad import keypad_commands
from devices.evalpad.keypad_commands import (
    KeypadState,
    KeypadStatus,
    RatingRequest,
    decode_request,
    decode_status,
    encode_request,
    encode_status,
)
from devices.evalpad.rating import RatingLevel
from devices.hallbus.codec import Frame, PayloadError, Result, encode_frame

REQUEST = RatingRequest("A012", 30.0, "1024", "李*")
REQUEST_PAYLOAD = "01 2C 04 41 30 31 32 04 31 30 32 34 03 C0 EE 2A"
REQUEST_FRAME = "02 01 04 20 20 00 10 01 2C 04 41 30 31 32 04 31 30 32 34 03 C0 EE 2A 78 6D"
RATED_ANSWER = "00 02 04 04 41 30 31 32"


def test_golden_bytes_of_the_docstring() -> None:
    doc = keypad_commands.__doc__ or ""
    assert encode_request(REQUEST) == bytes.fromhex(REQUEST_PAYLOAD)
    assert encode_frame(Frame(4, 0x20, 0x20, encode_request(REQUEST))) == bytes.fromhex(REQUEST_FRAME)
    status = KeypadStatus(KeypadState.RATED, RatingLevel.SATISFIED, "A012")
    assert b"\x00" + encode_status(status) == bytes.fromhex(RATED_ANSWER)
    for golden in (REQUEST_PAYLOAD, REQUEST_FRAME, RATED_ANSWER):
        assert golden in doc


def test_round_trips() -> None:
    assert decode_request(encode_request(REQUEST)) == REQUEST
    for status in (
        KeypadStatus(KeypadState.IDLE),
        KeypadStatus(KeypadState.WAITING, None, "B007"),
        KeypadStatus(KeypadState.RATED, RatingLevel.VERY_DISSATISFIED, "B007"),
    ):
        assert decode_status(encode_status(status)) == status


@pytest.mark.parametrize(
    "request_",
    [
        RatingRequest("A 12", 30),
        RatingRequest("", 30),
        RatingRequest("A012", 0),
        RatingRequest("A012", 7000),
        RatingRequest("A012", 30, "工号"),
        RatingRequest("A012", 30, "1024", "很长的名字" * 4),
    ],
)
def test_the_driver_side_refuses_requests_a_keypad_cannot_take(request_: RatingRequest) -> None:
    with pytest.raises(ValueError):
        encode_request(request_)


@pytest.mark.parametrize(
    ("payload", "result"),
    [
        ("01 2C", Result.BAD_LENGTH),
        ("01 2C 04 41 30", Result.BAD_LENGTH),
        ("00 00 04 41 30 31 32 00 00", Result.BAD_PARAM),  # timeout 0
        ("01 2C 04 41 20 31 32 00 00", Result.BAD_PARAM),  # a space in the ticket
        ("01 2C 04 41 30 31 32 00 00 FF", Result.BAD_LENGTH),
    ],
)
def test_request_refusals(payload: str, result: Result) -> None:
    with pytest.raises(PayloadError) as refused:
        decode_request(bytes.fromhex(payload))
    assert refused.value.result == result


@pytest.mark.parametrize("answer", ["02 00 00", "01 03 00", "09 00 00", "00 06 00", "00 00 02 41"])
def test_inconsistent_status_answers_are_refused(answer: str) -> None:
    with pytest.raises(PayloadError):
        decode_status(bytes.fromhex(answer))


@given(st.binary(max_size=60))
def test_random_requests_decode_or_are_refused(payload: bytes) -> None:
    try:
        request = decode_request(payload)
    except PayloadError:
        return
    assert 0 < request.timeout_s <= 6553.5


@given(
    st.from_regex(r"[A-Za-z0-9-]{1,16}", fullmatch=True),
    st.integers(1, 0xFFFF),
    st.from_regex(r"[A-Za-z0-9-]{0,16}", fullmatch=True),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=8),
)
def test_request_round_trip(ticket: str, tenths: int, staff_id: str, name: str) -> None:
    request = RatingRequest(ticket, tenths / 10, staff_id, name)
    try:
        payload = encode_request(request)
    except ValueError:  # a name of more than 32 GB18030 bytes
        assert len(name.encode("gb18030")) > 32
        return
    assert decode_request(payload) == request
