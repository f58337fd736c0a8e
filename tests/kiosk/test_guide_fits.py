"""The guide's sections show whole lines only, in portrait and landscape, normal and elder mode: a line the
list's edge would cut is curtained until dragged in, and scrolled to the end the guide's last line shows
whole (landscape elder mode, where the list is shortest, used to slice the last line shown)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QWidget

from kiosk.config import Orientation
from kiosk.controller.kiosk import Screen

SHOTS = Path(os.environ["YIMEN_SCREENSHOTS"]) / "kiosk" if os.environ.get("YIMEN_SCREENSHOTS") else None


def shown_part(area: QScrollArea) -> QRect:
    """The part of the list's viewport no curtain covers."""
    visible = area.viewport().rect()
    for name in ("guideCurtainTop", "guideCurtainBottom"):
        curtain = area.viewport().findChild(QWidget, name)
        if curtain is not None and curtain.isVisible():
            if curtain.y() == 0:
                visible.setTop(curtain.geometry().bottom() + 1)
            else:
                visible.setBottom(curtain.y() - 1)
    return visible


def cut_lines(area: QScrollArea) -> list[str]:
    """The guide's labels that show in the uncovered viewport but not whole."""
    shown = shown_part(area)
    cut = []
    for label in area.widget().findChildren(QLabel):
        if not label.isVisible() or not label.text():
            continue
        where = QRect(label.mapTo(area.viewport(), QPoint(0, 0)), label.size())
        if where.intersects(shown) and not shown.contains(where):
            cut.append(f"{label.objectName()} {where} in {shown}")
    return cut


@pytest.mark.parametrize("orientation", [Orientation.PORTRAIT, Orientation.LANDSCAPE])
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_no_line_of_the_guide_is_cut_and_the_last_one_shows(qtbot, kiosk_window, orientation, elder):
    window, c = kiosk_window(orientation=orientation, elder=elder)
    qtbot.waitUntil(lambda: c.online, timeout=30000)
    c.matters.browse()
    qtbot.waitUntil(lambda: bool(c.matters.high_frequency), timeout=30000)
    longest = next(m for m in c.matters.high_frequency if m.name.startswith("企业开办一件事"))
    suffix = f"{orientation.value}-{'elder' if elder else 'normal'}"
    for matter in (c.matters.high_frequency[0], longest):
        c.matters.pick(matter.id)
        qtbot.waitUntil(
            lambda m=matter: (
                c.screen is Screen.GUIDE and c.matters.guide is not None and c.matters.guide.matter_id == m.id
            ),
            timeout=30000,
        )
        QApplication.processEvents()
        area = window.findChild(QScrollArea, "guideSections")
        bar = area.verticalScrollBar()
        assert bar.maximum() > 0  # the guide is longer than the list: the edge falls inside it
        for value in (0, bar.maximum() // 3, bar.maximum() // 2, bar.maximum()):
            bar.setValue(value)
            QApplication.processEvents()
            assert not cut_lines(area), f"{matter.name} at {value}: {cut_lines(area)}"
        last_key = c.matters.guide.sections[-1]
        last = window.findChild(QLabel, f"guideText_{last_key.key}_{len(last_key.lines) - 1}")
        assert last.text() == last_key.lines[-1]
        where = QRect(last.mapTo(area.viewport(), QPoint(0, 0)), last.size())
        assert shown_part(area).contains(where), (
            f"{matter.name}: the last line {where} not in {shown_part(area)}"
        )
        assert last.height() >= last.heightForWidth(last.width())
        if SHOTS is not None and matter is longest:
            SHOTS.mkdir(parents=True, exist_ok=True)
            bar.setValue(bar.maximum() // 2)
            QApplication.processEvents()
            window.grab().save(str(SHOTS / f"guide-scrolled-{suffix}.png"))
        c.matters.back_to_list()
        qtbot.waitUntil(lambda: c.screen is not Screen.GUIDE, timeout=30000)
