"""The token builder: what a call says, token by token."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.voice.calls import CLIP_NAMES, PAUSE, Call, VoiceCallError, call_tokens, cardinal


def test_first_call() -> None:
    assert call_tokens(Call("A012", 5)) == [
        "请", "A", "零", "一", "二", "号", PAUSE, "到", "五", "号", "窗口", "办理",
    ]  # fmt: skip


def test_recall_says_again() -> None:
    assert call_tokens(Call("B105", 12, recall=True)) == [
        "请", "B", "一", "零", "五", "号", PAUSE, "再次", "到", "十", "二", "号", "窗口", "办理",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        (1, "一"), (2, "二"), (9, "九"), (10, "十"), (11, "十一"), (12, "十二"), (20, "二十"), (21, "二十一"),
        (99, "九十九"), (100, "一百"), (101, "一百零一"), (105, "一百零五"), (110, "一百一十"),
        (111, "一百一十一"), (200, "二百"), (250, "二百五十"), (999, "九百九十九"),
    ],
)  # fmt: skip
def test_window_numbers_read_as_cardinals(number: int, spoken: str) -> None:
    assert "".join(cardinal(number)) == spoken


@pytest.mark.parametrize(
    ("ticket", "spelled"),
    [("a7", ["A", "七"]), (" C0300 ", ["C", "零", "三", "零", "零"]), ("0012", ["零", "零", "一", "二"]),
     ("VIP3", ["V", "I", "P", "三"])],
)  # fmt: skip
def test_ticket_read_character_by_character(ticket: str, spelled: list[str]) -> None:
    tokens = call_tokens(Call(ticket, 1))
    assert tokens[1 : 1 + len(spelled)] == spelled
    assert tokens[1 + len(spelled)] == "号"


@pytest.mark.parametrize("ticket", ["", "A-12", "ABCD1", "A123456", "号1", "A 12"])
def test_unreadable_tickets_are_refused(ticket: str) -> None:
    with pytest.raises(VoiceCallError) as raised:
        call_tokens(Call(ticket, 1))
    assert raised.value.code == "VOICE_BAD_CALL"
    assert raised.value.message == "票号无法朗读"


@pytest.mark.parametrize("window", [0, -3, 1000])
def test_unreadable_windows_are_refused(window: int) -> None:
    with pytest.raises(VoiceCallError, match="窗口号无法朗读"):
        call_tokens(Call("A1", window))


def spoken_value(tokens: list[str]) -> int:
    """An independent reader of 十/百 numbers, to check `cardinal` against."""
    digits = {char: value for value, char in enumerate("零一二三四五六七八九")}
    total, pending = 0, None
    for token in tokens:
        if token == "百":
            total += (pending or 0) * 100
            pending = None
        elif token == "十":
            total += (pending if pending is not None else 1) * 10
            pending = None
        elif token == "零":
            pending = None
        else:
            pending = digits[token]
    return total + (pending or 0)


@given(st.integers(min_value=1, max_value=999))
def test_cardinal_reads_back_to_the_number(number: int) -> None:
    tokens = cardinal(number)
    assert spoken_value(tokens) == number
    assert tokens[0] != "零" and tokens[-1] != "零"


@given(
    ticket=st.from_regex(r"[A-Z]{0,3}[0-9]{1,5}", fullmatch=True),
    window=st.integers(min_value=1, max_value=999),
    recall=st.booleans(),
)
def test_every_token_of_every_call_has_a_clip(ticket: str, window: int, recall: bool) -> None:
    tokens = call_tokens(Call(ticket, window, recall))
    assert all(token == PAUSE or token in CLIP_NAMES for token in tokens)
    assert tokens[0] == "请" and tokens[-1] == "办理"
