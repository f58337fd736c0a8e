"""Personal data travels in the SM4-GCM `protected` block: it must decrypt with a key the platform knows."""

from __future__ import annotations

import base64

from hall_server.contract.events import EventType
from hall_server.platform.validation import check_envelope
from hall_server.sync import wire
from tests.platform.helpers import PROTECT_KEY, SignedClient, envelope

APPLICANT = {"applicant": {"name": "张小三", "id_no": "11010519491231002X", "mobile": "13812341234"}}

# standards.md §7.4, the case.accepted example: the fields the AAD and the block depend on, verbatim.
EXAMPLE = {
    "event_id": "0190f3b2-7c1e-7a3b-9f00-5d2c1a000101",
    "event_type": "case.accepted",
    "aggregate": {"type": "case", "id": "c_01HQZ8K0", "seq": 3},
    "protected": {
        "alg": "SM4-GCM",
        "kid": "demo-key-00112233",
        "iv": "AQIDBAUGBwgJCgsM",
        "ct": "EOaIpDCFKwwRXSD5TandHcxckn2Iw9nZJOhZACq2eSeuLPHsQwiw06QX9v+ybwdK2S9LBA3jfnWJddu3eph7Qpq"
        "H0hL7/EHhzEQqIaEySAPlDtjn6+s=",
        "tag": "uAS8QRZOYN/TLvy83wxy0A==",
        "aad": "event_id|event_type|aggregate.id",
    },
}
DEMO_KEY = bytes.fromhex("00112233445566778899aabbccddeeff")


def test_standards_example_block_decrypts_to_the_applicant():
    assert base64.b64decode(EXAMPLE["protected"]["iv"]) == bytes.fromhex("0102030405060708090a0b0c")
    assert wire.aad_for(EXAMPLE) == b"0190f3b2-7c1e-7a3b-9f00-5d2c1a000101|case.accepted|c_01HQZ8K0"
    assert wire.unprotect(DEMO_KEY, EXAMPLE) == APPLICANT
    # Any other event id, type or aggregate id (the AAD) and the tag does not match.
    for changed in ({"event_type": "case.submitted"}, {"aggregate": {"id": "c_01HQZ8K1"}}):
        try:
            wire.unprotect(DEMO_KEY, {**EXAMPLE, **changed})
        except wire.SignatureError as exc:
            assert exc.code == "PROTECTED_INVALID"
        else:
            raise AssertionError(f"decrypted with a different AAD: {changed}")


def _protected_event(aggregate_id: str, kid: str = "k1", key: bytes = PROTECT_KEY) -> dict:
    event = envelope(aggregate_id, 1, event_type=EventType.TICKET_ISSUED)
    event["protected"] = wire.protect(key, kid, event, APPLICANT)
    return event


def test_protected_round_trip_is_accepted_and_stored_encrypted(client: SignedClient):
    event = _protected_event("t-prot")
    assert client.deliver(event) == ["accepted"]
    [stored] = client.aggregate("ticket", "t-prot")["events"]
    assert stored["envelope"]["protected"] == event["protected"]
    assert "张小三" not in str(stored) and "13812341234" not in str(stored)
    assert wire.unprotect(PROTECT_KEY, stored["envelope"]) == APPLICANT


def test_unknown_kid_and_undecryptable_blocks_are_rejected(client: SignedClient):
    unknown_kid = _protected_event("t1", kid="k-nobody")
    wrong_key = _protected_event("t2", key=bytes(16))
    moved = _protected_event("t3")
    moved["aggregate"]["id"] = "t3-elsewhere"  # the block was made for another aggregate id (AAD)
    tampered = _protected_event("t4")
    ct = bytearray(base64.b64decode(tampered["protected"]["ct"]))
    ct[0] ^= 1
    tampered["protected"]["ct"] = base64.b64encode(bytes(ct)).decode()
    bad_aad_label = _protected_event("t5")
    bad_aad_label["protected"]["aad"] = "event_id"
    results = client.results(client.post_batch([unknown_kid, wrong_key, moved, tampered, bad_aad_label]))
    assert [(r.outcome.value, r.code) for r in results] == [
        ("rejected", "PROTECTED_KID_UNKNOWN"),
        ("rejected", "PROTECTED_INVALID"),
        ("rejected", "PROTECTED_INVALID"),
        ("rejected", "PROTECTED_INVALID"),
        ("rejected", "PROTECTED_INVALID"),
    ]
    assert client.stats()["accepted"] == 0


def test_personal_data_inside_protected_is_not_scanned():
    event = _protected_event("t1")
    assert type(check_envelope(event, protect_keys={"k1": PROTECT_KEY})).__name__ == "Candidate"
    assert "13812341234" not in wire.encode_body(event).decode()
