"""Building and signing hall-sync/1 requests the way a hall does: envelopes from the contract models,
bodies from wire.encode_body, headers from wire.sign."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn

from hall_server.contract.events import Actor, AggregateRef, AggregateType, Envelope, EventType, Source
from hall_server.core.config import Settings
from hall_server.core.ids import uuid7
from hall_server.platform.app import build_server
from hall_server.platform.config import PlatformSettings
from hall_server.sync import wire
from tests.conftest import free_port, make_settings, serve_in_thread

SHANGHAI = ZoneInfo("Asia/Shanghai")
APPS = {"HALL-A": b"secret-a-for-tests", "HALL-B": b"secret-b-for-tests"}
PROTECT_KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
ADMIN_TOKEN = "admin-token-for-tests"


def envelope(
    aggregate_id: str,
    seq: int,
    *,
    event_type: EventType = EventType.TICKET_CALLED,
    aggregate_type: AggregateType = AggregateType.TICKET,
    occurred_at: datetime | None = None,
    data: dict[str, Any] | None = None,
    refs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One event as the hall's event log holds it (Envelope.model_dump(mode="json"))."""
    when = occurred_at or datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)
    return Envelope(
        event_id=uuid7(),
        event_type=event_type,
        occurred_at=when,
        recorded_at=when,
        source=Source(
            hall_code="330106-ZWFW-01",
            hall_name="某区政务服务中心",
            region_code="330106000000",
            org_uscc="11330106MB1234562M",
            window_no="A12",
        ),
        aggregate=AggregateRef(type=aggregate_type, id=aggregate_id, seq=seq),
        refs=refs if refs is not None else {"ticket_no": "A023"},
        actor=Actor(kind="staff", staff_id="u1024", staff_name="王**"),
        data=data
        if data is not None
        else {"window_no": "12", "call_count": seq, "applicant_name_masked": "张*三"},
    ).model_dump(mode="json")


class SignedClient:
    """An httpx client that signs every request as `app_id`."""

    def __init__(
        self, base_url: str, app_id: str = "HALL-A", secret: bytes | None = None, timeout: float = 10
    ):
        self.app_id = app_id
        self.secret = APPS[app_id] if secret is None else secret
        self.http = httpx.Client(base_url=base_url, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def headers(self, method: str, path: str, body: bytes, **sign_options: Any) -> dict[str, str]:
        return wire.sign(self.secret, method, path, self.app_id, body, **sign_options)

    def send(self, method: str, path: str, body: bytes = b"", *, extra: dict[str, str] | None = None,
             params: dict[str, str] | None = None, **sign_options: Any) -> httpx.Response:  # fmt: skip
        headers = {"Content-Type": "application/json", **self.headers(method, path, body, **sign_options)}
        return self.http.request(
            method, path, content=body, headers={**headers, **(extra or {})}, params=params
        )

    def post_event(self, event: dict[str, Any], *, idempotency_key: str | None = None) -> httpx.Response:
        key = event.get("event_id") if idempotency_key is None else idempotency_key
        return self.send(
            "POST", wire.EVENTS_PATH, wire.encode_body(event), extra={wire.IDEMPOTENCY_HEADER: key}
        )

    def post_batch(self, events: list[dict[str, Any]]) -> httpx.Response:
        return self.send("POST", wire.BATCH_PATH, wire.encode_body({"events": events}))

    def results(self, response: httpx.Response) -> list[wire.EventResult]:
        """The items of an answer, checked against standards.md §6.4: the response status is the one the
        items share (207 when they differ), and each item's status fits its outcome."""
        answer = wire.BatchResult.model_validate_json(response.content)
        assert response.status_code == answer.http_status(), response.text
        for item in answer.results:
            assert (item.outcome.value, item.status) in ALLOWED_ITEM_STATUSES, item
        return answer.results

    def deliver(self, *events: dict[str, Any]) -> list[str]:
        """Post a batch and return the outcomes."""
        return [result.outcome.value for result in self.results(self.post_batch(list(events)))]

    def aggregate(self, aggregate_type: str, aggregate_id: str) -> dict[str, Any]:
        response = self.send("GET", wire.AGGREGATE_PATH.format(type=aggregate_type, id=aggregate_id))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def day(self, day: str, *, ids: bool = False) -> wire.DaySummary:
        response = self.send("GET", wire.DAY_PATH.format(day=day), params={"ids": "1"} if ids else None)
        assert response.status_code == 200, response.text
        return wire.DaySummary.model_validate_json(response.content)

    def case_number(self, hall_code: str, local_case_no: str, matter_code: str = "") -> httpx.Response:
        """获取办件编号, answered as it comes (200 with a CaseNumberAnswer, or a WireError)."""
        body = {"source_hall_code": hall_code, "local_case_no": local_case_no, "matter_code": matter_code}
        return self.send("POST", wire.CASE_NUMBERS_PATH, wire.encode_body(body))

    def stats(self) -> dict[str, Any]:
        response = self.send("GET", wire.STATS_PATH)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


ALLOWED_ITEM_STATUSES = {
    ("accepted", 200),
    ("duplicate", 200),
    ("rejected", 409),
    ("rejected", 422),
    ("retry", 425),
}


HALL_SECRET_ENV = "YIMEN_TEST_HALL_SECRET"


def hall_delivering_to(
    platform_url: str, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **overrides: Any
) -> Settings:
    """A hall server's settings that deliver to `platform_url` as HALL-A, quickly, with the shared SM4 key
    for `protected` (kid k1, as settings_for gives the receiver)."""
    monkeypatch.setenv(HALL_SECRET_ENV, APPS["HALL-A"].decode())
    target = {
        "name": "province",
        "kind": "hall-sync-rest",
        "url": platform_url,
        "app_id": "HALL-A",
        "secret_env": HALL_SECRET_ENV,
    }
    values: dict[str, Any] = {
        "sync_idle_seconds": 0.1,
        "sync_backoff_base_seconds": 0.05,
        "sync_targets": [target],
        "sync_protect_key": PROTECT_KEY.hex(),
        "sync_protect_kid": "k1",
        **overrides,
    }
    return make_settings(database_url, tmp_path, **values)


def settings_for(database_url: str, **overrides: Any) -> PlatformSettings:
    values: dict[str, Any] = {
        "apps": APPS,
        "database_url": database_url,
        "protect_keys": {"k1": PROTECT_KEY},
        "admin_token": ADMIN_TOKEN,
        **overrides,
    }
    return PlatformSettings(**values)


@dataclass
class RunningPlatform:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "platform server did not stop"


def start_platform(settings: PlatformSettings, port: int | None = None) -> RunningPlatform:
    """A receiver in this process; `port` to come back where a stopped one was."""
    port = port or free_port()
    server, thread = serve_in_thread(
        build_server(settings, "127.0.0.1", port, log_level="warning"), "platform server"
    )
    return RunningPlatform(f"http://127.0.0.1:{port}", server, thread)
