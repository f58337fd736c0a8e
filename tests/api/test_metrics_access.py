"""/metrics: this machine only unless YIMEN_METRICS_TOKEN is set; then the token, from anywhere."""

from __future__ import annotations

import httpx
import pytest

from hall_server.metrics import metrics_refusal
from tests.conftest import make_settings, start_server


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_loopback_without_a_token_is_served(host):
    assert metrics_refusal(host, {}, None) is None


@pytest.mark.parametrize("host", ["192.168.1.20", "10.0.0.5", "2001:db8::1", "::ffff:192.168.1.20", "", None])
def test_any_other_source_without_a_token_is_refused(host):
    status, code, message = metrics_refusal(host, {}, None)  # type: ignore[misc]
    assert (status, code) == (403, "METRICS_LOCAL_ONLY") and "YIMEN_METRICS_TOKEN" in message


def test_a_request_relayed_by_a_local_proxy_is_not_local():
    refusal = metrics_refusal("127.0.0.1", {"x-forwarded-for": "203.0.113.7"}, None)
    assert refusal is not None and refusal[0] == 403


def test_with_a_token_only_the_token_counts():
    assert metrics_refusal("192.168.1.20", {"authorization": "Bearer s3cret-token"}, "s3cret-token") is None
    for headers in ({}, {"authorization": "Bearer wrong"}):
        for host in ("127.0.0.1", "192.168.1.20"):
            assert metrics_refusal(host, headers, "s3cret-token")[:2] == (401, "AUTH_REQUIRED")  # type: ignore[index]


def test_through_the_server_on_loopback(server, hall):
    assert httpx.get(f"{server.base_url}/metrics").status_code == 200
    relayed = httpx.get(f"{server.base_url}/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert relayed.status_code == 403 and relayed.json()["code"] == "METRICS_LOCAL_ONLY"
    assert relayed.json()["message"]


def test_through_the_server_with_a_token(database_url, tmp_path, clock):
    running = start_server(make_settings(database_url, tmp_path, metrics_token="s3cret-token"), clock)
    try:
        url = f"{running.base_url}/metrics"
        missing = httpx.get(url)
        assert missing.status_code == 401 and missing.json()["code"] == "AUTH_REQUIRED"
        assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
        served = httpx.get(url, headers={"Authorization": "Bearer s3cret-token"})
        assert served.status_code == 200 and "yimen_http_requests_total" in served.text
    finally:
        running.stop()
