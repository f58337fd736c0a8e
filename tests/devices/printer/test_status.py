"""DLE EOT answers → PrinterStatus, and the simulator's answers decoding back to the state it is in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.printer.simulator import EscposSimulator
from devices.printer.status import PaperLevel, PrinterStatus, decode_status, is_status_byte, status_query

OK, NEAR, OUT, UNKNOWN = PaperLevel.OK, PaperLevel.NEAR_END, PaperLevel.OUT, PaperLevel.UNKNOWN


@pytest.mark.parametrize(
    ("answers", "online", "cover_open", "paper", "error"),
    [
        ((0x12, 0x12, 0x12), True, False, OK, False),
        ((0x12, 0x12, 0x1E), True, False, NEAR, False),  # near-end sensor: bits 2 and 3
        ((0x12, 0x12, 0x16), True, False, NEAR, False),  # one near-end bit is enough
        ((0x1A, 0x32, 0x7E), False, False, OUT, False),  # out of paper (Rust hardless-http-dialects example)
        ((0x1A, 0x32, 0x72), False, False, OUT, False),  # paper end bits 5 and 6 without near end
        ((0x1A, 0x16, 0x12), False, True, OK, False),  # cover open
        ((0x1A, 0x52, 0x12), False, False, OK, True),  # error occurred
        ((0x1A, 0x32, None), False, False, OUT, False),  # no DLE EOT 4 support: paper end stop in DLE EOT 2
        ((0x12, 0x12, None), True, False, UNKNOWN, False),
        ((0x12, None, None), True, None, UNKNOWN, None),
        ((0x12, None, 0x1E), True, None, NEAR, None),
    ],
)
def test_decoder_table(answers, online, cover_open, paper, error):
    status = decode_status(*answers)
    assert status.answered and status.queryable
    assert (status.online, status.cover_open, status.paper, status.error) == (
        online,
        cover_open,
        paper,
        error,
    )


@pytest.mark.parametrize("first", [None, 0x00, 0xFF, 0x13, 0x92])
def test_no_or_malformed_first_answer_is_unknown_never_paper_ok(first):
    status = decode_status(first, 0x12, 0x12)
    assert not status.answered
    assert status.paper is PaperLevel.UNKNOWN
    assert status.online is None
    assert "无应答" in status.words()


def test_a_malformed_paper_byte_is_unknown():
    assert decode_status(0x12, 0x12, 0x00).paper is PaperLevel.UNKNOWN


@given(st.integers(0, 255))
def test_status_pattern(value):
    assert is_status_byte(value) == (value & 0x01 == 0 and value & 0x80 == 0 and value & 0x12 == 0x12)


def test_queries_are_dle_eot_n():
    assert [status_query(n) for n in (1, 2, 4)] == [b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04"]


@pytest.mark.parametrize(
    ("paper", "cover", "expected_bytes", "expected_words"),
    [
        ("ok", "closed", (0x12, 0x12, 0x12), "在线，纸仓盖已关闭，纸张充足"),
        ("near_end", "closed", (0x12, 0x12, 0x1E), "在线，纸仓盖已关闭，纸卷将尽，请准备更换"),
        ("out", "closed", (0x1A, 0x32, 0x7E), "脱机，纸仓盖已关闭，缺纸"),
        ("ok", "open", (0x1A, 0x16, 0x12), "脱机，纸仓盖打开，纸张充足"),
    ],
)
def test_simulator_answers_decode_to_its_state(paper, cover, expected_bytes, expected_words):
    simulator = EscposSimulator(paper=paper, cover=cover)
    answers = tuple(simulator.status_byte(n) for n in (1, 2, 4))
    assert answers == expected_bytes
    status = decode_status(*answers)
    assert status.words() == expected_words
    assert status.answers_hex() == " ".join(f"{b:02X}" for b in expected_bytes)


def test_a_write_only_link_says_so():
    status = PrinterStatus(False, False, None, None, PaperLevel.UNKNOWN, None)
    assert "只能写入" in status.words()
