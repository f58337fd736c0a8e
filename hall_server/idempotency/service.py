"""Run a state change at most once per caller and key, and answer every repeat with the first answer.

`once(ctx, call, work)` runs inside the caller's transaction (UnitOfWork.run), after authentication:

1. a stored answer for (caller, key) → `Replayed` with it, if the request is the same; IDEMPOTENCY_KEY_REUSED
   (422) if the key came with another request;
2. otherwise it inserts a claim row, runs the work and fills the claim with the answer, so the answer is
   committed with the change or not at all. A second request with the same key that arrives while the first
   is in flight waits for it: on PostgreSQL on the claim's unique key (`INSERT … ON CONFLICT DO NOTHING`
   waits for the other transaction, at most `idempotency_wait_seconds`, then IDEMPOTENCY_IN_PROGRESS, 409;
   Core statements, the claim's insert and its answer's update, no savepoint). On SQLite the transaction
   already holds the database's single write lock (it began IMMEDIATE), so no one else can be in flight
   with the key: the record is written once, with the answer, after the work, one INSERT;
3. a refusal (any error) rolls the claim back with the change: refusals are not stored, so a retry runs
   again and gets the same refusal, or succeeds if the reason has gone (a window opened meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn, TypeVar

from cryptography.hazmat.primitives import hashes
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from hall_server.core.context import Ctx
from hall_server.core.db import table_of, upsert_statement
from hall_server.core.errors import Conflict, DomainError, Invalid
from hall_server.idempotency.models import IdempotencyRecord

T = TypeVar("T")

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
PURGE_BATCH = 1000
_LOCK_NOT_AVAILABLE = "55P03"
_RECORD = table_of(IdempotencyRecord)
_KEY_CHARS = frozenset(chr(c) for c in range(0x20, 0x7F)) - {'"', "\\"}


class KeyInvalid(DomainError):
    status = 400


class Replayed(Exception):
    """Raised inside the transaction (which then rolls back, having changed nothing) to send a stored
    answer; the HTTP layer turns it into that response."""

    def __init__(self, status_code: int, body: bytes) -> None:
        super().__init__(f"replayed {status_code}")
        self.status_code = status_code
        self.body = body


@dataclass(frozen=True)
class IdempotentCall:
    """One request that carries a key: what identifies it and how its answer is written."""

    key: str
    method: str
    path: str  # with the query string, if any
    request_hash: str
    status_code: int  # of a successful answer
    render: Callable[[object], bytes]  # the work's result as the response body, byte for byte


def parse_key(raw: str) -> str:
    """The key as sent: 1–255 printable ASCII characters other than quotes and backslashes, bare or as a
    structured-field string ("..."), as the IETF draft writes it."""
    key = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.strip() or not all(c in _KEY_CHARS for c in key):
        raise KeyInvalid(
            "IDEMPOTENCY_KEY_INVALID",
            "Idempotency-Key 格式不正确：应为1至255个可打印的ASCII字符（不含引号和反斜杠），"
            "建议每次操作生成一个新的UUID",
        )
    return key


def request_hash(method: str, path: str, body: bytes) -> str:
    """SM3 over what makes two requests the same request: method, path with query, and the body bytes."""
    digest = hashes.Hash(hashes.SM3())
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.finalize().hex()


def principal_scope(ctx: Ctx) -> str:
    """Keys are the caller's own: another device's identical key is another key."""
    principal = ctx.principal
    if principal is None:
        raise ValueError("an idempotent call needs an authenticated caller")
    if principal.is_staff:
        return f"staff:{principal.staff_id}"
    return f"device:{principal.device_id}"


def once(ctx: Ctx, call: IdempotentCall, work: Callable[[Ctx], T]) -> T:
    principal = principal_scope(ctx)
    stored = _find(ctx, principal, call.key)
    if stored is not None:
        if not _expired(ctx, stored):
            _answer(stored, call)
        ctx.session.delete(stored)  # past its time to live: the key is new again
        ctx.session.flush()
    claim = {
        "principal": principal,
        "idem_key": call.key,
        "method": call.method,
        "path": call.path[:512],
        "request_hash": call.request_hash,
        "created_at": ctx.clock.now(),
    }
    serialised = ctx.session.get_bind().dialect.name == "sqlite"
    claim_id = None if serialised else _claim(ctx, claim, call)
    result = work(ctx)
    answer = {"status_code": call.status_code, "response_body": call.render(result).decode()}
    if claim_id is None:
        ctx.session.add(IdempotencyRecord(**claim, **answer))
    else:  # a Core statement: the claim was inserted by one, and is never read back in this transaction
        ctx.session.execute(update(_RECORD).where(_RECORD.c.id == claim_id).values(**answer))
    return result


def purge_expired(ctx: Ctx, limit: int = PURGE_BATCH) -> int:
    """Delete up to `limit` records older than the time to live, oldest first (index on created_at): a
    bounded cost per sweep, however many keys a busy day left."""
    cutoff = ctx.clock.now() - timedelta(hours=ctx.settings.idempotency_ttl_hours)
    oldest = (
        select(IdempotencyRecord.id)
        .where(IdempotencyRecord.created_at < cutoff)
        .order_by(IdempotencyRecord.created_at)
        .limit(limit)
    )
    ids = list(ctx.session.scalars(oldest))
    if ids:
        ctx.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(ids)))
    return len(ids)


def _find(ctx: Ctx, principal: str, key: str) -> IdempotencyRecord | None:
    return ctx.session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal == principal, IdempotencyRecord.idem_key == key
        )
    ).first()


def _expired(ctx: Ctx, record: IdempotencyRecord) -> bool:
    return record.created_at <= ctx.clock.now() - timedelta(hours=ctx.settings.idempotency_ttl_hours)


def _answer(record: IdempotencyRecord, call: IdempotentCall) -> NoReturn:
    if record.request_hash != call.request_hash:
        raise Invalid(
            "IDEMPOTENCY_KEY_REUSED",
            "该 Idempotency-Key 已用于另一个请求：同一操作重试时请原样重发，新的操作请使用新的键",
        )
    if record.status_code is None or record.response_body is None:
        _in_progress()
    raise Replayed(record.status_code, record.response_body.encode())


def _in_progress() -> NoReturn:
    raise Conflict("IDEMPOTENCY_IN_PROGRESS", "使用同一 Idempotency-Key 的请求仍在处理中，请稍后重试")


def _claim(ctx: Ctx, claim: dict[str, Any], call: IdempotentCall) -> int:
    """Insert the claim (PostgreSQL) and return its id; if the same key is in flight elsewhere, wait for
    that transaction to end (ON CONFLICT waits for it, bounded by the lock timeout), then answer as it did."""
    session = ctx.session
    wait_ms = round(ctx.settings.idempotency_wait_seconds * 1000)
    session.execute(text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{wait_ms}ms"})
    statement = (
        upsert_statement(session, _RECORD)
        .values(**claim, hall_id=ctx.hall_id)  # a Core statement: scoped by hand
        .on_conflict_do_nothing(index_elements=["principal", "idem_key"])
        .returning(_RECORD.c.id)
    )
    try:
        claim_id: int | None = session.execute(statement).scalar()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            _in_progress()
        raise
    session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    if claim_id is None:  # the key's first request committed meanwhile: now visible
        winner = _find(ctx, claim["principal"], claim["idem_key"])
        if winner is None:
            _in_progress()
        _answer(winner, call)
    return claim_id
