"""evaluate_alerts on a real database (SQLite and PostgreSQL), with the settable clock making waits long:
thresholds crossed raise and then clear, 冷热不均 suggests a fix that clears it once applied."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hall_server.alerts import service as alerts
from hall_server.alerts import thresholds
from hall_server.alerts.models import Alert
from hall_server.app import build_state
from hall_server.contract.alerts import ThresholdIn
from hall_server.contract.events import EventType
from hall_server.contract.queue import Channel, IssueTicketRequest
from hall_server.core.errors import NotFound
from hall_server.events.models import Event
from hall_server.queueing import tickets, windows
from tests.factories import seed_hall


@pytest.fixture
def state(settings, clock):
    state = build_state(settings, clock)
    seed_hall(state.uow)
    yield state
    state.engine.dispose()
    state.read_engine.dispose()


def issue(state, category: str, count: int = 1) -> None:
    request = IssueTicketRequest(category_code=category)
    state.uow.run(lambda ctx: [tickets.issue_ticket(ctx, request, Channel.WINDOW) for _ in range(count)])


def evaluate(state) -> alerts.Evaluation:
    return state.uow.run(alerts.evaluate_alerts)


def open_alerts(state) -> dict[str, Alert]:
    with state.factory() as session:
        return {a.key: a for a in session.scalars(select(Alert).where(Alert.cleared_at.is_(None)))}


def event_types(state) -> list[str]:
    with state.factory() as session:
        return list(
            session.scalars(
                select(Event.event_type).where(Event.event_type.like("hall.alert.%")).order_by(Event.id)
            )
        )


def test_waits_and_queues_over_their_thresholds_raise_then_clear(state, clock):
    state.uow.run(lambda ctx: thresholds.save_threshold(ctx, "hall", ThresholdIn(max_wait_seconds=1800)))
    state.uow.run(lambda ctx: thresholds.save_threshold(ctx, "SOCIAL", ThresholdIn(max_waiting=2)))
    issue(state, "SOCIAL", 2)
    assert evaluate(state).raised == 0 and open_alerts(state) == {}
    clock.advance(minutes=31)
    assert evaluate(state).raised == 1
    wait = open_alerts(state)["WAIT_TOO_LONG:SOCIAL"]
    assert (wait.value, wait.limit) == (1860, 1800)
    assert wait.detail == "社会事务最长已等候 31 分钟，超过上限 30 分钟（自 09:30 起）"
    issue(state, "SOCIAL")
    clock.advance(minutes=2)
    result = evaluate(state)
    assert (result.raised, result.cleared, result.updated) == (1, 0, 1)  # the wait grew: no new event
    assert open_alerts(state)["QUEUE_TOO_LONG:SOCIAL"].detail.startswith("社会事务有 3 人等候，超过上限 2 人")
    assert open_alerts(state)["WAIT_TOO_LONG:SOCIAL"].value == 1980
    assert evaluate(state).changed is False  # nothing new: nothing written
    state.uow.run(lambda ctx: windows.open_window(ctx, 1))
    state.uow.run(lambda ctx: windows.call_next(ctx, 1))
    assert evaluate(state).cleared == 1  # 2 waiting: the queue is short again; the oldest still waits long
    assert set(open_alerts(state)) == {"WAIT_TOO_LONG:SOCIAL"}
    for _ in range(2):
        state.uow.run(lambda ctx: windows.complete(ctx, 1))
        state.uow.run(lambda ctx: windows.call_next(ctx, 1))
    assert evaluate(state).cleared == 1 and open_alerts(state) == {}
    assert event_types(state) == [
        "hall.alert.raised",
        "hall.alert.raised",
        "hall.alert.cleared",
        "hall.alert.cleared",
    ]


def test_a_service_taking_too_long_at_a_window(state, clock):
    state.uow.run(lambda ctx: thresholds.save_threshold(ctx, "hall", ThresholdIn(max_service_seconds=1200)))
    state.uow.run(
        lambda ctx: thresholds.save_threshold(ctx, "ENTERPRISE", ThresholdIn(max_service_seconds=3600))
    )
    issue(state, "SOCIAL")
    issue(state, "ENTERPRISE")
    for number in (1, 3):
        state.uow.run(lambda ctx, n=number: windows.open_window(ctx, n))
        state.uow.run(lambda ctx, n=number: windows.call_next(ctx, n))
        state.uow.run(lambda ctx, n=number: windows.start(ctx, n))
    clock.advance(minutes=21)
    evaluate(state)
    alert = open_alerts(state)["SERVICE_TOO_LONG:1"]  # window 3's category allows an hour
    assert (alert.window_no, alert.category_code, alert.limit) == (1, "SOCIAL", 1200)
    assert alert.detail == "1 号窗口办理 B001 号已 21 分钟，超过上限 20 分钟（自 09:20 起）"
    state.uow.run(lambda ctx: windows.complete(ctx, 1))
    assert evaluate(state).cleared == 1 and open_alerts(state) == {}


def test_imbalance_suggests_a_window_and_the_fix_clears_it(state):
    for number in (1, 3):
        state.uow.run(lambda ctx, n=number: windows.open_window(ctx, n))
    issue(state, "SOCIAL", 6)
    state.uow.run(lambda ctx: windows.call_next(ctx, 1))  # window 1 busy, 5 waiting for it, window 3 idle
    evaluate(state)
    [alert] = open_alerts(state).values()
    assert (alert.kind, alert.key, alert.window_no, alert.category_code) == (
        "IMBALANCE",
        "IMBALANCE:SOCIAL:3",
        3,
        "SOCIAL",
    )
    assert alert.suggestion is not None
    assert alert.suggestion["text"] == "把 3 号窗口加开社会事务"
    assert alert.suggestion["category_codes"] == ["ENTERPRISE", "SOCIAL"]
    state.uow.run(lambda ctx: windows.set_categories(ctx, 3, alert.suggestion["category_codes"]))
    assert evaluate(state).cleared == 1 and open_alerts(state) == {}


def test_thresholds_listed_for_the_hall_and_every_category_and_unknown_scopes_refused(state):
    listed = state.uow.read(thresholds.list_thresholds)
    assert [(t.scope, t.scope_name, t.max_wait_seconds) for t in listed] == [
        ("hall", "全厅", None),
        ("SOCIAL", "社会事务", None),
        ("ENTERPRISE", "企业服务", None),
        ("PICKUP", "综合出件", None),
    ]
    with pytest.raises(NotFound) as caught:
        state.uow.run(lambda ctx: thresholds.save_threshold(ctx, "NOPE", ThresholdIn()))
    assert caught.value.code == "THRESHOLD_SCOPE_NOT_FOUND"
    state.uow.run(lambda ctx: thresholds.save_threshold(ctx, "hall", ThresholdIn(max_waiting=20)))
    state.uow.run(lambda ctx: thresholds.save_threshold(ctx, "PICKUP", ThresholdIn(max_waiting=5)))
    hall, per_category = state.uow.read(thresholds.effective)
    assert (hall.max_waiting, per_category["SOCIAL"].max_waiting, per_category["PICKUP"].max_waiting) == (
        20,
        20,
        5,
    )
    with state.factory() as session:
        saved = session.scalars(
            select(Event).where(Event.event_type == EventType.THRESHOLD_SAVED.value)
        ).all()
    assert [e.payload["data"]["scope"] for e in saved] == ["hall", "PICKUP"]


def test_the_demo_hall_has_thresholds_and_the_enterprise_screen(settings, clock):
    from hall_server.demo.load import load_demo
    from hall_server.displays.service import get_profile

    state = build_state(settings, clock)
    try:
        state.uow.run(load_demo)
        listed = {t.scope: t for t in state.uow.read(thresholds.list_thresholds)}
        assert (
            listed["hall"].max_wait_seconds,
            listed["hall"].max_waiting,
            listed["hall"].max_service_seconds,
        ) == (
            1800,
            20,
            1200,
        )
        enterprise = state.uow.read(lambda ctx: get_profile(ctx, "enterprise"))
        assert (enterprise.title, enterprise.window_numbers, enterprise.category_codes) == (
            "企业服务区",
            [1, 2, 3],
            ["ENTERPRISE"],
        )
    finally:
        state.engine.dispose()
        state.read_engine.dispose()
