"""The display state as plain values: snapshot, events, the profile filter, staleness, bounded lists."""

from __future__ import annotations

from datetime import timedelta

from display.state import RECENT_CALLS, DisplayState, is_fresh
from hall_server.contract.displays import DisplayProfileOut
from hall_server.contract.events import EventType
from hall_server.contract.queue import WindowState
from tests.display.builders import T0, event, snapshot, ticket, window

ENTERPRISE_ZONE = DisplayProfileOut(
    name="enterprise", title="企业服务区", window_numbers=[3], category_codes=["ENTERPRISE"]
)


def test_a_snapshot_gives_the_whole_picture_and_replaces_the_previous_one():
    state = DisplayState()
    state.apply_snapshot(
        snapshot(calls=[("B002", 1, "SOCIAL"), ("B001", 2, "SOCIAL")], notice="今日下午维护")
    )
    view = state.view()
    assert view["hall_name"] == "示范县政务服务中心" and view["notice"] == "今日下午维护"
    assert view["latest"]["ticket"] == "B002" and view["latest"]["window_name"] == "1号窗口"
    assert [c["ticket"] for c in view["calls"]] == ["B001"]
    assert [w["number"] for w in view["windows"]] == [1, 2, 3]
    assert {c["code"]: c["waiting"] for c in view["waiting"]} == {"SOCIAL": 3, "ENTERPRISE": 2}

    state.apply_snapshot(snapshot(seq=9, calls=[]))
    assert state.view()["latest"] is None and state.view()["notice"] == ""


def test_a_call_event_is_shown_at_its_window_and_returned_for_the_voice():
    state = DisplayState()
    state.apply_snapshot(snapshot())
    called = ticket("B003", 1)
    shown = state.apply_event(event(EventType.TICKET_CALLED, 2, the_ticket=called))
    assert shown is not None and (shown.ticket, shown.window, shown.recall) == ("B003", 1, False)
    view = state.view()
    assert view["latest"]["ticket"] == "B003"
    assert next(w for w in view["windows"] if w["number"] == 1)["ticket"] == "B003"
    assert {c["code"]: c["waiting"] for c in view["waiting"]}["SOCIAL"] == 2

    recalled = state.apply_event(event(EventType.TICKET_RECALLED, 3, the_ticket=called))
    assert recalled is not None and recalled.recall and state.view()["latest"]["recall"]

    assert state.apply_event(event(EventType.TICKET_SERVICE_COMPLETED, 4, the_ticket=called)) is None
    assert next(w for w in state.view()["windows"] if w["number"] == 1)["ticket"] == ""


def test_window_events_change_the_window_state():
    state = DisplayState()
    state.apply_snapshot(snapshot())
    state.apply_event(event(EventType.WINDOW_PAUSED, 2, the_window=window(2, WindowState.PAUSED)))
    shown = next(w for w in state.view()["windows"] if w["number"] == 2)
    assert shown["state"] == "PAUSED" and shown["label"] == "暂停服务"


def test_a_zone_profile_shows_only_its_windows_categories_and_calls():
    state = DisplayState()
    state.apply_snapshot(snapshot())
    state.set_profile(ENTERPRISE_ZONE)
    assert state.apply_event(event(EventType.TICKET_CALLED, 2, the_ticket=ticket("B004", 1))) is None
    shown = state.apply_event(
        event(EventType.TICKET_CALLED, 3, the_ticket=ticket("A001", 3, "ENTERPRISE", 2))
    )
    assert shown is not None
    view = state.view()
    assert view["profile_title"] == "企业服务区"
    assert [w["number"] for w in view["windows"]] == [3]
    assert [c["code"] for c in view["waiting"]] == ["ENTERPRISE"]
    assert view["latest"]["ticket"] == "A001" and view["calls"] == []


def test_a_profile_of_windows_only_shows_the_categories_they_serve():
    state = DisplayState()
    state.apply_snapshot(snapshot())
    state.set_profile(DisplayProfileOut(name="west", title="西区", window_numbers=[1], category_codes=[]))
    assert [c["code"] for c in state.view()["waiting"]] == ["SOCIAL"]


def test_stale_is_marked_once_and_cleared_by_the_next_snapshot():
    state = DisplayState()
    state.apply_snapshot(snapshot(calls=[("B001", 1, "SOCIAL")]))
    state.mark_stale(T0 + timedelta(minutes=1))
    state.mark_stale(T0 + timedelta(minutes=2))
    view = state.view()
    assert view["stale_since"] == (T0 + timedelta(minutes=1)).isoformat()
    assert view["latest"]["ticket"] == "B001"  # the last state is kept
    state.apply_snapshot(snapshot(seq=5, calls=[("B001", 1, "SOCIAL")]))
    assert state.view()["stale_since"] is None


def test_the_call_list_stays_bounded_over_a_long_day():
    state = DisplayState()
    state.apply_snapshot(snapshot())
    for n in range(5000):
        state.apply_event(
            event(EventType.TICKET_CALLED, n + 2, the_ticket=ticket(f"B{n % 1000:03d}", 1, ticket_id=n))
        )
    assert len(state.calls) == RECENT_CALLS + 1
    assert len(state.view()["calls"]) == RECENT_CALLS


def test_only_news_is_announced():
    assert is_fresh(T0, T0 + timedelta(seconds=1), T0, 10)
    assert not is_fresh(T0, T0 + timedelta(minutes=5), None, 10)  # a counter sent its call late
    assert not is_fresh(T0, T0, T0 + timedelta(minutes=1), 10)  # older than what the screen already saw
