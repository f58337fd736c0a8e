"""Is one envelope a valid hall-sync/1 event? Pure functions: no database, no HTTP.

Checks, in order, each with its machine code: the idempotency key (single-event endpoint), `spec`, no
fields outside standards.md §7.2, event id (UUIDv7), event type pattern, region code (12 digits), aggregate
type and seq, no personal data outside `protected`, the contract `Envelope`, timezone-aware times, and the
`protected` block decrypting under a known key id. Reasons are English / Chinese and never quote a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from hall_server.contract.events import Envelope
from hall_server.sync import wire

ENVELOPE_KEYS = frozenset(
    {
        "spec", "event_id", "event_type", "event_version", "occurred_at", "recorded_at", "source",
        "aggregate", "refs", "correlation_id", "causation_id", "actor", "data_version",
        "supersedes_event_id", "data", "protected", "prev_hash",
    }
)  # fmt: skip
AGGREGATE_TYPES = frozenset(
    {"ticket", "appointment", "case", "joint_case", "evaluation", "evaluation_followup", "complaint"}
)
EVENT_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
EVENT_TYPE_RE = re.compile(
    r"^(queue|appointment|case|result|evaluation|evaluation_followup|complaint)\.[a-z_]+(\.[a-z_]+)?$"
)
REGION_RE = re.compile(r"^\d{12}$")
PREV_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
PROTECTED_AAD = "event_id|event_type|aggregate.id"
# Not part of the envelope's personal-data scan: the encrypted block and the hash chain.
UNSCANNED_KEYS = frozenset({"protected", "prev_hash"})

# Whole tokens only: a number glued to Latin letters or digits is part of an identifier or a hash (a UUID's
# last group can hold 11 digits), not a person's number; Chinese text, punctuation and spaces do separate.
CITIZEN_ID_RE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9A-Za-z])")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

CHINESE = {
    "ENVELOPE_NOT_OBJECT": "事件不是 JSON 对象",
    "IDEMPOTENCY_KEY_MISMATCH": "Idempotency-Key 与 event_id 不一致",
    "SPEC_UNSUPPORTED": "不支持的规范版本",
    "FIELD_UNKNOWN": "信封含有规范之外的字段",
    "EVENT_ID_INVALID": "event_id 不是 UUIDv7",
    "EVENT_TYPE_INVALID": "事件类型格式不符",
    "EVENT_TYPE_UNKNOWN": "未知的事件类型",
    "REGION_CODE_INVALID": "区划代码应为 12 位数字",
    "AGGREGATE_TYPE_INVALID": "聚合类型不在规范之内",
    "SEQ_INVALID": "聚合序号应为不小于 1 的整数",
    "PII_OUTSIDE_PROTECTED": "个人信息出现在加密块之外",
    "ENVELOPE_INVALID": "信封结构不符",
    "TIME_NOT_AWARE": "时间缺少时区",
    "PROTECTED_KID_UNKNOWN": "加密块的密钥编号未知",
    "PROTECTED_INVALID": "加密块无法解密",
}


@dataclass(frozen=True)
class Candidate:
    """A valid event, not yet checked against what the platform already holds."""

    event_id: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    seq: int
    occurred_at: datetime
    envelope: dict[str, Any]


@dataclass(frozen=True)
class Rejection:
    event_id: str
    code: str
    reason: str

    def result(self) -> wire.EventResult:
        return wire.EventResult(
            event_id=self.event_id,
            status=422,
            outcome=wire.ResultStatus.REJECTED,
            code=self.code,
            message=self.reason,
        )


class Invalid(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def reason(code: str, detail: str) -> str:
    return f"{detail} / {CHINESE.get(code, code)}"


def check_envelope(
    raw: object, *, protect_keys: Mapping[str, bytes], idempotency_key: str | None = None
) -> Candidate | Rejection:
    """`idempotency_key` is the header of the single-event endpoint ("" when absent); None for a batch."""
    if not isinstance(raw, dict):
        return Rejection(
            "", "ENVELOPE_NOT_OBJECT", reason("ENVELOPE_NOT_OBJECT", "the event is not an object")
        )
    event_id = raw.get("event_id")
    shown_id = event_id if isinstance(event_id, str) else ""
    try:
        return _check(raw, protect_keys, idempotency_key)
    except Invalid as exc:
        return Rejection(shown_id or (idempotency_key or ""), exc.code, reason(exc.code, exc.detail))


def _check(raw: dict[str, Any], keys: Mapping[str, bytes], idempotency_key: str | None) -> Candidate:
    if idempotency_key is not None and idempotency_key != raw.get("event_id"):
        raise Invalid("IDEMPOTENCY_KEY_MISMATCH", "Idempotency-Key must equal event_id")
    if raw.get("spec") != wire.SPEC:
        raise Invalid("SPEC_UNSUPPORTED", f"spec must be {wire.SPEC}")
    unknown = sorted(str(key)[:40] for key in raw if key not in ENVELOPE_KEYS)
    if unknown:
        raise Invalid("FIELD_UNKNOWN", f"fields not in hall-sync/1: {', '.join(unknown[:5])}")
    if not isinstance(raw.get("event_id"), str) or not EVENT_ID_RE.match(raw["event_id"]):
        raise Invalid("EVENT_ID_INVALID", "event_id must be a lower-case UUIDv7")
    if not isinstance(raw.get("event_type"), str) or not EVENT_TYPE_RE.match(raw["event_type"]):
        raise Invalid("EVENT_TYPE_INVALID", "event_type does not match the hall-sync/1 pattern")
    source = raw.get("source")
    region = source.get("region_code") if isinstance(source, dict) else None
    if not isinstance(region, str) or not REGION_RE.match(region):
        raise Invalid("REGION_CODE_INVALID", "source.region_code must be 12 digits")
    aggregate = raw.get("aggregate")
    if not isinstance(aggregate, dict) or aggregate.get("type") not in AGGREGATE_TYPES:
        raise Invalid("AGGREGATE_TYPE_INVALID", f"aggregate.type must be one of {sorted(AGGREGATE_TYPES)}")
    seq = aggregate.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise Invalid("SEQ_INVALID", "aggregate.seq must be an integer >= 1")
    where = find_personal_data({k: v for k, v in raw.items() if k not in UNSCANNED_KEYS})
    if where is not None:
        raise Invalid("PII_OUTSIDE_PROTECTED", f"personal data ({where[1]}) at {where[0]} outside protected")
    if raw.get("protected") is not None:  # null is the same as no block
        _check_protected(raw, keys)
    envelope = _parse(raw)
    for name in ("occurred_at", "recorded_at"):
        if getattr(envelope, name).utcoffset() is None:
            raise Invalid("TIME_NOT_AWARE", f"{name} has no UTC offset")
    return Candidate(
        event_id=envelope.event_id,
        event_type=envelope.event_type.value,
        aggregate_type=envelope.aggregate.type.value,
        aggregate_id=envelope.aggregate.id,
        seq=envelope.aggregate.seq,
        occurred_at=envelope.occurred_at,
        envelope=raw,
    )


def _parse(raw: dict[str, Any]) -> Envelope:
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        if any(error["loc"] == ("event_type",) for error in errors):
            raise Invalid("EVENT_TYPE_UNKNOWN", "event_type is not a known hall event type") from exc
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:3])
        raise Invalid("ENVELOPE_INVALID", where) from exc
    if envelope.event_version < 1 or envelope.data_version < 1:
        raise Invalid("ENVELOPE_INVALID", "event_version and data_version must be >= 1")
    prev_hash = raw.get("prev_hash")
    if prev_hash is not None and (not isinstance(prev_hash, str) or not PREV_HASH_RE.match(prev_hash)):
        raise Invalid("ENVELOPE_INVALID", "prev_hash must be 64 lower-case hex characters")
    return envelope


def _check_protected(raw: dict[str, Any], keys: Mapping[str, bytes]) -> None:
    block = raw["protected"]
    if not isinstance(block, dict) or block.get("alg") != "SM4-GCM":
        raise Invalid("PROTECTED_INVALID", "protected must be an SM4-GCM block")
    if block.get("aad", PROTECTED_AAD) != PROTECTED_AAD:
        raise Invalid("PROTECTED_INVALID", f"protected.aad must be {PROTECTED_AAD}")
    kid = block.get("kid")
    key = keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise Invalid("PROTECTED_KID_UNKNOWN", "protected.kid names no key of this platform")
    try:
        personal = wire.unprotect(key, raw)
    except wire.SignatureError as exc:
        raise Invalid("PROTECTED_INVALID", "protected does not decrypt (key, iv, tag or AAD)") from exc
    if not isinstance(personal, dict):
        raise Invalid("PROTECTED_INVALID", "protected must decrypt to a JSON object")


# --- personal data -----------------------------------------------------------------------------------------


def is_citizen_id(text: str) -> bool:
    """GB 11643: 17 digits and a MOD 11-2 check character, with a real birth date in 1850-2099."""
    if len(text) != 18 or not (text[:17].isascii() and text[:17].isdigit()):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(text[:17], ID_WEIGHTS, strict=True))
    if "10X98765432"[total % 11] != text[17].upper():
        return False
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return 1850 <= born.year <= 2099


def personal_kind(text: str) -> str | None:
    if any(is_citizen_id(match.group()) for match in CITIZEN_ID_RE.finditer(text)):
        return "citizen ID number"
    if MOBILE_RE.search(text):
        return "mobile number"
    return None


def find_personal_data(value: object) -> tuple[str, str] | None:
    """(where, what) of the first citizen ID number or mobile number in a JSON value, keys included."""
    for path, text in _texts(value, "$"):
        kind = personal_kind(text)
        if kind is not None:
            return path, kind
    return None


def _texts(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path} (a key)", str(key)
            yield from _texts(item, f"{path}.{key}"[:120])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield path, str(value)
