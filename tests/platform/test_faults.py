"""Fault injection, observed from a client over real HTTP: 503s, 500s, dropped connections (before and
after storing), slow answers and requests held past the client's timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hall_server.platform.faults import Fault, FaultMode, FaultPlan
from hall_server.sync import wire
from tests.platform.helpers import ADMIN_TOKEN, RunningPlatform, SignedClient, envelope

DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)


@pytest.fixture
def admin(platform: RunningPlatform) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=platform.base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
    ) as http:
        yield http


def set_faults(admin: httpx.Client, plan: dict[str, Any]) -> dict[str, Any]:
    response = admin.post("/_admin/faults", json=plan)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return wire.WireError.model_validate_json(response.content).code


def test_admin_needs_the_token(platform, start, admin):
    assert httpx.get(f"{platform.base_url}/_admin/faults", timeout=10).status_code == 401
    wrong = httpx.post(
        f"{platform.base_url}/_admin/faults",
        json={"mode": "down"},
        headers={"Authorization": "Bearer x"},
        timeout=10,
    )
    assert _code(wrong, 401) == "ADMIN_TOKEN_INVALID"
    assert _code(admin.post("/_admin/faults", json={"mode": "sideways"}), 422) == "FAULTS_INVALID"
    assert (
        _code(admin.post("/_admin/faults", json={"mode": "error_rate", "rate": 2}), 422) == "FAULTS_INVALID"
    )
    assert admin.get("/_admin/faults").json() == {"faults": [], "seed": None}
    without_admin = start(admin_token=None)
    response = httpx.get(
        f"{without_admin.base_url}/_admin/faults", headers={"Authorization": "Bearer x"}, timeout=10
    )
    assert _code(response, 404) == "NOT_FOUND"


def test_down_answers_503_until_back(admin, client: SignedClient):
    assert set_faults(admin, {"mode": "down"}) == {
        "faults": [{"mode": "down", "rate": 1.0, "delay": None}],
        "seed": None,
    }
    assert _code(client.post_event(envelope("t1", 1)), 503) == "PLATFORM_DOWN"
    assert _code(client.send("GET", wire.STATS_PATH), 503) == "PLATFORM_DOWN"
    assert client.http.get("/healthz").status_code == 503
    assert admin.get("/_admin/faults").status_code == 200  # the admin endpoints are never faulted
    set_faults(admin, {"mode": "none"})
    assert client.deliver(envelope("t1", 1)) == ["accepted"]


def test_error_rate_answers_500_before_doing_anything(admin, client: SignedClient):
    set_faults(admin, {"mode": "error_rate", "rate": 1.0})
    assert _code(client.post_event(envelope("t1", 1)), 500) == "INJECTED_ERROR"
    set_faults(admin, {"mode": "none"})
    assert client.stats()["accepted"] == 0


def test_random_faults_are_reproducible_with_a_seed(admin, client: SignedClient):
    plan = {"faults": [{"mode": "error_rate", "rate": 0.5}], "seed": 7}

    def run() -> list[int]:
        set_faults(admin, plan)
        return [client.send("GET", wire.STATS_PATH).status_code for _ in range(24)]

    first = run()
    assert set(first) == {200, 500}
    assert run() == first
    plan["seed"] = 8
    assert run() != first


def test_drop_rate_closes_the_connection_without_a_response(admin, client: SignedClient):
    set_faults(admin, {"mode": "drop_rate"})
    event = envelope("t1", 1)
    with pytest.raises(DROPPED):
        client.post_event(event)
    with pytest.raises(DROPPED):
        client.send("GET", wire.STATS_PATH)
    set_faults(admin, {"mode": "none"})
    assert client.stats()["accepted"] == 0
    assert client.deliver(event) == ["accepted"]


def test_drop_after_store_then_resend_is_a_duplicate(admin, client: SignedClient):
    set_faults(admin, {"mode": "drop_after_store_rate", "rate": 1.0})
    first, second = envelope("t1", 1), envelope("t1", 2)
    with pytest.raises(DROPPED):
        client.post_batch([first, second])
    with pytest.raises(DROPPED):
        client.post_event(envelope("t1", 3))
    set_faults(admin, {"mode": "none"})
    assert client.aggregate("ticket", "t1")["last_seq"] == 3  # stored though never answered
    assert client.deliver(first, second) == ["duplicate", "duplicate"]


def test_slow_delays_then_answers(admin, client: SignedClient):
    set_faults(admin, {"mode": "slow", "delay": 0.6})
    started = time.monotonic()
    assert client.deliver(envelope("t1", 1)) == ["accepted"]
    assert time.monotonic() - started >= 0.6


def test_timeout_holds_past_the_client_timeout(admin, platform, client: SignedClient):
    set_faults(admin, {"mode": "timeout", "delay": 30})
    impatient = SignedClient(platform.base_url, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        impatient.post_event(envelope("t1", 1))
    assert time.monotonic() - started < 5
    impatient.close()
    # Held for `delay` only: then the connection is closed, still without an answer.
    set_faults(admin, {"mode": "timeout", "delay": 0.3})
    with pytest.raises(DROPPED):
        client.post_event(envelope("t1", 1))
    set_faults(admin, {"mode": "none"})
    assert client.stats()["accepted"] == 0


def test_faults_combine_in_order(admin, client: SignedClient):
    set_faults(admin, {"faults": [{"mode": "slow", "delay": 0.3}, {"mode": "error_rate"}]})
    started = time.monotonic()
    assert _code(client.send("GET", wire.STATS_PATH), 500) == "INJECTED_ERROR"
    assert time.monotonic() - started >= 0.3


def test_faults_given_at_start(start):
    platform = start(faults=FaultPlan(faults=[Fault(mode=FaultMode.DOWN)]))
    client = SignedClient(platform.base_url)
    assert _code(client.post_event(envelope("t1", 1)), 503) == "PLATFORM_DOWN"
    client.close()
