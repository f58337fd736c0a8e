"""Reading receivers' answers (standards.md §6.4) in the shapes receivers we did not write use."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from hall_server.sync.answers import Answer, Split, read_batch, read_single
from hall_server.sync.targets import Verdict

A, B, C = "0190f3b2-7c1e-7a3b-9f00-5d2c1a000001", "0190f3b2-7c1e-7a3b-9f00-5d2c1a000002", "0190f3b2-c"


def answer(status: int, body: object = b"", **headers: str) -> Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return Answer(status, {key.replace("_", "-"): value for key, value in headers.items()}, raw)


@pytest.mark.parametrize(
    ("status", "body", "verdict"),
    [
        (200, b"", Verdict.DONE),
        (201, b"", Verdict.DONE),
        (202, {"ok": True}, Verdict.DONE),
        (204, b"", Verdict.DONE),
        (200, b"<html>ok</html>", Verdict.DONE),
        (200, {"outcome": "duplicate"}, Verdict.DUPLICATE),
        (409, {"outcome": "duplicate"}, Verdict.DUPLICATE),
        (409, {"code": "500", "msg": "已存在该条服务信息，请勿重复提交"}, Verdict.DUPLICATE),
        (409, {"message": "seq 3 after 4"}, Verdict.DEAD),
        (400, {"error": "bad"}, Verdict.DEAD),
        (403, b"", Verdict.DEAD),
        (404, b"", Verdict.DEAD),
        (413, b"", Verdict.DEAD),
        (422, {"code": "SCHEMA", "reason": "missing source"}, Verdict.DEAD),
        (401, {"code": "SIGNATURE_INVALID"}, Verdict.RETRY),
        (408, b"", Verdict.RETRY),
        (425, b"", Verdict.RETRY),
        (429, b"", Verdict.RETRY),
        (500, b"Internal Server Error", Verdict.RETRY),
        (502, b"<html>Bad Gateway</html>", Verdict.RETRY),
        (503, b"", Verdict.RETRY),
        (302, b"", Verdict.UNKNOWN),
        (418, b"", Verdict.UNKNOWN),
        (451, b"", Verdict.UNKNOWN),
    ],
)
def test_one_event_by_http_semantics(status, body, verdict):
    outcome = read_single(answer(status, body), A)
    assert (outcome.event_id, outcome.verdict) == (A, verdict)
    assert outcome.reason.startswith(("HTTP ", "unreadable answer"))
    assert str(status) in outcome.reason


def test_the_receivers_words_are_kept_for_the_dashboard():
    outcome = read_single(answer(422, {"code": "SCHEMA", "message": "source.hall_code 缺失"}), A)
    assert outcome.reason == "HTTP 422: SCHEMA: source.hall_code 缺失"
    gateway = read_single(answer(400, {"C-Response-Code": "1", "C-Response-Desc": "参数错误"}), A)
    assert gateway.reason == "HTTP 400: 参数错误"


def test_an_item_in_the_body_decides_for_one_event_too():
    body = {"results": [{"event_id": A, "status": 409, "outcome": "rejected", "message": "seq taken"}]}
    outcome = read_single(answer(200, body), A)
    assert (outcome.verdict, outcome.reason) == (Verdict.DEAD, "HTTP 409: seq taken")
    other = read_single(answer(201, {"results": [{"event_id": B, "status": 200}]}), A)
    assert other.verdict is Verdict.DONE  # not about our event: the 2xx decides


@pytest.mark.parametrize("status", [200, 207, 409, 500])
def test_batch_items_decide_whatever_the_status(status):
    body = {
        "results": [
            {"event_id": A, "status": 200, "outcome": "accepted"},
            {"event_id": B, "status": 409, "outcome": "rejected", "message": "out of order: seq 3 after 4"},
            {"event_id": C, "status": 425, "outcome": "retry", "code": "SEQUENCE_GAP"},
        ]
    }
    outcomes = read_batch(answer(status, body), [A, B, C])
    assert not isinstance(outcomes, Split)
    assert [(o.event_id, o.verdict) for o in outcomes] == [
        (A, Verdict.DONE),
        (B, Verdict.DEAD),
        (C, Verdict.RETRY),
    ]
    assert outcomes[1].reason == "HTTP 409: out of order: seq 3 after 4"


def test_batch_items_with_only_a_status_number_or_string():
    body = {"results": [{"event_id": A, "status": 200}, {"event_id": B, "status": "422", "msg": "bad"}]}
    outcomes = read_batch(answer(207, body), [A, B])
    assert [o.verdict for o in outcomes] == [Verdict.DONE, Verdict.DEAD]  # type: ignore[union-attr]


def test_batch_items_with_only_an_outcome_any_case():
    body = {"results": [{"event_id": A, "outcome": "Duplicate"}, {"event_id": B, "outcome": "retry"}]}
    outcomes = read_batch(answer(200, body), [A, B])
    assert [o.verdict for o in outcomes] == [Verdict.DUPLICATE, Verdict.RETRY]  # type: ignore[union-attr]


def test_items_missing_or_unreadable_are_unknown_not_guessed():
    body = {
        "results": [
            {"event_id": A, "status": True},
            {"event_id": B, "state": "ok"},
            "garbage",
        ]
    }
    outcomes = read_batch(answer(200, body), [A, B, C])
    assert not isinstance(outcomes, Split)
    assert [o.verdict for o in outcomes] == [Verdict.UNKNOWN] * 3
    assert all(o.reason.startswith("unreadable answer") for o in outcomes)
    assert "no result for this event" in outcomes[2].reason


@pytest.mark.parametrize(
    "status_and_body",
    [
        (200, b""),
        (200, {"ok": True}),
        (200, b"<html/>"),
        (400, {"error": "one bad event"}),
        (413, b""),
        (422, {}),
    ],
)
def test_batch_answer_without_results_is_sent_one_by_one(status_and_body):
    status, body = status_and_body
    read = read_batch(answer(status, body), [A, B])
    assert isinstance(read, Split)
    assert f"HTTP {status}" in read.reason


@pytest.mark.parametrize("status", [401, 408, 425, 429, 500, 503])
def test_batch_refused_for_now_is_retried_whole(status):
    outcomes = read_batch(answer(status, {"code": "LATER"}), [A, B])
    assert not isinstance(outcomes, Split)
    assert [o.verdict for o in outcomes] == [Verdict.RETRY, Verdict.RETRY]


def test_retry_after_in_seconds_or_as_a_date_and_bounded():
    assert read_single(answer(429, b"", Retry_After="120"), A).retry_after == 120
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    waited = read_single(answer(503, b"", Retry_After=later), A).retry_after
    assert waited is not None and 80 < waited <= 90
    assert read_single(answer(429, b"", Retry_After="999999"), A).retry_after == 3600
    assert read_single(answer(429, b"", Retry_After="soon"), A).retry_after is None
    assert read_single(answer(429, b"", Retry_After="１２"), A).retry_after is None  # full-width digits


def test_long_bodies_are_cut():
    outcome = read_single(answer(500, b"x" * 10_000), A)
    assert len(outcome.reason) <= 300
