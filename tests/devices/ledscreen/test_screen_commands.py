"""Screen payloads: the examples of the commands docstring, and refusals with the right NAK."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.hallbus.codec import PayloadError, Result
from devices.ledscreen import commands
from devices.ledscreen.commands import (
    DisplayMode,
    ScreenStatus,
    ShownLine,
    decode_brightness,
    decode_screen_status,
    decode_show_text,
    encode_brightness,
    encode_screen_status,
    encode_show_text,
)

TWO_LINES = ScreenStatus((ShownLine("请 A012 号"), ShownLine("欢迎光临", DisplayMode.SCROLL)), brightness=8)


def hex_of(data: bytes) -> str:
    return data.hex(" ").upper()


def test_payload_examples_of_the_docstring() -> None:
    doc = commands.__doc__ or ""
    assert hex_of(encode_show_text(0, DisplayMode.STATIC, "请 A012 号")) in doc
    assert hex_of(encode_show_text(1, DisplayMode.SCROLL, "欢迎光临")) in doc
    assert hex_of(encode_brightness(8)) == "08"
    status_answer = b"\x00" + encode_screen_status(TWO_LINES)
    assert hex_of(status_answer) == (
        "00 02 08 00 00 0A C7 EB 20 41 30 31 32 20 BA C5 01 08 BB B6 D3 AD B9 E2 C1 D9"
    )
    assert "00 02 08 00 | 00 0A C7 EB 20 41 30 31 32 20 BA C5 | 01 08 BB B6 D3 AD B9 E2 C1 D9" in doc


def test_show_text_round_trip() -> None:
    assert decode_show_text(encode_show_text(1, DisplayMode.SCROLL, "欢迎光临")) == (
        1,
        DisplayMode.SCROLL,
        "欢迎光临",
    )


@pytest.mark.parametrize(
    ("payload", "result"),
    [
        (b"\x00", Result.BAD_LENGTH),
        (b"\x00\x07abc", Result.BAD_PARAM),
        (b"\x00\x00\xff\xff", Result.BAD_PARAM),  # not GB18030
        (b"\x00\x00" + b"A" * 241, Result.TEXT_TOO_LONG),
    ],
)
def test_show_text_refusals(payload: bytes, result: Result) -> None:
    with pytest.raises(PayloadError) as refused:
        decode_show_text(payload)
    assert refused.value.result == result


def test_the_driver_side_refuses_text_a_screen_cannot_take() -> None:
    with pytest.raises(ValueError, match="240"):
        encode_show_text(0, DisplayMode.STATIC, "长" * 121)
    with pytest.raises(ValueError):
        DisplayMode.named("blink")


@pytest.mark.parametrize(("payload", "result"), [(b"", Result.BAD_LENGTH), (b"\x10", Result.BAD_PARAM)])
def test_brightness_refusals(payload: bytes, result: Result) -> None:
    with pytest.raises(PayloadError) as refused:
        decode_brightness(payload)
    assert refused.value.result == result


texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)  # lone surrogates have no GB18030 form
lines = st.lists(st.builds(ShownLine, texts, st.sampled_from(DisplayMode)), min_size=1, max_size=8)


@given(lines, st.integers(0, 15), st.booleans())
def test_status_round_trip(shown: list[ShownLine], brightness: int, fault: bool) -> None:
    status = ScreenStatus(tuple(shown), brightness, fault)
    assert decode_screen_status(encode_screen_status(status)) == status


@given(st.binary(max_size=80))
def test_random_status_answers_decode_or_are_refused(data: bytes) -> None:
    try:
        status = decode_screen_status(data)
    except PayloadError:
        return
    assert len(status.lines) == data[0]
    assert status.fault == bool(data[2] & 1)
