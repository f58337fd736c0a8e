"""The matter picker, the guide and 我的排队 as real widgets offscreen on the demo hall, with screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from kiosk.config import Orientation
from kiosk.controller.kiosk import Screen
from kiosk.controller.lookup import LookupStage
from kiosk.controller.matters import PrintState

SHOTS = Path(os.environ.get("KIOSK_SHOTS", "")) if os.environ.get("KIOSK_SHOTS") else None


def tap(qtbot, window, name: str) -> None:
    """Tap a control once it shows (the page re-renders after the answer it waits for has come)."""

    def ready() -> bool:
        widget = window.findChild(QPushButton, name)
        return widget is not None and widget.isVisible() and widget.isEnabled()

    qtbot.waitUntil(ready, timeout=60000)
    qtbot.mouseClick(window.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def shot(window, name: str) -> None:
    if SHOTS is not None:
        QApplication.processEvents()  # let pending layout passes finish before the picture
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / f"{name}.png"))


def fits(widget: QWidget) -> bool:
    """A wrapped label is given the height its text needs (nothing clipped)."""
    short = [
        (label.objectName(), label.height(), label.heightForWidth(label.width()))
        for label in widget.findChildren(QLabel)
        if label.isVisible() and label.wordWrap() and label.text()
        if label.height() < label.heightForWidth(label.width()) - 2
    ]
    return not short


@pytest.mark.parametrize("orientation", [Orientation.PORTRAIT, Orientation.LANDSCAPE])
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_browse_search_and_print_a_guide(qtbot, kiosk_window, simulators, orientation, elder):
    window, controller = kiosk_window(orientation=orientation, elder=elder)
    qtbot.waitUntil(lambda: controller.online and controller.devices.works("printer"), timeout=60000)
    tap(qtbot, window, "guidesButton")
    flow = controller.matters
    qtbot.waitUntil(lambda: window.findChild(QPushButton, "categorySOCIAL_AFFAIRS") is not None)
    assert controller.screen is Screen.GUIDES
    long_name = next(m for m in flow.high_frequency if m.name.startswith("企业开办一件事"))
    qtbot.waitUntil(lambda: window.findChild(QPushButton, f"matter{long_name.id}") is not None)
    suffix = f"{orientation.value}-{'elder' if elder else 'normal'}"
    shot(window, f"guides-{suffix}")
    qtbot.waitUntil(lambda: fits(window.findChild(QWidget, "matterList")))
    for letter in "JHDJ":
        tap(qtbot, window, f"letterKey{letter}")
    assert flow.query == "JHDJ"
    qtbot.waitUntil(lambda: bool(flow.results))
    marriage = flow.results[0]
    assert marriage.name == "内地居民结婚登记"
    qtbot.waitUntil(lambda: window.findChild(QPushButton, f"matter{marriage.id}") is not None)
    shot(window, f"guides-search-{suffix}")
    tap(qtbot, window, f"matter{marriage.id}")
    qtbot.waitUntil(
        lambda: flow.guide is not None and window.findChild(QLabel, "guideText_shared_0") is not None
    )
    assert controller.screen is Screen.GUIDE
    shared = window.findChild(QLabel, "guideText_shared_0")
    assert "无需提交（大厅通过数据共享获取）" in shared.text()
    assert not window.findChild(QPushButton, "confirmMatterButton").isVisible()
    shot(window, f"guide-{suffix}")
    tap(qtbot, window, "printGuideButton")
    qtbot.waitUntil(lambda: flow.print_state is PrintState.PRINTED, timeout=60000)
    assert "已打印" in window.findChild(QLabel, "guidePrintResult").text()
    assert any("内地居民结婚登记" in line for line in simulators.printer.simulator.pages[0].lines)


def test_choose_confirms_and_paper_out_is_said(qtbot, kiosk_window, simulators):
    window, controller = kiosk_window()
    qtbot.waitUntil(lambda: controller.online and controller.devices.works("printer"), timeout=60000)
    confirmed = []
    controller.matters.choose(confirmed.append)
    flow = controller.matters
    qtbot.waitUntil(lambda: bool(flow.categories))
    tap(qtbot, window, "categoryRESULT_PICKUP")
    qtbot.waitUntil(lambda: bool(flow.category_matters))
    first = flow.category_matters[0]
    qtbot.waitUntil(lambda: window.findChild(QPushButton, f"matter{first.id}") is not None)
    tap(qtbot, window, f"matter{first.id}")
    qtbot.waitUntil(lambda: flow.guide is not None)
    window.refresh()
    assert not window.findChild(QPushButton, "printGuideButton").isVisible()
    shot(window, "guide-confirm-portrait-normal")
    tap(qtbot, window, "confirmMatterButton")
    assert [m.id for m in confirmed] == [first.id]
    flow.browse()
    qtbot.waitUntil(lambda: bool(flow.high_frequency))
    simulators.printer.simulator.set_paper("out")
    flow.pick(flow.high_frequency[0].id)
    qtbot.waitUntil(lambda: flow.guide is not None)
    tap(qtbot, window, "printGuideButton")
    qtbot.waitUntil(lambda: flow.print_state is PrintState.FAILED, timeout=60000)
    text = window.findChild(QLabel, "guidePrintResult").text()
    assert "缺纸" in text and "拍下本页" in text
    shot(window, "guide-paper-out-portrait-normal")


@pytest.mark.parametrize("orientation", [Orientation.PORTRAIT, Orientation.LANDSCAPE])
def test_my_tickets_by_card(qtbot, kiosk_window, simulators, demo_hall, orientation):
    from devices.idcard.cards import CARDS
    from hall_server.contract.queue import IssueTicketRequest
    from kiosk.controller.devices import identity_of
    from tests.factories import person

    window, controller = kiosk_window(orientation=orientation, elder=True)
    qtbot.waitUntil(lambda: controller.online and controller.devices.works("reader"), timeout=60000)
    with demo_hall.staff("admin") as admin:
        admin.issue_ticket(IssueTicketRequest(category_code="ENTERPRISE", identity=person()))
        admin.issue_ticket(
            IssueTicketRequest(category_code="ENTERPRISE", identity=identity_of(CARDS["resident_male"]))
        )
    tap(qtbot, window, "myTicketsButton")
    assert window.findChild(QLabel, "lookupPrompt").text() == "请将身份证放在感应区"
    assert window.findChild(QPushButton, "lookupManualButton").isVisible()  # 没带身份证？手动输入
    shot(window, f"lookup-card-{orientation.value}-elder")
    simulators.place("resident_male")
    qtbot.waitUntil(lambda: window.findChild(QLabel, "lookupTicket0") is not None, timeout=60000)
    ticket = window.findChild(QLabel, "lookupTicket0").text()
    assert "等候中，前面还有 1 人" in ticket
    assert "110101" not in window.findChild(QLabel, "lookupVisitor").text().replace("*", "")[6:]
    shot(window, f"lookup-{orientation.value}-elder")
    tap(qtbot, window, "homeButton")
    assert controller.lookup.stage is LookupStage.WAIT_CARD and controller.lookup.tickets == []


def test_full_pinyin_typed_on_the_keyboard_finds_the_matter(qtbot, kiosk_window):
    """The whole name's pinyin, not only its initials, fits in the query and finds the matter."""
    window, controller = kiosk_window()
    qtbot.waitUntil(lambda: controller.online, timeout=60000)
    tap(qtbot, window, "guidesButton")
    flow = controller.matters
    qtbot.waitUntil(lambda: bool(flow.high_frequency))
    assert "JIEHUN" in window.findChild(QLabel, "searchHint").text()
    full_pinyin = "NEIDIJUMINJIEHUNDENGJI"  # 内地居民结婚登记, 22 letters
    for letter in full_pinyin:
        tap(qtbot, window, f"letterKey{letter}")
    assert flow.query == full_pinyin
    qtbot.waitUntil(lambda: bool(flow.results))
    assert [m.name for m in flow.results] == ["内地居民结婚登记"]
    assert full_pinyin in window.findChild(QLabel, "searchQuery").text()
    qtbot.waitUntil(lambda: window.findChild(QPushButton, f"matter{flow.results[0].id}") is not None)
    assert fits(window)
