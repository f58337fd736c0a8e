"""请工作人员帮助 at the counter, against the real server: a kiosk's help request reaches the clerk on the
window's live feed, shows until someone handles it, and the clerk can mark it handled (已处理)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from counter_client.controller.counter import Phase
from counter_client.views.app import build_counter
from hall_server.client import HallClient
from tests.counter.conftest import PASSWORD, counter_config

SHOTS = Path(os.environ["YIMEN_SCREENSHOTS"]) if os.environ.get("YIMEN_SCREENSHOTS") else None
WAIT = 10000  # ms


def kiosk_of(demo_hall) -> HallClient:
    return HallClient(demo_hall.base_url, demo_hall.tokens["kiosk-1"])


def signed_in_and_following(counter, login: str, window: int) -> None:
    """Signed in, and the live feed's snapshot in (the waiting counts come only from the feed): a help
    request raised from now on reaches this counter."""
    counter.sign_in(login, window)
    counter.until(lambda: bool(counter.controller.waiting))


def test_a_help_request_shows_until_the_clerk_handles_it(counters, demo_hall):
    a = counters(devices=False)
    c = a.controller
    signed_in_and_following(a, "clerk01", 4)
    raised = kiosk_of(demo_hall).request_help("老人不会操作")
    a.until(lambda: bool(c.help_calls))
    assert [(h.help_id, h.text) for h in c.help_calls] == [
        (raised.id, "kiosk-1 请求工作人员帮助：老人不会操作")
    ]
    c.resolve_help(raised.id)
    a.until(lambda: not c.help_calls)
    manager = HallClient.login(demo_hall.base_url, "manager", PASSWORD)
    handled = next(h for h in manager.help_requests() if h.id == raised.id)
    assert not handled.open and handled.resolved_by is not None and handled.resolution == "窗口工作人员已处理"


def test_help_asked_before_the_clerk_connected_shows_on_sign_in(counters, demo_hall):
    """Requests raised while no counter followed the feed are loaded on connecting (the open ones only),
    then the live feed adds the later ones, each shown once."""
    kiosk = kiosk_of(demo_hall)
    earlier = kiosk.request_help("早上就在等")
    handled = kiosk.request_help("已经有人去了")
    HallClient.login(demo_hall.base_url, "manager", PASSWORD).resolve_help(handled.id)
    a = counters(devices=False)
    c = a.controller
    signed_in_and_following(a, "clerk01", 4)
    a.until(lambda: bool(c.help_calls))
    assert [(h.help_id, h.text) for h in c.help_calls] == [
        (earlier.id, "kiosk-1 请求工作人员帮助：早上就在等")
    ]
    later = kiosk.request_help("刚刚")
    a.until(lambda: len(c.help_calls) == 2)
    assert [h.help_id for h in c.help_calls] == [earlier.id, later.id]


def test_handled_elsewhere_it_goes_from_every_counter(counters, demo_hall):
    a, b = counters(devices=False), counters(devices=False)
    signed_in_and_following(a, "clerk01", 4)
    signed_in_and_following(b, "clerk02", 5)
    raised = kiosk_of(demo_hall).request_help()
    for counter in (a, b):
        counter.until(lambda c=counter.controller: bool(c.help_calls))
    assert b.controller.help_calls[0].text == "kiosk-1 请求工作人员帮助"
    b.controller.resolve_help(raised.id)
    b.until(lambda: not b.controller.help_calls)
    a.until(lambda: not a.controller.help_calls)  # the resolved event reached window 4 too
    a.controller.resolve_help(raised.id)  # a click that crossed the other's: said, nothing breaks
    a.until(lambda: a.controller.notice is not None and a.controller.notice.error)
    assert a.controller.notice is not None and a.controller.notice.text == "该求助已处理"


def test_the_clerk_sees_the_help_notice_and_clicks_handled(qtbot, demo_hall):
    window, controller = build_counter(counter_config(demo_hall, None, login="clerk01", window=4))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    controller.start()
    try:
        qtbot.waitUntil(lambda: controller.online, timeout=WAIT)
        window.findChild(QWidget, "password").setText(PASSWORD)
        qtbot.mouseClick(window.findChild(QPushButton, "signInButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: controller.phase is Phase.WORK and bool(controller.waiting), timeout=WAIT)
        assert not window.findChild(QWidget, "helpCalls").isVisible()
        raised = kiosk_of(demo_hall).request_help("需要填表")
        name = f"resolveHelp{raised.id}"
        qtbot.waitUntil(lambda: window.findChild(QPushButton, name) is not None, timeout=WAIT)
        notice = window.findChild(QLabel, f"helpCallText{raised.id}")
        assert notice.isVisible() and notice.text() == "kiosk-1 请求工作人员帮助：需要填表"
        handled = window.findChild(QPushButton, name)
        assert handled.isVisible() and handled.isEnabled() and handled.accessibleName() == "已处理"
        if SHOTS is not None:
            QApplication.processEvents()
            SHOTS.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(SHOTS / "counter-help-1366.png"))
        qtbot.mouseClick(handled, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not window.findChild(QWidget, "helpCalls").isVisible(), timeout=WAIT)
        assert controller.help_calls == []
    finally:
        controller.stop()
