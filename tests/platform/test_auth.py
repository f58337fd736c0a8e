"""Every request is signed (standards.md §6.3): each way of getting it wrong is a 401 with its code, and
nothing is stored."""

from __future__ import annotations

import time

import httpx
import pytest

from hall_server.sync import wire
from tests.platform.helpers import SignedClient, envelope


def _refusal(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    return wire.WireError.model_validate_json(response.content).code


def _nothing_stored(client: SignedClient) -> None:
    assert client.stats()["accepted"] == 0


def test_bad_signature(client: SignedClient, platform):
    wrong = SignedClient(platform.base_url, "HALL-A", secret=b"not-the-secret")
    assert _refusal(wrong.post_event(envelope("t1", 1))) == "SIGNATURE_INVALID"
    event = envelope("t1", 1)
    body = wire.encode_body(event)
    headers = client.headers("POST", wire.EVENTS_PATH, body)
    headers[wire.SIGNATURE_HEADER] = headers[wire.SIGNATURE_HEADER][:-2] + "00"
    assert _refusal(client.http.post(wire.EVENTS_PATH, content=body, headers=headers)) == "SIGNATURE_INVALID"
    _nothing_stored(client)
    wrong.close()


def test_signature_covers_method_and_path(client: SignedClient):
    body = wire.encode_body({"events": [envelope("t1", 1)]})
    signed_for_single = client.headers("POST", wire.EVENTS_PATH, body)
    response = client.http.post(wire.BATCH_PATH, content=body, headers=signed_for_single)
    assert _refusal(response) == "SIGNATURE_INVALID"
    get_headers = client.headers("POST", wire.STATS_PATH, b"")
    assert _refusal(client.http.get(wire.STATS_PATH, headers=get_headers)) == "SIGNATURE_INVALID"


@pytest.mark.parametrize("offset", [-(wire.MAX_SKEW_SECONDS + 5), wire.MAX_SKEW_SECONDS + 5])
def test_timestamp_outside_the_window(client: SignedClient, offset: int):
    body = wire.encode_body(envelope("t1", 1))
    response = client.send("POST", wire.EVENTS_PATH, body, timestamp=int(time.time()) + offset)
    assert _refusal(response) == "TIMESTAMP_SKEW"
    inside = client.send("POST", wire.BATCH_PATH, wire.encode_body({"events": [envelope("t1", 1)]}),
                         timestamp=int(time.time()) - wire.MAX_SKEW_SECONDS + 30)  # fmt: skip
    assert inside.status_code == 200


def test_replayed_nonce(client: SignedClient):
    event = envelope("t1", 1)
    body = wire.encode_body(event)
    headers = {**client.headers("POST", wire.EVENTS_PATH, body), wire.IDEMPOTENCY_HEADER: event["event_id"]}
    first = client.http.post(wire.EVENTS_PATH, content=body, headers=headers)
    assert client.results(first)[0].outcome.value == "accepted"
    # The exact same request again (a replay): refused before it is even looked at.
    assert _refusal(client.http.post(wire.EVENTS_PATH, content=body, headers=headers)) == "NONCE_REPLAYED"
    # The same nonce on another request, correctly signed, is a replay too.
    nonce = headers[wire.NONCE_HEADER]
    assert _refusal(client.send("GET", wire.STATS_PATH, nonce=nonce)) == "NONCE_REPLAYED"
    # Nonces are per app: another app may happen to pick the same one.
    other = SignedClient(str(client.http.base_url), "HALL-B")
    assert other.send("GET", wire.STATS_PATH, nonce=nonce).status_code == 200
    other.close()
    assert client.stats()["duplicates"] == 0


def test_unknown_app(platform, client: SignedClient):
    stranger = SignedClient(platform.base_url, "HALL-X", secret=b"secret-a-for-tests")
    assert _refusal(stranger.post_event(envelope("t1", 1))) == "APP_UNKNOWN"
    no_headers = httpx.post(f"{platform.base_url}{wire.EVENTS_PATH}", content=b"{}", timeout=10)
    assert _refusal(no_headers) == "APP_UNKNOWN"
    _nothing_stored(client)
    stranger.close()


def test_tampered_body(client: SignedClient):
    event = envelope("t1", 1)
    body = wire.encode_body(event)
    headers = client.headers("POST", wire.EVENTS_PATH, body)
    tampered = body.replace(b'"seq":1', b'"seq":2')
    assert tampered != body
    assert (
        _refusal(client.http.post(wire.EVENTS_PATH, content=tampered, headers=headers)) == "SIGNATURE_INVALID"
    )
    _nothing_stored(client)


def test_malformed_nonce_is_refused(client: SignedClient):
    response = client.send("GET", wire.STATS_PATH, nonce="short")
    assert _refusal(response) == "SIGNATURE_INVALID"


def test_queries_are_signed_too(platform):
    for path in (
        wire.STATS_PATH,
        wire.DAY_PATH.format(day="2026-11-25"),
        "/open/hall/v1/aggregates/ticket/t1/events",
    ):
        assert _refusal(httpx.get(f"{platform.base_url}{path}", timeout=10)) == "APP_UNKNOWN"
