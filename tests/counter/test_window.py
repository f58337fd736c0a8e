"""The counter as real Qt widgets offscreen on the demo hall: sign in, pick a window, call with F1, the
transfer form, park and resume, pause; every screen fits 1366×768 and 1920×1080 with named controls and
no clipped label. With YIMEN_SCREENSHOTS=DIR each screen is saved as DIR/counter-<screen>-<size>.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QPushButton, QScrollArea, QWidget

from counter_client.config import CounterConfig
from counter_client.controller.counter import IDLE_TEXT, Phase, RatingState
from counter_client.views.app import build_counter
from hall_server.client import HallClient
from hall_server.contract.queue import WindowState
from tests.counter.conftest import PASSWORD, counter_config

SHOTS = Path(os.environ["YIMEN_SCREENSHOTS"]) if os.environ.get("YIMEN_SCREENSHOTS") else None
WAIT = 10000  # ms
SIZES = {"1366": (1366, 768), "1080p": (1920, 1080)}


def check_and_shoot(window: QWidget, screen: str, size: str) -> None:
    QApplication.processEvents()
    assert (window.width(), window.height()) == SIZES[size], f"{screen}: the window grew"
    unnamed = [
        w.text()
        for w in window.findChildren(QPushButton)
        if w.isVisible() and not (w.objectName() and w.accessibleName())
    ]
    assert not unnamed, f"{screen}: controls without objectName or accessibleName {unnamed}"
    for edit in window.findChildren(QLineEdit) + window.findChildren(QComboBox):
        if edit.isVisible():
            assert edit.objectName() and edit.accessibleName(), screen
    clipped = [
        w.objectName()
        for w in window.findChildren(QLabel)
        if w.isVisible() and w.wordWrap() and w.text() and w.height() < w.heightForWidth(w.width()) - 2
    ]
    assert not clipped, f"{screen}: clipped labels {clipped}"
    outside = [
        w.objectName()
        for w in window.findChildren(QPushButton)
        if w.isVisible()
        and not window.rect().contains(w.mapTo(window, w.rect().bottomRight()))
        and not _scrolled_away(w)
    ]
    assert not outside, f"{screen}: controls outside the window {outside}"
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / f"counter-{screen}-{size}.png"))


def _scrolled_away(widget: QWidget) -> bool:
    """Below (or above) the visible part of a vertical scroll area and as wide as it: reached by scrolling,
    not outside the window (a control cut off at the side, where nothing scrolls, still counts)."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if parent is None:
        return False
    viewport = parent.viewport()
    corner = widget.mapTo(viewport, QPoint(0, 0))
    fits_across = corner.x() >= 0 and corner.x() + widget.width() <= viewport.width()
    out_of_view = corner.y() >= viewport.height() or corner.y() + widget.height() <= 0
    return fits_across and out_of_view


def find(window: QWidget, kind: type, name: str):
    widget = window.findChild(kind, name)
    assert widget is not None, name
    return widget


@pytest.mark.parametrize("size", sorted(SIZES))
def test_a_clerk_works_the_window_with_keys_and_clicks(qtbot, demo_hall, window_sims, issue, size):
    sims = window_sims(press="satisfied", delay="0.3")
    window, controller = build_counter(counter_config(demo_hall, sims, login="clerk01"))
    qtbot.addWidget(window)
    window.resize(*SIZES[size])
    window.show()
    controller.start()
    try:
        qtbot.waitUntil(lambda: controller.online, timeout=WAIT)
        check_and_shoot(window, "sign-in", size)
        find(window, QLineEdit, "password").setText(PASSWORD)
        qtbot.mouseClick(find(window, QPushButton, "signInButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: controller.phase is Phase.PICK_WINDOW and bool(controller.windows), timeout=60000
        )
        check_and_shoot(window, "windows", size)
        qtbot.mouseClick(find(window, QPushButton, "window4"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: controller.phase is Phase.WORK and not controller.busy, timeout=WAIT)
        assert "4号社会事务窗口" in find(window, QLabel, "windowTitle").text()

        manager = HallClient.login(demo_hall.base_url, "manager", PASSWORD)
        matter = manager.matters(category="SOCIAL_AFFAIRS")[0]
        first, second = issue(matter_id=matter.id), issue()
        qtbot.waitUntil(lambda: len(controller.upcoming) == 2, timeout=WAIT)
        assert first.number in find(window, QLabel, "nextNumbers").text()
        qtbot.keyClick(window, Qt.Key.Key_F1)
        qtbot.waitUntil(lambda: find(window, QLabel, "currentNumber").text() == first.number, timeout=WAIT)
        qtbot.waitUntil(lambda: sims.shown() == f"请 {first.number} 号到 4 号窗口", timeout=WAIT)
        assert not find(window, QPushButton, "callNextButton").isEnabled()
        qtbot.waitUntil(lambda: matter.name in find(window, QLabel, "guideText").text(), timeout=WAIT)
        check_and_shoot(window, "calling", size)

        qtbot.mouseClick(find(window, QPushButton, "parkButton"), Qt.MouseButton.LeftButton)
        find(window, QLineEdit, "parkNote").setText("回去复印身份证")
        qtbot.mouseClick(find(window, QPushButton, "parkConfirm"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: window.findChild(QPushButton, f"resumeParked{first.number}") is not None, timeout=60000
        )
        qtbot.keyClick(window, Qt.Key.Key_F1)
        qtbot.waitUntil(lambda: find(window, QLabel, "currentNumber").text() == second.number, timeout=WAIT)
        qtbot.keyClick(window, Qt.Key.Key_F3)  # start
        qtbot.waitUntil(lambda: "办理中" in find(window, QLabel, "currentStatus").text(), timeout=WAIT)
        qtbot.waitUntil(lambda: find(window, QLabel, "nextNumbers").text() == "下一位：无", timeout=WAIT)

        qtbot.mouseClick(find(window, QPushButton, "transferButton"), Qt.MouseButton.LeftButton)
        target = find(window, QComboBox, "transferTarget")
        target.setCurrentIndex(target.findText("业务：企业服务"))
        find(window, QLineEdit, "transferNote").setText("营业执照变更，请企业服务窗口办理")
        check_and_shoot(window, "transfer", size)
        qtbot.mouseClick(find(window, QPushButton, "transferConfirm"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: find(window, QLabel, "currentNumber").text() == "", timeout=WAIT)
        qtbot.waitUntil(lambda: sims.shown() == IDLE_TEXT, timeout=WAIT)

        resume = find(window, QPushButton, f"resumeParked{first.number}")
        qtbot.waitUntil(resume.isEnabled, timeout=WAIT)
        qtbot.mouseClick(resume, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: find(window, QLabel, "currentNumber").text() == first.number, timeout=WAIT)
        qtbot.keyClick(window, Qt.Key.Key_F4)  # complete
        qtbot.waitUntil(lambda: controller.rating.state is RatingState.RATED, timeout=WAIT)
        qtbot.waitUntil(lambda: "满意" in find(window, QLabel, "ratingText").text(), timeout=WAIT)
        qtbot.waitUntil(lambda: "已办结 1 件" in find(window, QLabel, "dayText").text(), timeout=WAIT)
        qtbot.waitUntil(lambda: "满意 1" in find(window, QLabel, "dayText").text(), timeout=WAIT)
        check_and_shoot(window, "after-rating", size)

        # the visitor just served complains: recorded at the window, bound to that ticket
        qtbot.mouseClick(find(window, QPushButton, "complaintButton"), Qt.MouseButton.LeftButton)
        subjects = find(window, QComboBox, "complaintSubject")
        subjects.setCurrentIndex(subjects.findText("办事效率"))
        find(window, QLineEdit, "complaintText").setText("办事人反映等候时间过长")
        check_and_shoot(window, "complaint", size)
        qtbot.mouseClick(find(window, QPushButton, "complaintConfirm"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "投诉已记录" in find(window, QLabel, "notice").text(), timeout=WAIT)
        [complaint] = manager.complaints()
        assert (complaint.ticket_number, complaint.window_no) == (first.number, 4)

        qtbot.mouseClick(find(window, QPushButton, "pauseButton"), Qt.MouseButton.LeftButton)
        qtbot.wait(1500)  # the form stays open while the clerk picks a reason (the clock ticks meanwhile)
        assert find(window, QWidget, "pauseForm").isVisible()
        qtbot.mouseClick(find(window, QPushButton, "pauseConfirm"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "暂停" in find(window, QLabel, "windowTitle").text(), timeout=WAIT)
        assert find(window, QPushButton, "pauseButton").text() == "恢复服务"
        check_and_shoot(window, "paused", size)
        assert manager.window(4).state is WindowState.PAUSED
        qtbot.mouseClick(find(window, QPushButton, "signOutButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: controller.phase is Phase.SIGN_IN, timeout=WAIT)
        assert manager.window(4).state is WindowState.CLOSED
    finally:
        controller.stop()


def test_a_deleted_window_is_no_longer_refreshed_by_its_controller(qtbot):
    """A window closed and deleted before its controller stops (a crashed page, a test that failed) must not
    be called any more: its Qt objects are gone and refreshing them raises in the event loop."""
    window, controller = build_counter(
        CounterConfig(server="http://127.0.0.1:9", ledscreen="", evalpad="", idcard="")
    )
    assert window.refresh in controller._listeners
    window.deleteLater()
    qtbot.waitUntil(lambda: not controller._listeners, timeout=WAIT)
    controller.changed()  # nothing left to call: no RuntimeError from a deleted C++ object
