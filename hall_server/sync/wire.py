"""hall-sync/1 on the wire: what the hall sends to the provincial platform and what it gets back.
Shared by the delivery worker (sender) and the reference receiver (`yimen platform serve`).

Endpoints (JSON, UTF-8):

    POST {base}/open/hall/v1/events            one event; body = the envelope; Idempotency-Key: <event_id>
    POST {base}/open/hall/v1/events:batch      {"events": [envelope, ...]} (at most MAX_BATCH); each
                                               event's event_id is its idempotency key
    GET  {base}/open/hall/v1/aggregates/{type}/{id}/events     the accepted events of one aggregate, by seq
    GET  {base}/open/hall/v1/days/{yyyy-mm-dd}[?ids=1]         DaySummary: count and hash per local day
    GET  {base}/open/hall/v1/stats                              counters of the reference receiver (tests)
    POST {base}/open/hall/v1/case-numbers      获取办件编号: CaseNumberRequest → CaseNumberAnswer (200); the
                                               same (source hall, local case number) always gets the same
                                               PROJID, so a sender may ask again after any failure

Every request carries (standards.md §6.3)

    X-Hall-App-Id     the hall's application id at the platform
    X-Hall-Timestamp  Unix seconds; the receiver refuses |now - ts| > MAX_SKEW_SECONDS
    X-Hall-Nonce      16 hex chars; the receiver refuses a nonce seen in the last NONCE_TTL_SECONDS
    X-Hall-Signature  hex(HMAC-SM3(secret, canonical)), canonical being the lines
                      METHOD, PATH, APP_ID, TIMESTAMP, NONCE, SM3_hex(body) joined by \\n
                      (PATH as sent on the wire, without the query string; a GET's body is b"")

Answers (standards.md §6.4; a sender judges by HTTP semantics first, see hall_server/sync/answers.py):
    Both endpoints answer a BatchResult: `results`, one item per event, each with `status` (the HTTP status
    the event would have had alone), `outcome` and `message` (plus `code`, and `expected_seq` on a gap):
        accepted   200  stored
        duplicate  200  already stored under this event id: counts as delivered
        rejected   409  conflicts with what is stored (seq taken, event id reused); 422 the event is invalid:
                        permanent, the sender dead-letters it with the message
        retry      425  cannot be applied yet (SEQUENCE_GAP: an earlier event of the aggregate is missing)
    The single-event endpoint answers with its one item's status; a batch answers with the status its items
    share, or 207 Multi-Status when they differ. The items decide, whatever the response status.
    Whole-request refusals carry a WireError body and no results:
    400/422  the request as a whole is malformed (a sender then sends the batch's events one by one)
    401  SIGNATURE_INVALID | TIMESTAMP_SKEW | NONCE_REPLAYED | APP_UNKNOWN: the sender retries and alerts
    429, 5xx, timeouts, dropped connections: the sender retries with backoff (429/503 with Retry-After)

Personal data travels only inside the envelope's `protected` block: SM4-GCM with a key shared with the
platform (`kid` names it), AAD = "<event_id>|<event_type>|<aggregate.id>", fields base64.
"""

from __future__ import annotations

import base64
import hmac as std_hmac
import json
import os
import secrets
import time
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pydantic import BaseModel, Field

SPEC = "hall-sync/1"
EVENTS_PATH = "/open/hall/v1/events"
BATCH_PATH = "/open/hall/v1/events:batch"
AGGREGATE_PATH = "/open/hall/v1/aggregates/{type}/{id}/events"
DAY_PATH = "/open/hall/v1/days/{day}"
STATS_PATH = "/open/hall/v1/stats"
CASE_NUMBERS_PATH = "/open/hall/v1/case-numbers"
MAX_BATCH = 200
MAX_SKEW_SECONDS = 300
NONCE_TTL_SECONDS = 600

APP_ID_HEADER = "X-Hall-App-Id"
TIMESTAMP_HEADER = "X-Hall-Timestamp"
NONCE_HEADER = "X-Hall-Nonce"
SIGNATURE_HEADER = "X-Hall-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class ResultStatus(StrEnum):
    """An event's outcome at the receiver (the `outcome` of a result item)."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    RETRY = "retry"


# The HTTP status each outcome has when the event is answered alone (rejections may say 409 instead).
OUTCOME_HTTP_STATUS = {
    ResultStatus.ACCEPTED: 200,
    ResultStatus.DUPLICATE: 200,
    ResultStatus.REJECTED: 422,
    ResultStatus.RETRY: 425,
}


class EventResult(BaseModel):
    event_id: str
    status: int = Field(description="the HTTP status this event would have had alone")
    outcome: ResultStatus
    message: str = ""
    code: str = ""
    expected_seq: int | None = None


class BatchResult(BaseModel):
    results: list[EventResult]

    def http_status(self) -> int:
        """The status the items share, or 207 Multi-Status when they differ."""
        statuses = {result.status for result in self.results}
        return statuses.pop() if len(statuses) == 1 else 207


class WireError(BaseModel):
    """A whole-request refusal (400, 401, 422, 429, 5xx)."""

    code: str
    reason: str


class DaySummary(BaseModel):
    """What the platform holds for one local day (by occurred_at in Asia/Shanghai): for reconciliation."""

    day: date
    count: int
    hash: str = Field(description="SM3 hex of the day's event ids, sorted, joined by newlines")
    event_ids: list[str] | None = Field(default=None, description="with ?ids=1")


class CaseNumberRequest(BaseModel):
    """获取办件编号: the platform's PROJID for one accepted case of a hall (standards.md §3.3)."""

    source_hall_code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    local_case_no: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_-]+$")
    matter_code: str = Field(default="", max_length=64)


class CaseNumberAnswer(BaseModel):
    """The PROJID: opaque (never parse it), at most 50 characters."""

    case_no: str = Field(min_length=1, max_length=50)
    source_hall_code: str
    local_case_no: str
    allocated_at: datetime


class SignatureError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def day_hash(event_ids: list[str]) -> str:
    return sm3_hex("\n".join(sorted(event_ids)).encode())


def canonical(method: str, path: str, app_id: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join([method.upper(), path, app_id, timestamp, nonce, sm3_hex(body)])


def hmac_sm3_hex(secret: bytes, message: str) -> str:
    mac = hmac.HMAC(secret, hashes.SM3())
    mac.update(message.encode())
    return mac.finalize().hex()


def sign(
    secret: bytes,
    method: str,
    path: str,
    app_id: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The signing headers for one request."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    once = nonce or secrets.token_hex(8)
    signature = hmac_sm3_hex(secret, canonical(method, path, app_id, stamp, once, body))
    return {APP_ID_HEADER: app_id, TIMESTAMP_HEADER: stamp, NONCE_HEADER: once, SIGNATURE_HEADER: signature}


def verify(
    secret_for: Mapping[str, bytes],
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
) -> tuple[str, str]:
    """Check app id, timestamp window and signature; returns (app_id, nonce) for the caller's replay check."""
    lowered = {key.lower(): value for key, value in headers.items()}
    app_id = lowered.get(APP_ID_HEADER.lower(), "")
    secret = secret_for.get(app_id)
    if secret is None:
        raise SignatureError("APP_UNKNOWN", f"unknown app id {app_id!r}")
    stamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    nonce = lowered.get(NONCE_HEADER.lower(), "")
    given = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not (stamp.isascii() and stamp.isdigit()) or abs(now - int(stamp)) > MAX_SKEW_SECONDS:
        raise SignatureError(
            "TIMESTAMP_SKEW", f"timestamp {stamp!r} is more than {MAX_SKEW_SECONDS}s from now"
        )
    if len(nonce) != 16:
        raise SignatureError("SIGNATURE_INVALID", "nonce must be 16 hex characters")
    expected = hmac_sm3_hex(secret, canonical(method, path, app_id, stamp, nonce, body))
    if not std_hmac.compare_digest(expected, given):
        raise SignatureError("SIGNATURE_INVALID", "signature does not match the request")
    return app_id, nonce


def aad_for(envelope: Mapping[str, Any]) -> bytes:
    return f"{envelope['event_id']}|{envelope['event_type']}|{envelope['aggregate']['id']}".encode()


def protect(key: bytes, kid: str, envelope: Mapping[str, Any], personal: Mapping[str, Any]) -> dict[str, str]:
    """The SM4-GCM `protected` block carrying personal data for this envelope."""
    iv = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(aad_for(envelope))
    body = encryptor.update(json.dumps(personal, ensure_ascii=False).encode()) + encryptor.finalize()
    return {
        "alg": "SM4-GCM",
        "kid": kid,
        "iv": base64.b64encode(iv).decode(),
        "ct": base64.b64encode(body).decode(),
        "tag": base64.b64encode(encryptor.tag).decode(),
        "aad": "event_id|event_type|aggregate.id",
    }


def unprotect(key: bytes, envelope: Mapping[str, Any]) -> dict[str, Any]:
    block = envelope["protected"]
    try:
        iv, body, tag = (base64.b64decode(block[name]) for name in ("iv", "ct", "tag"))
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(iv, tag)).decryptor()
        decryptor.authenticate_additional_data(aad_for(envelope))
        data: dict[str, Any] = json.loads(decryptor.update(body) + decryptor.finalize())
    except (KeyError, ValueError, InvalidTag) as exc:
        raise SignatureError(
            "PROTECTED_INVALID", "protected block cannot be decrypted with the shared key"
        ) from exc
    return data


def encode_body(payload: Any) -> bytes:
    """Compact, key-sorted JSON: the exact bytes that are hashed and signed."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
