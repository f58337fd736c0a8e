"""The Idempotency-Key header through the real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from hall_server.auth.service import authenticate
from hall_server.idempotency.models import IdempotencyRecord
from hall_server.queueing.models import Ticket
from tests.conftest import make_settings, start_server
from tests.factories import seed_hall

TICKET = {"category_code": "SOCIAL"}


def post(server, token: str, path: str, key: str | None, body: object = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return httpx.post(f"{server.base_url}/api/v1{path}", headers=headers, json=body, timeout=30)


def tickets(server) -> int:
    with server.state.factory() as session:
        return session.scalar(select(func.count(Ticket.id))) or 0


def test_a_repeat_gets_the_first_answer_byte_for_byte(server, hall):
    key = str(uuid.uuid4())
    first = post(server, hall.tokens["kiosk"], "/tickets", key, TICKET)
    again = post(server, hall.tokens["kiosk"], "/tickets", key, TICKET)
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first.headers and again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert tickets(server) == 1
    with server.state.factory() as session:
        record = session.scalars(select(IdempotencyRecord)).one()
    assert (record.idem_key, record.method, record.path, record.status_code) == (
        key,
        "POST",
        "/api/v1/tickets",
        201,
    )
    assert record.principal.startswith("device:") and len(record.request_hash) == 64


def test_without_a_key_every_post_acts(server, hall):
    for _ in range(2):
        assert post(server, hall.tokens["kiosk"], "/tickets", None, TICKET).status_code == 201
    assert tickets(server) == 2


def test_the_same_key_with_another_request_is_refused(server, hall):
    key = str(uuid.uuid4())
    assert post(server, hall.tokens["kiosk"], "/tickets", key, TICKET).status_code == 201
    other_body = post(server, hall.tokens["kiosk"], "/tickets", key, {"category_code": "ENTERPRISE"})
    other_path = post(server, hall.tokens["kiosk"], "/tickets/1/requeue", key)
    for refused in (other_body, other_path):
        assert refused.status_code == 422
        assert (
            refused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
            and "Idempotency-Key" in refused.json()["message"]
        )
    assert tickets(server) == 1


def test_keys_belong_to_their_caller(server, hall):
    key = "shared-key-1"
    kiosk = post(server, hall.tokens["kiosk"], "/tickets", key, TICKET)
    counter = post(server, hall.tokens["counter"], "/tickets", key, TICKET)
    assert kiosk.status_code == counter.status_code == 201
    assert "Idempotent-Replayed" not in counter.headers
    assert kiosk.json()["number"] == "B001" and counter.json()["number"] == "B002"


@pytest.mark.parametrize(
    "raw",
    [b"", b"   ", b"k" * 256, "键".encode(), b"a\tb", b'"', b"a\\b"],
    ids=["empty", "blank", "too-long", "non-ascii", "control", "lone-quote", "backslash"],
)
def test_a_malformed_key_is_refused_before_anything_happens(server, hall, raw):
    status, answer = raw_post(server, hall.tokens["kiosk"], raw, json.dumps(TICKET).encode())
    assert (status, answer["code"]) == (400, "IDEMPOTENCY_KEY_INVALID")
    assert tickets(server) == 0


def raw_post(server, token: str, key: bytes, body: bytes) -> tuple[int, dict]:
    """Over a plain socket: HTTP client libraries refuse to send some of these header values at all."""
    port = int(server.base_url.rsplit(":", 1)[1])
    head = (
        f"POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(head + b"Idempotency-Key: " + key + b"\r\n\r\n" + body)
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


def test_well_formed_keys(server, hall):
    for key in ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "k" * 255, "a b~!"):
        assert post(server, hall.tokens["kiosk"], "/tickets", key, TICKET).status_code == 201
    # the structured-field form and the bare form are the same key
    bare = post(server, hall.tokens["kiosk"], "/tickets", "8e03978e-40d5-43e8-bc93-6894a57f9324", TICKET)
    assert bare.headers["Idempotent-Replayed"] == "true"
    assert tickets(server) == 3


def test_authentication_comes_before_the_key(server, hall):
    response = httpx.post(
        f"{server.base_url}/api/v1/tickets", headers={"Idempotency-Key": ""}, json=TICKET, timeout=10
    )
    assert (response.status_code, response.json()["code"]) == (401, "AUTH_REQUIRED")
    clerk_key = str(uuid.uuid4())
    post(server, hall.tokens["kiosk"], "/tickets", clerk_key, TICKET)
    # the display may not issue tickets: a replay is still an authorised request, not a way around it
    refused = post(server, hall.tokens["display"], "/tickets", clerk_key, TICKET)
    assert refused.status_code == 403


def test_refusals_are_not_stored_so_a_retry_can_succeed(server, hall):
    post(server, hall.tokens["kiosk"], "/tickets", None, TICKET)
    key = str(uuid.uuid4())
    closed = post(server, hall.tokens["clerk1"], "/windows/1/call-next", key)
    assert (closed.status_code, closed.json()["code"]) == (403, "NOT_YOUR_WINDOW")  # not signed in yet
    assert post(server, hall.tokens["clerk1"], "/windows/1/open", None).status_code == 200
    called = post(server, hall.tokens["clerk1"], "/windows/1/call-next", key)
    assert called.status_code == 200 and "Idempotent-Replayed" not in called.headers
    assert called.json()["ticket"]["number"] == "B001"
    again = post(server, hall.tokens["clerk1"], "/windows/1/call-next", key)
    assert again.headers["Idempotent-Replayed"] == "true" and again.content == called.content


def test_concurrent_repeats_act_once(server, hall):
    """A kiosk that retries while its first try is still running: every answer is the one ticket."""
    key = str(uuid.uuid4())
    barrier = threading.Barrier(6)

    def press(_: int) -> httpx.Response:
        barrier.wait(timeout=30)
        return post(server, hall.tokens["kiosk"], "/tickets", key, TICKET)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(press, range(6)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.content for a in answers}) == 1
    assert sum("Idempotent-Replayed" not in a.headers for a in answers) == 1
    assert tickets(server) == 1


POSTS_WITH_KEYS = {
    "/api/v1/tickets",
    "/api/v1/tickets/{ticket_id}/requeue",
    "/api/v1/tickets/{ticket_id}/cancel",
    "/api/v1/tickets/{ticket_id}/delivery",
    "/api/v1/help-requests",
    "/api/v1/help-requests/{help_id}/resolve",
    "/api/v1/devices/health",
    *(
        f"/api/v1/windows/{{number}}/{op}"
        for op in (
            "open", "close", "pause", "resume", "call-next", "recall", "no-show", "start", "complete",
            "transfer", "park", "cancel",
        )
    ),
    "/api/v1/windows/{number}/devices/health",
    "/api/v1/windows/{number}/parked/{ticket_id}/resume",
    "/api/v1/opportunities/{opportunity_id}/evaluations",
    "/api/v1/opportunities/{opportunity_id}/not-evaluated",
    "/api/v1/evaluation/default-rule/run",
    "/api/v1/alerts/{alert_id}/acknowledge",
    "/api/v1/followups/{followup_id}/assign",
    "/api/v1/followups/{followup_id}/verify",
    "/api/v1/followups/{followup_id}/rectify",
    "/api/v1/followups/{followup_id}/reply",
    "/api/v1/followups/{followup_id}/revisit",
    "/api/v1/followups/{followup_id}/appeal",
    "/api/v1/followups/{followup_id}/review",
    "/api/v1/followups/{followup_id}/close",
    "/api/v1/appointments",
    "/api/v1/appointments/slots",
    "/api/v1/appointments/slots/generate",
    "/api/v1/appointments/check-in",
    "/api/v1/appointments/{appointment_id}/reschedule",
    "/api/v1/appointments/{appointment_id}/cancel",
    "/api/v1/hall/end-day",
    "/api/v1/hall/reopen-day",
    "/api/v1/auth/staff",
    "/api/v1/sync/replay",
    "/api/v1/sync/reconcile",
    "/api/v1/complaints",
    "/api/v1/cases",
    "/api/v1/cases/{case_id}/materials/{material_id}/attachments",  # the raw file as the body
    *(f"/api/v1/cases/{{case_id}}/{op}" for op in ("materials", "correction-notice", "not-accepted")),
    *(f"/api/v1/cases/{{case_id}}/{op}" for op in ("agents", "result/ready", "result/pickup", "result/mail")),
    *(
        f"/api/v1/backoffice/cases/{{case_id}}/{op}"
        for op in ("steps", "return", "special-procedures", "special-procedures/end", "conclusion")
    ),
    "/api/v1/joint-cases",
    *(
        f"/api/v1/joint-cases/{{joint_case_id}}/{op}"
        for op in ("materials", "correction-notice", "not-accepted")
    ),
    "/api/v1/complaints/import-12345",
    *(f"/api/v1/complaints/{{complaint_id}}/{op}" for op in ("route", "answer", "close", "reopen")),
}  # fmt: skip


def test_the_openapi_names_the_header_on_every_state_changing_post(server):
    schema = httpx.get(f"{server.base_url}/api/v1/openapi.json", timeout=30).json()
    with_key = {
        path
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if any(
            p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation.get("parameters", [])
        )
    }
    assert with_key == POSTS_WITH_KEYS
    header = next(
        p for p in schema["paths"]["/api/v1/tickets"]["post"]["parameters"] if p["name"] == "Idempotency-Key"
    )
    assert header["required"] is False and header["schema"]["maxLength"] == 255
    # every other POST is a read (lookups), sign-in/out, answers with a secret (device token), or public
    other_posts = {p for p, ops in schema["paths"].items() if "post" in ops} - POSTS_WITH_KEYS
    assert other_posts == {
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/devices",
        # answer with the case's query password, which is stored only hashed (a lost answer: a new one)
        "/api/v1/cases/{case_id}/accept",
        "/api/v1/joint-cases/{joint_case_id}/accept",
        "/api/v1/cases/{case_id}/query-password",
        "/api/v1/joint-cases/{joint_case_id}/query-password",
        "/api/v1/tickets/lookup",
        "/api/v1/opportunities/lookup",
        "/api/v1/appointments/search",
        "/api/v1/windows/{number}/identity-check",
        "/api/v1/case-query",  # a read by case number and query password (wrong ones are counted, not kept)
        "/api/v1/public/case-query",  # the same read from the receipt's QR page, public
        "/api/v1/public/tickets/{code}/complaints",  # public, no caller to key on: at most 3 per ticket
        # public, no caller to key on: a service takes at most its first evaluation and one 追评
        "/api/v1/public/tickets/{code}/opportunities/{opportunity_id}/evaluations",
    }


def test_a_key_in_flight_elsewhere_is_waited_for_then_refused_409(pg_url, tmp_path, clock):
    """PostgreSQL: a claim held by a transaction that does not end makes the repeat wait, then 409."""
    settings = make_settings(pg_url, tmp_path, idempotency_wait_seconds=0.5)
    server = start_server(settings, clock)
    try:
        hall = seed_hall(server.state.uow)
        key = str(uuid.uuid4())
        kiosk_id = server.state.uow.run(lambda ctx: authenticate(ctx, hall.tokens["kiosk"]).device_id)
        with server.state.factory() as holder:
            holder.add(
                IdempotencyRecord(
                    principal=f"device:{kiosk_id}",
                    idem_key=key,
                    method="POST",
                    path="/api/v1/tickets",
                    request_hash="0" * 64,
                    created_at=clock.now(),
                )
            )
            holder.flush()  # claimed, not committed: a first request still being worked on
            waiting = post(server, hall.tokens["kiosk"], "/tickets", key, TICKET)
            holder.rollback()
        assert waiting.status_code == 409 and waiting.json()["code"] == "IDEMPOTENCY_IN_PROGRESS"
        assert tickets(server) == 0
        # the first gave up (rolled back): the retry now does the work
        assert post(server, hall.tokens["kiosk"], "/tickets", key, TICKET).status_code == 201
        assert tickets(server) == 1
    finally:
        server.stop()


def test_the_periodic_sweep_purges_expired_keys(database_url, tmp_path, clock):
    server = start_server(make_settings(database_url, tmp_path, sweep_seconds=0.2), clock)
    try:
        hall = seed_hall(server.state.uow)
        old, fresh = str(uuid.uuid4()), str(uuid.uuid4())
        post(server, hall.tokens["kiosk"], "/tickets", old, TICKET)
        clock.advance(hours=server.state.settings.idempotency_ttl_hours, seconds=1)
        post(server, hall.tokens["kiosk"], "/tickets", fresh, TICKET)
        deadline = time.monotonic() + 10
        while keys(server) != [fresh] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert keys(server) == [fresh]
    finally:
        server.stop()


def keys(server) -> list[str]:
    with server.state.factory() as session:
        return list(session.scalars(select(IdempotencyRecord.idem_key)))
