"""hall-sync/1 signing and the protected block, against the worked examples of standards.md §6.3 / §7.4."""

from __future__ import annotations

import pytest

from hall_server.sync import wire
from hall_server.sync.backoff import full_jitter

BODY = (
    b'{"event_id":"0190f3b2-7c1e-7a3b-9f00-5d2c1a000001","event_type":"queue.ticket.issued",'
    b'"occurred_at":"2025-03-18T09:15:02+08:00"}'
)


def test_signature_worked_example():
    assert wire.sm3_hex(BODY) == "742fc2ea24ff73ea2b73258c196e6141a68bd670f8e644a50c367bbc3a5a4383"
    headers = wire.sign(
        b"demo-secret-do-not-use",
        "POST",
        "/open/hall/v1/events",
        "HALL-APP-001",
        BODY,
        timestamp=1742260502,
        nonce="8f1c2e9a7b6d4c3e",
    )
    assert (
        headers[wire.SIGNATURE_HEADER] == "a6336df3042facb3c1ee393236927504edc71711e57edd0240ceaa944d89e415"
    )


def test_verify_accepts_its_own_signature_and_refuses_tampering():
    secrets = {"HALL-APP-001": b"s3cret"}
    headers = wire.sign(b"s3cret", "POST", "/p", "HALL-APP-001", BODY, timestamp=1000)
    assert wire.verify(secrets, "POST", "/p", headers, BODY, now=1100)[0] == "HALL-APP-001"
    for change, code in [
        ({"body": BODY + b" "}, "SIGNATURE_INVALID"),
        ({"path": "/q"}, "SIGNATURE_INVALID"),
        ({"now": 1000 + wire.MAX_SKEW_SECONDS + 1}, "TIMESTAMP_SKEW"),
        ({"secrets": {"OTHER": b"s3cret"}}, "APP_UNKNOWN"),
    ]:
        args = {"secrets": secrets, "path": "/p", "body": BODY, "now": 1100, **change}
        with pytest.raises(wire.SignatureError) as caught:
            wire.verify(args["secrets"], "POST", args["path"], headers, args["body"], now=args["now"])
        assert caught.value.code == code


def test_protected_block_of_the_standards_example_decrypts():
    envelope = {
        "event_id": "0190f3b2-7c1e-7a3b-9f00-5d2c1a000101",
        "event_type": "case.accepted",
        "aggregate": {"type": "case", "id": "c_01HQZ8K0", "seq": 3},
        "protected": {
            "alg": "SM4-GCM",
            "kid": "demo-key-00112233",
            "iv": "AQIDBAUGBwgJCgsM",
            "ct": "EOaIpDCFKwwRXSD5TandHcxckn2Iw9nZJOhZACq2eSeuLPHsQwiw06QX9v+ybwdK2S9LBA3jfnWJ"
            "ddu3eph7QpqH0hL7/EHhzEQqIaEySAPlDtjn6+s=",
            "tag": "uAS8QRZOYN/TLvy83wxy0A==",
            "aad": "event_id|event_type|aggregate.id",
        },
    }
    key = bytes.fromhex("00112233445566778899aabbccddeeff")
    assert wire.unprotect(key, envelope) == {
        "applicant": {"name": "张小三", "id_no": "11010519491231002X", "mobile": "13812341234"}
    }
    envelope["aggregate"]["id"] = "c_other"  # bound to its event: moved elsewhere it does not decrypt
    with pytest.raises(wire.SignatureError):
        wire.unprotect(key, envelope)


def test_protect_round_trip():
    envelope = {"event_id": "e1", "event_type": "case.submitted", "aggregate": {"id": "c1"}}
    envelope["protected"] = wire.protect(b"k" * 16, "kid-1", envelope, {"id_no": "x"})
    assert wire.unprotect(b"k" * 16, envelope) == {"id_no": "x"}


def test_day_hash_ignores_order():
    assert wire.day_hash(["b", "a"]) == wire.day_hash(["a", "b"]) == wire.sm3_hex(b"a\nb")


def test_full_jitter_stays_under_the_growing_ceiling():
    import random

    rng = random.Random(1)
    for attempt in range(1, 12):
        ceiling = min(300, 1.0 * 2 ** (attempt - 1))
        samples = [full_jitter(attempt, 1.0, 300, rng) for _ in range(200)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.8  # really spread over the whole range
