"""The notice line and display profiles through a real server (SQLite and PostgreSQL): a display sees a new
notice live on `display` and in its snapshot; profiles are validated, read by displays, saved by managers."""

from __future__ import annotations

import asyncio

import pytest

from hall_server.client import ApiError, LiveFeed
from hall_server.contract.displays import DisplayProfileIn
from hall_server.contract.live import EventMessage, SnapshotMessage
from hall_server.contract.queue import WindowIn
from tests.factories import RawBody


async def next_event(feed: LiveFeed, timeout: float = 30.0) -> EventMessage:
    while True:
        message = await asyncio.wait_for(feed.receive(), timeout)
        if isinstance(message, EventMessage):
            return message


def test_a_notice_reaches_the_displays_live_and_their_next_snapshot(server, hall, client_for):
    manager = client_for("manager")

    async def scenario() -> None:
        async with LiveFeed(server.ws_url, hall.tokens["display"], ["display"]) as screen:
            first = await asyncio.wait_for(screen.receive(), 30)
            assert isinstance(first, SnapshotMessage) and first.snapshot.notice == ""
            posted = await asyncio.to_thread(manager.post_notice, "今天下午 16:00 停止取号，电话13812345678")
            assert posted.notice == "今天下午 16:00 停止取号，电话138****5678"
            message = await next_event(screen)
            assert message.event.event_type == "hall.notice.posted"
            assert message.event.data == {"notice": posted.notice}
        async with LiveFeed(server.ws_url, hall.tokens["display"], ["display"]) as again:
            snapshot = await asyncio.wait_for(again.receive(), 30)
            assert isinstance(snapshot, SnapshotMessage) and snapshot.snapshot.notice == posted.notice

    asyncio.run(scenario())
    assert client_for("display").hall().notice == "今天下午 16:00 停止取号，电话138****5678"
    assert manager.post_notice("").notice == ""


def test_profiles_whole_hall_always_there_saved_and_validated(server, hall, client_for):
    manager, display, clerk = client_for("manager"), client_for("display"), client_for("clerk1")
    whole = display.display_profile("hall")
    assert (whole.name, whole.window_numbers, whole.category_codes) == ("hall", [], [])
    assert [p.name for p in clerk.display_profiles()] == ["hall"]
    saved = manager.save_display_profile(
        "enterprise",
        DisplayProfileIn(title="企业服务区", window_numbers=[2, 3, 3], category_codes=["ENTERPRISE"]),
    )
    assert (saved.title, saved.window_numbers, saved.category_codes) == ("企业服务区", [2, 3], ["ENTERPRISE"])
    assert display.display_profile("enterprise") == saved
    assert [p.name for p in display.display_profiles()] == ["hall", "enterprise"]
    refusals = [
        ("enterprise", {"title": "x", "window_numbers": [99]}, 422, "WINDOW_NOT_FOUND"),
        ("enterprise", {"title": "x", "category_codes": ["NOPE"]}, 422, "CATEGORY_NOT_FOUND"),
        ("hall", {"title": "全厅", "window_numbers": [1]}, 422, "WHOLE_HALL_SHOWS_ALL"),
        ("Bad Name", {"title": "x"}, 422, "VALIDATION_ERROR"),
        ("zone", {"title": ""}, 422, "VALIDATION_ERROR"),
    ]
    for name, body, status, code in refusals:
        with pytest.raises(ApiError) as caught:
            manager._call("PUT", f"/display-profiles/{name}", dict, RawBody(body))
        assert (caught.value.status, caught.value.code) == (status, code), name
    with pytest.raises(ApiError) as missing:
        display.display_profile("nowhere")
    assert (missing.value.status, missing.value.code) == (404, "DISPLAY_PROFILE_NOT_FOUND")
    assert "nowhere" in missing.value.message
    for outsider, forbidden in ((clerk, "PUT"), (display, "PUT"), (client_for("kiosk"), "GET")):
        with pytest.raises(ApiError) as refused:
            if forbidden == "PUT":
                outsider.save_display_profile("zone", DisplayProfileIn(title="区"))
            else:
                outsider.display_profile("hall")
        assert refused.value.status == 403


def test_a_saved_profile_tells_the_displays_to_refetch(server, hall, client_for):
    manager = client_for("manager")

    async def scenario() -> None:
        async with LiveFeed(server.ws_url, hall.tokens["display"], ["display"]) as screen:
            await asyncio.wait_for(screen.receive(), 30)
            profile = DisplayProfileIn(title="社会事务区", window_numbers=[1], category_codes=["SOCIAL"])
            await asyncio.to_thread(manager.save_display_profile, "social", profile)
            message = await next_event(screen)
            assert message.event.event_type == "hall.display_profile.saved"
            assert message.event.data == {"profile": "social"}

    asyncio.run(scenario())


def test_a_clerk_cannot_post_the_notice(client_for):
    with pytest.raises(ApiError) as refused:
        client_for("clerk1").post_notice("放假")
    assert refused.value.status == 403


def test_window_competence_limits_the_categories_a_window_may_be_given(client_for):
    admin, manager = client_for("admin"), client_for("manager")
    window = admin._call(
        "PUT",
        "/windows/3",
        dict,
        WindowIn(
            number=3, name="3号窗口", category_codes=["ENTERPRISE"], may_serve_codes=["ENTERPRISE", "PICKUP"]
        ),
    )
    assert window["may_serve_codes"] == ["ENTERPRISE", "PICKUP"]
    assert manager.set_window_categories(3, ["ENTERPRISE", "PICKUP"]).may_serve_codes == [
        "ENTERPRISE",
        "PICKUP",
    ]
    with pytest.raises(ApiError) as outside:
        manager.set_window_categories(3, ["SOCIAL"])
    assert (outside.value.status, outside.value.code) == (422, "CATEGORY_NOT_ALLOWED")
    assert "社会事务" in outside.value.message
    with pytest.raises(ApiError) as unknown:
        admin._call(
            "PUT",
            "/windows/3",
            dict,
            RawBody(
                {"number": 3, "name": "3号", "category_codes": ["ENTERPRISE"], "may_serve_codes": ["NOPE"]}
            ),
        )
    assert (unknown.value.status, unknown.value.code) == (404, "CATEGORY_NOT_FOUND")
    # omitted: unchanged; empty: any category (综合窗口)
    admin._call(
        "PUT", "/windows/3", dict, RawBody({"number": 3, "name": "3号", "category_codes": ["PICKUP"]})
    )
    assert manager.window(3).may_serve_codes == ["ENTERPRISE", "PICKUP"]
    admin._call(
        "PUT",
        "/windows/3",
        dict,
        RawBody({"number": 3, "name": "3号", "category_codes": ["PICKUP"], "may_serve_codes": []}),
    )
    assert manager.set_window_categories(3, ["SOCIAL"]).category_codes == ["SOCIAL"]
    assert manager.window(1).may_serve_codes == []
