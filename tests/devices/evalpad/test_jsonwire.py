"""EvalPad/1 messages: the docstring's examples, round trips, and validation errors that say what is wrong."""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.evalpad import jsonwire
from devices.evalpad.jsonwire import (
    MAX_LINE,
    Ack,
    ErrorMessage,
    EvalPadMessageError,
    Hello,
    Message,
    Ping,
    Pong,
    RateCancel,
    RateCancelled,
    RateRequest,
    RateResult,
    RateTimeout,
    decode,
    encode,
)
from devices.evalpad.rating import RatingLevel


def docstring_examples() -> list[str]:
    """The JSON objects written in the module docstring (continuation lines joined)."""
    doc = jsonwire.__doc__ or ""
    joined = re.sub(r",\n\s+", ",", doc)
    return re.findall(r"\{\"v\":1.*?\}(?=\s|$)", joined)


def test_every_docstring_example_is_a_valid_message() -> None:
    examples = docstring_examples()
    assert len(examples) >= 10
    types = set()
    for example in examples:
        text = example.replace("...", "x")
        message = decode(text.encode())
        types.add(jsonwire.TYPES[type(message)])
    assert types == set(jsonwire.TYPES.values())


def test_the_request_of_the_docstring_decodes_to_these_fields() -> None:
    line = next(e for e in docstring_examples() if '"rate.request"' in e)
    assert decode(line.encode()) == RateRequest("r-7f3a", "A012", "5", "1024", "李*", "居住证签注", 60.0)


MESSAGES: list[Message] = [
    Hello("h-1", "W05", "YM-T10", "1.2.0"),
    RateRequest("r-1", "A012", "5", "1024", "李*", "居住证签注", 60),
    Ack("r-1"),
    RateResult("r-1", RatingLevel.VERY_SATISFIED),
    RateResult("r-1", RatingLevel.VERY_DISSATISFIED, "态度差", ("503", "504")),
    RateTimeout("r-1"),
    RateCancel("r-1"),
    RateCancelled("r-1", "replaced"),
    Ping("p-1"),
    Pong("p-1"),
    ErrorMessage("", "invalid", "not a JSON line"),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_round_trip(message: Message) -> None:
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode(line) == message
    assert decode(line.rstrip(b"\n") + b"\r") == message


def test_chinese_goes_as_utf8_not_escapes() -> None:
    assert "居住证签注".encode() in encode(MESSAGES[1])


def test_unknown_fields_are_ignored() -> None:
    assert decode(b'{"v":1,"type":"ping","id":"p-1","battery":87}') == Ping("p-1")


def line(**fields: object) -> bytes:
    return json.dumps({"v": 1, **fields}, ensure_ascii=False).encode()


RESULT = {"type": "rate.result", "id": "r-1"}
REQUEST = {"type": "rate.request", "id": "r-1", "ticket_no": "A012", "window_no": "5", "staff": {}}


@pytest.mark.parametrize(
    ("raw", "wire_code", "detail"),
    [
        (b"{not json", "invalid", "not a JSON line"),
        (b"\xff\xfe", "invalid", "not a JSON line"),
        (b"[1,2]", "invalid", "a message is a JSON object, got list"),
        (b'{"v":2,"type":"ping","id":"p-1"}', "unsupported_version", "v=2: this side speaks EvalPad/1"),
        (b'{"type":"ping","id":"p-1"}', "unsupported_version", "v=None"),
        (line(type="rate.rated", id="r-1"), "unknown_type", "type 'rate.rated' is not an EvalPad/1 message"),
        (line(type="ping"), "invalid", "ping.id: missing"),
        (line(type="ping", id="has space"), "invalid", "ping.id: 'has space' does not match"),
        (line(**RESULT, level="GOOD"), "invalid", "rate.result.level: 'GOOD' is not one of VERY_SATISFIED,"),
        (line(**RESULT, level=5), "invalid", "rate.result.level: 5 is not one of"),
        (
            line(**RESULT, level="DISSATISFIED"),
            "invalid",
            "rate.result.indicators: DISSATISFIED (不满意) needs at least one indicator code",
        ),
        (
            line(**RESULT, level="VERY_DISSATISFIED", indicators=[]),
            "invalid",
            "VERY_DISSATISFIED (非常不满意) needs at least one indicator code",
        ),
        (
            line(**RESULT, level="SATISFIED", indicators="502"),
            "invalid",
            "rate.result.indicators: expected a list",
        ),
        (line(**RESULT, level="SATISFIED", indicators=["5 02"]), "invalid", "'5 02' does not match"),
        (
            line(**RESULT, level="SATISFIED", comment="长" * 501),
            "invalid",
            "rate.result.comment: 501 characters",
        ),
        (line(**{**REQUEST, "ticket_no": "A 12"}, timeout_s=60), "invalid", "rate.request.ticket_no: 'A 12'"),
        (line(**REQUEST, timeout_s=0), "invalid", "rate.request.timeout_s: 0 is not in (0, 3600]"),
        (line(**REQUEST, timeout_s=True), "invalid", "rate.request.timeout_s: expected a number, got True"),
        (line(**REQUEST, timeout_s="60"), "invalid", "rate.request.timeout_s: expected a number"),
        (b'{"v":1,"type":"rate.request","id":"r-1","timeout_s":NaN}', "invalid", "NaN is not a JSON number"),
        (
            line(**{**REQUEST, "staff": "李四"}, timeout_s=60),
            "invalid",
            "rate.request.staff: expected an object",
        ),
        (
            line(type="rate.cancelled", id="r-1", by="window"),
            "invalid",
            "rate.cancelled.by: 'window' is not one",
        ),
        (line(type="hello", id="h-1"), "invalid", "hello.pad_id: missing"),
        (b"x" * (MAX_LINE + 1), "invalid", "exceeds"),
    ],
)
def test_invalid_messages_are_refused_with_a_clear_reason(raw: bytes, wire_code: str, detail: str) -> None:
    with pytest.raises(EvalPadMessageError) as refused:
        decode(raw)
    assert refused.value.wire_code == wire_code
    assert detail in refused.value.detail
    assert refused.value.code == "EVALPAD_BAD_MESSAGE"


def test_the_offending_id_is_kept_for_the_error_answer() -> None:
    with pytest.raises(EvalPadMessageError) as refused:
        decode(line(**RESULT, level="GOOD"))
    assert refused.value.msg_id == "r-1"


ids = st.from_regex(r"[A-Za-z0-9._:-]{1,64}", fullmatch=True)
results = st.builds(
    RateResult,
    ids,
    st.sampled_from(RatingLevel),
    st.text(max_size=50),
    st.lists(st.from_regex(r"[A-Za-z0-9_-]{1,16}", fullmatch=True), min_size=1, max_size=5).map(tuple),
)
requests = st.builds(
    RateRequest,
    ids,
    st.from_regex(r"[A-Za-z0-9-]{1,16}", fullmatch=True),
    st.text(min_size=1, max_size=16),
    st.text(max_size=16),
    st.text(max_size=16),
    st.text(max_size=200),
    st.floats(min_value=0.001, max_value=3600),
)


@given(st.one_of(results, requests))
def test_property_round_trip(message: Message) -> None:
    assert decode(encode(message)) == message


@given(st.binary(max_size=200))
def test_random_bytes_are_refused_cleanly(raw: bytes) -> None:
    with contextlib.suppress(EvalPadMessageError):  # refused with a reason, never another exception
        decode(raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@given(
    st.sampled_from(sorted(jsonwire.TYPES.values())),
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "pad_id",
                "level",
                "indicators",
                "comment",
                "ticket_no",
                "window_no",
                "staff",
                "timeout_s",
                "by",
            ]
        ),
        json_values,
    ),
)
def test_random_fields_of_every_type_are_refused_cleanly(kind: str, fields: dict[str, object]) -> None:
    try:
        message = decode(json.dumps({"v": 1, "type": kind, **fields}).encode())
    except EvalPadMessageError:
        return
    assert jsonwire.TYPES[type(message)] == kind
