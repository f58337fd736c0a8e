"""Least privilege on the live feed: each kind of device and staff gets its topics only, and the `display`
topic (a public screen; every device) carries ticket numbers and counts, no follow code and no identity."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from hall_server.client import HallClient
from hall_server.contract.auth import DeviceIn, DeviceKind
from hall_server.contract.queue import IssueTicketRequest
from hall_server.live.policy import DISPLAY_DATA
from tests.factories import person

TOPICS = ("hall", "display", "window:1")
ALLOWED = {
    "kiosk": {"display"},
    "display": {"display"},
    "evalpad": {"display"},
    "counter": {"display", "window:1"},
    "clerk1": {"display", "window:1"},
    "backoffice": {"display", "window:1"},
    "manager": set(TOPICS),
    "admin": set(TOPICS),
}


async def subscribe_each(url: str, token: str) -> dict[str, dict]:
    """The first answer to a subscription to each topic, on one real WebSocket connection."""
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        answers = {}
        for topic in TOPICS:
            await ws.send(json.dumps({"type": "subscribe", "topics": [topic]}))
            answers[topic] = json.loads(await asyncio.wait_for(ws.recv(), 5))
        return answers


@pytest.fixture
def tokens(server, hall) -> dict[str, str]:
    with HallClient(server.base_url, hall.tokens["admin"]) as admin:
        evalpad = admin.register_device(DeviceIn(kind=DeviceKind.EVALPAD, name="evalpad-1"))
    return {**hall.tokens, "evalpad": evalpad.token}


def test_each_kind_gets_its_topics_and_a_clear_refusal_for_the_others(server, tokens):
    async def scenario() -> dict[str, dict[str, dict]]:
        return {who: await subscribe_each(server.ws_url, tokens[who]) for who in ALLOWED}

    for who, answers in asyncio.run(scenario()).items():
        for topic, answer in answers.items():
            if topic in ALLOWED[who]:
                assert (answer["type"], answer["topic"]) == ("snapshot", topic), (who, topic)
            else:
                assert (answer["type"], answer["code"]) == ("error", "TOPIC_FORBIDDEN"), (who, topic)
                assert f"无权订阅 {topic}" in answer["message"] and "可订阅：display" in answer["message"]


def test_the_display_topic_carries_no_follow_code_and_no_identity(server, hall, tokens):
    kiosk, clerk = (
        HallClient(server.base_url, hall.tokens["kiosk"]),
        HallClient(server.base_url, hall.tokens["clerk1"]),
    )
    first = kiosk.issue_ticket(IssueTicketRequest(matter_id=hall.matters["marriage"], identity=person()))
    clerk.window_op(1, "open")
    server.state.publisher.wait_idle()
    secrets = (first.follow_code, first.visitor.number_masked, first.visitor.name_masked)

    async def listen(token: str, topic: str, stop: asyncio.Event) -> list[str]:
        async with websockets.connect(
            server.ws_url, additional_headers={"Authorization": f"Bearer {token}"}
        ) as ws:
            await ws.send(json.dumps({"type": "subscribe", "topics": [topic]}))
            received = [str(await asyncio.wait_for(ws.recv(), 5))]
            while not stop.is_set():
                try:
                    received.append(str(await asyncio.wait_for(ws.recv(), 0.2)))
                except TimeoutError:
                    continue
            return received

    def hall_work() -> None:
        kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL", identity=person(name="李四")))
        clerk.call_next(1)
        server.state.publisher.wait_idle()

    async def scenario() -> dict[str, list[str]]:
        stop = asyncio.Event()
        tasks = {
            who: asyncio.create_task(listen(tokens[who], topic, stop))
            for who, topic in (("display", "display"), ("kiosk", "display"), ("manager", "hall"))
        }
        try:
            await asyncio.sleep(0.5)
            await asyncio.to_thread(hall_work)
            await asyncio.sleep(0.5)
        finally:
            stop.set()
        return {who: await task for who, task in tasks.items()}

    received = asyncio.run(scenario())
    kiosk.close()
    clerk.close()
    # The managers' topic has them (so the check below could fail), the public one does not.
    assert all(any(secret in m for m in received["manager"]) for secret in secrets)
    assert any('"applicant_ref"' in m for m in received["manager"])
    for who in ("display", "kiosk"):
        messages = [json.loads(m) for m in received[who]]
        assert [m["type"] for m in messages] == ["snapshot", "event", "event"]
        for text in received[who]:
            assert not any(secret in text for secret in secrets), who
            for field in ("applicant_ref", "applicant_name_masked", '"protected":{'):
                assert field not in text, (who, field)
        issued, called = messages[1], messages[2]
        assert issued["ticket"]["visitor"] is None and issued["ticket"]["follow_code"] == ""
        for event in (issued, called):
            assert set(event["event"]["data"]) <= DISPLAY_DATA and event["event"]["actor"]["staff_id"] is None
        assert (
            called["event"]["data"]["window_no"] == 1 and called["event"]["data"]["ticket_no"] == first.number
        )
        assert called["ticket"]["number"] == first.number and called["window"] is None
        # What the kiosk needs: waiting per category, in the snapshot and after every event.
        assert {w["code"]: w["waiting"] for w in messages[0]["snapshot"]["waiting"]}["SOCIAL"] == 1
        assert {w["code"]: w["waiting"] for w in called["waiting"]}["SOCIAL"] == 1
        assert {w["code"]: w["open_windows"] for w in called["waiting"]}["SOCIAL"] == 1


def test_the_display_snapshot_shows_the_current_ticket_without_personal_data(server, hall):
    kiosk, clerk = (
        HallClient(server.base_url, hall.tokens["kiosk"]),
        HallClient(server.base_url, hall.tokens["clerk1"]),
    )
    ticket = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL", identity=person()))
    clerk.window_op(1, "open")
    clerk.call_next(1)
    server.state.publisher.wait_idle()

    async def scenario() -> dict:
        answers = await subscribe_each(server.ws_url, hall.tokens["manager"])
        return answers["display"]

    snapshot = asyncio.run(scenario())
    kiosk.close()
    clerk.close()
    current = next(w for w in snapshot["snapshot"]["windows"] if w["number"] == 1)["current_ticket"]
    assert current["number"] == ticket.number
    assert current["visitor"] is None and current["follow_code"] == ""
    assert all(w["staff_id"] is None for w in snapshot["snapshot"]["windows"])
    assert ticket.follow_code not in json.dumps(snapshot)
