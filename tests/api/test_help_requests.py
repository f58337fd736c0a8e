"""请工作人员帮助 through the real server (SQLite and PostgreSQL) and real WebSocket clients: a kiosk's help
request is stored, reaches the managers' `hall` topic and the window staff live, and staff resolve it."""

from __future__ import annotations

import asyncio

import pytest

from hall_server.client import ApiError, LiveFeed
from hall_server.contract.live import EventMessage, SnapshotMessage
from tests.factories import RawBody


async def next_event(feed: LiveFeed, timeout: float = 30.0) -> EventMessage:
    """The next event but the alerts a help request raises and clears (tests/alerts has those)."""
    while True:
        message = await asyncio.wait_for(feed.receive(), timeout)
        if isinstance(message, EventMessage) and not message.event.event_type.startswith("hall.alert."):
            return message


def test_a_kiosk_help_request_reaches_managers_and_window_staff_live(server, hall, client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    clerk.window_op(1, "open")
    server.state.publisher.wait_idle()

    async def scenario() -> None:
        async with (
            LiveFeed(server.ws_url, hall.tokens["manager"], ["hall"]) as managers,
            LiveFeed(server.ws_url, hall.tokens["clerk1"], ["window:1"]) as guide,
            LiveFeed(server.ws_url, hall.tokens["display"], ["display"]) as screen,
        ):
            for feed in (managers, guide, screen):
                assert isinstance(await asyncio.wait_for(feed.receive(), 30), SnapshotMessage)
            raised = await asyncio.to_thread(kiosk.request_help, "看不清屏幕，电话13812345678")
            for feed in (managers, guide):
                message = await next_event(feed)
                assert message.event.event_type == "hall.help.requested"
                assert message.event.data == {
                    "help_id": raised.id,
                    "place": "kiosk",
                    "reason": "看不清屏幕，电话138****5678",
                }
                assert message.event.actor.device_id == "kiosk"
            await asyncio.to_thread(clerk.resolve_help, raised.id, "已到场协助")
            resolved = await next_event(managers)
            assert resolved.event.event_type == "hall.help.resolved"
            assert resolved.event.data["note"] == "已到场协助"
            with pytest.raises(TimeoutError):  # nothing of it on the public screen
                await next_event(screen, timeout=0.5)

    asyncio.run(scenario())


def test_help_requests_are_listed_for_managers_and_resolved_once(client_for):
    kiosk, clerk, manager = client_for("kiosk"), client_for("clerk1"), client_for("manager")
    first = kiosk.request_help()
    assert (first.place, first.requested_by, first.open, first.reason) == ("kiosk", "kiosk", True, "")
    second = clerk.request_help("老人需要填表", place="自助机区")
    assert (second.place, second.requested_by) == ("自助机区", "员工clerk1")
    assert [h.id for h in manager.help_requests(open_only=True)] == [second.id, first.id]
    done = clerk.resolve_help(first.id, "已协助取号")
    assert (done.open, done.resolved_by, done.resolution) == (False, "员工clerk1", "已协助取号")
    assert [h.id for h in manager.help_requests(open_only=True)] == [second.id]
    assert {h.id for h in manager.help_requests()} == {first.id, second.id}
    with pytest.raises(ApiError) as again:
        clerk.resolve_help(first.id)
    assert (again.value.status, again.value.code) == (409, "HELP_ALREADY_RESOLVED")


def test_help_request_refusals(client_for):
    kiosk, clerk, display = client_for("kiosk"), client_for("clerk1"), client_for("display")
    with pytest.raises(ApiError) as no_place:
        clerk.request_help("需要帮助")
    assert (no_place.value.status, no_place.value.code) == (422, "PLACE_REQUIRED")
    with pytest.raises(ApiError) as screen:
        display.request_help()
    assert screen.value.status == 403
    raised = kiosk.request_help()
    for outsider in (kiosk, display):
        with pytest.raises(ApiError) as refused:
            outsider.resolve_help(raised.id)
        assert refused.value.status == 403
    for outsider in (kiosk, display):
        with pytest.raises(ApiError) as listing:
            outsider.help_requests()
        assert listing.value.status == 403
    with pytest.raises(ApiError) as missing:
        clerk.resolve_help(2_000_000)
    assert (missing.value.status, missing.value.code) == (404, "HELP_NOT_FOUND")
    with pytest.raises(ApiError) as too_long:
        kiosk._call("POST", "/help-requests", dict, RawBody({"reason": "帮" * 201}))
    assert too_long.value.status == 422


def test_a_clerk_lists_the_open_help_requests_only(client_for):
    """A counter that connects loads the requests raised while it was away: the open ones, every kiosk's
    (each window's staff is told of every help request), never the resolved ones a manager also sees."""
    kiosk, clerk, manager = client_for("kiosk"), client_for("clerk1"), client_for("manager")
    handled = kiosk.request_help("已处理的")
    waiting = kiosk.request_help("还在等")
    manager.resolve_help(handled.id)
    assert [h.id for h in clerk.help_requests()] == [waiting.id]
    assert [h.id for h in clerk.help_requests(open_only=True)] == [waiting.id]
    assert {h.id for h in manager.help_requests()} == {handled.id, waiting.id}
