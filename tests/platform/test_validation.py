"""Malformed envelopes and personal data outside `protected`: rejected per event with a machine code; a body
that is not JSON or not the right shape: the whole request refused with 400/422."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hall_server.core.ids import uuid7
from hall_server.platform.validation import check_envelope, find_personal_data, is_citizen_id
from hall_server.sync import wire
from tests.platform.helpers import PROTECT_KEY, SignedClient, envelope

ID_NUMBER = "11010519491231002X"  # GB 11643 worked example: check digit X is valid
MOBILE = "13812341234"


def _with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    event = envelope("t-bad", 1)
    change(event)
    return event


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(event: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = event
        for name in parents:
            target = target[name]
        target[last] = value

    return change


def _drop(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda event: event.pop(name)


MALFORMED = [
    ("spec", _set("spec", "hall-sync/2"), "SPEC_UNSUPPORTED"),
    ("no spec", _drop("spec"), "SPEC_UNSUPPORTED"),
    ("extra field", _set("applicant", {"name_masked": "张*三"}), "FIELD_UNKNOWN"),
    ("uuid4 id", _set("event_id", str(uuid.uuid4())), "EVENT_ID_INVALID"),
    ("upper-case id", lambda e: e.update(event_id=e["event_id"].upper()), "EVENT_ID_INVALID"),
    ("no id", _drop("event_id"), "EVENT_ID_INVALID"),
    ("hall event", _set("event_type", "hall.window.opened"), "EVENT_TYPE_INVALID"),
    ("capitals", _set("event_type", "Queue.ticket.issued"), "EVENT_TYPE_INVALID"),
    ("too deep", _set("event_type", "queue.ticket.issued.again"), "EVENT_TYPE_INVALID"),
    ("unknown type", _set("event_type", "queue.ticket.teleported"), "EVENT_TYPE_UNKNOWN"),
    ("region 11 digits", _set("source.region_code", "33010600000"), "REGION_CODE_INVALID"),
    ("region letters", _set("source.region_code", "33010600000A"), "REGION_CODE_INVALID"),
    ("no source", _drop("source"), "REGION_CODE_INVALID"),
    ("window aggregate", _set("aggregate.type", "window"), "AGGREGATE_TYPE_INVALID"),
    ("seq 0", _set("aggregate.seq", 0), "SEQ_INVALID"),
    ("seq string", _set("aggregate.seq", "1"), "SEQ_INVALID"),
    ("seq bool", _set("aggregate.seq", True), "SEQ_INVALID"),
    ("naive time", _set("occurred_at", "2026-11-25T09:30:00"), "TIME_NOT_AWARE"),
    ("naive recorded", _set("recorded_at", "2026-11-25T09:30:00.123"), "TIME_NOT_AWARE"),
    ("not a time", _set("occurred_at", "yesterday"), "ENVELOPE_INVALID"),
    ("no actor", _drop("actor"), "ENVELOPE_INVALID"),
    ("data not object", _set("data", ["x"]), "ENVELOPE_INVALID"),
    ("version 0", _set("event_version", 0), "ENVELOPE_INVALID"),
    ("prev_hash", _set("prev_hash", "abc"), "ENVELOPE_INVALID"),
    ("protected not block", _set("protected", "secret"), "PROTECTED_INVALID"),
    ("protected other alg", _set("protected", {"alg": "AES-GCM", "kid": "k1"}), "PROTECTED_INVALID"),
]

PII = [
    ("id in data", _set("data.applicant_id", ID_NUMBER)),
    ("id lower-case x", _set("data.applicant_id", ID_NUMBER.lower())),
    ("id in text", _set("data.note", f"申请人{ID_NUMBER}已到")),
    ("id in refs", _set("refs.local_case_no", ID_NUMBER)),
    ("mobile in refs", _set("refs.contact", MOBILE)),
    ("mobile as number", _set("data.contact", int(MOBILE))),
    ("mobile with +86", _set("data.contact", "+86 138-1234-1234")),
    ("mobile in a list", _set("data.contacts", [{"tel": f"电话{MOBILE}"}])),
    ("mobile as a key", _set("data.by_phone", {MOBILE: 1})),
    ("id in correlation", _set("correlation_id", f"visit-{ID_NUMBER}")),
    ("id in actor", _set("actor.staff_id", ID_NUMBER)),
    ("mobile after =", _set("data.note", f"mobile={MOBILE}")),
    ("id after colon", _set("data.note", f"ID:{ID_NUMBER}")),
]

NOT_PII = [
    _set("data.applicant_id_masked", "110***********002X"),
    _set("data.mobile_masked", "138****1234"),
    _set("data.checksum_fails", "110105194912310021"),  # GB 11643 counter-example
    _set("data.impossible_birthday", "110105194913310026"),
    _set("refs.case_no", "330106250318000042"),  # PROJID shape: 18 digits, no birth date inside
    _set("refs.catalog_code", "330117002011"),
    _set("refs.task_code", "11330106MB1234562M4330117002011"),
    _set("data.twelve_digits", "138123412345"),
    _set("data.ten_digits", 1381234123),
    _set("data.wait_ms", 17422605021234),
    # UUIDs whose groups hold digit runs shaped like mobile numbers (found by the concurrency tests).
    _set("refs.ticket_id", "01a21297-18e5-7bea-a163-19503711b644"),
    _set("causation_id", "01a21297-18f4-7650-afb1-e15770523274"),
    _set("data.applicant_ref", "hm3:13812341234abcdef0123456789"),
]


def test_identifiers_and_hashes_are_never_taken_for_personal_data():
    samples = [uuid7() for _ in range(20000)] + [secrets.token_hex(32) for _ in range(5000)]
    assert [s for s in samples if find_personal_data(s)] == []


def test_gb11643_check_digit_and_birth_date():
    assert is_citizen_id("11010519491231002X") and is_citizen_id("440524188001010014")
    assert not is_citizen_id("110105194912310021")  # wrong check digit
    assert not is_citizen_id("11010519491331002X")  # month 13
    assert find_personal_data({"a": ["x", {"b": "440524188001010014"}]}) == ("$.a[1].b", "citizen ID number")
    assert find_personal_data({"a": "13912345678"}) == ("$.a", "mobile number")


@pytest.mark.parametrize(
    ("change", "code"), [(c, code) for _, c, code in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_envelope_is_rejected(change, code):
    result = check_envelope(_with(change), protect_keys={"k1": PROTECT_KEY})
    assert (getattr(result, "code", None), type(result).__name__) == (code, "Rejection")
    assert " / " in result.reason  # English / Chinese


@pytest.mark.parametrize("change", [c for _, c in PII], ids=[p[0] for p in PII])
def test_personal_data_outside_protected_is_rejected(change):
    result = check_envelope(_with(change), protect_keys={})
    assert getattr(result, "code", None) == "PII_OUTSIDE_PROTECTED"
    assert ID_NUMBER not in result.reason and MOBILE not in result.reason  # the reason never quotes it
    assert "个人信息" in result.reason


@pytest.mark.parametrize("change", NOT_PII)
def test_masked_values_and_codes_are_not_personal_data(change):
    result = check_envelope(_with(change), protect_keys={})
    assert type(result).__name__ == "Candidate", result


def test_rejections_come_back_per_event_and_are_counted(client: SignedClient):
    good = envelope("t-ok", 1)
    bad_type = _with(_set("event_type", "hall.window.opened"))
    with_pii = {**envelope("t-pii", 1), "data": {"mobile": MOBILE}}
    results = client.results(client.post_batch([good, bad_type, "not an event", with_pii]))
    assert [(r.outcome.value, r.code) for r in results] == [
        ("accepted", ""),
        ("rejected", "EVENT_TYPE_INVALID"),
        ("rejected", "ENVELOPE_NOT_OBJECT"),
        ("rejected", "PII_OUTSIDE_PROTECTED"),
    ]
    assert [r.event_id for r in results] == [good["event_id"], bad_type["event_id"], "", with_pii["event_id"]]
    stats = client.stats()
    assert (stats["accepted"], stats["rejected"]) == (1, 3)
    assert client.aggregate("ticket", "t-pii")["events"] == []


def _refusal(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return wire.WireError.model_validate_json(response.content).code


def test_body_not_json_is_400(client: SignedClient):
    assert _refusal(client.send("POST", wire.EVENTS_PATH, b"{not json"), 400) == "BODY_NOT_JSON"
    assert _refusal(client.send("POST", wire.BATCH_PATH, b"\xff\xfe"), 400) == "BODY_NOT_JSON"


@pytest.mark.parametrize(
    "payload",
    [[], {"events": []}, {"events": "x"}, {"events": [{}], "more": 1}, {"event": []}, None],
    ids=["list", "empty", "string", "extra key", "misspelt", "null"],
)
def test_batch_of_the_wrong_shape_is_422(client: SignedClient, payload):
    assert _refusal(client.send("POST", wire.BATCH_PATH, wire.encode_body(payload)), 422) == "BATCH_INVALID"


def test_batch_too_large_is_422(client: SignedClient):
    events = [envelope(f"t{i}", 1) for i in range(wire.MAX_BATCH + 1)]
    assert _refusal(client.post_batch(events), 422) == "BATCH_INVALID"
    assert client.deliver(*events[: wire.MAX_BATCH]) == ["accepted"] * wire.MAX_BATCH


def test_single_endpoint_wants_one_object(client: SignedClient):
    body = wire.encode_body([envelope("t1", 1)])
    assert _refusal(client.send("POST", wire.EVENTS_PATH, body), 422) == "BODY_INVALID"


def test_bad_query_parameters_are_422(client: SignedClient):
    assert _refusal(client.send("GET", wire.DAY_PATH.format(day="2026-13-01")), 422) == "REQUEST_INVALID"
